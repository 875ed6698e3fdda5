"""seat purchases record their supplier (legal person) and need (course kind); the related-purchases index uses them

The buyer's single-column index goes: two composite indexes begin with the buyer.

Revision ID: 0008_purchase_supplier
Revises: 0007_jobs
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op


revision = '0008_purchase_supplier'
down_revision = '0007_jobs'
branch_labels = None
depends_on = None

KINDS = ('norwegian_training', 'basic_skills', 'fov', 'amo', 'industry_course', 'vocational_norwegian', 'other')


def upgrade() -> None:
    with op.batch_alter_table('seat_purchase', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier_entity_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('course_kind', sa.Enum(*KINDS, name='course_kind', native_enum=False, length=40), nullable=True))
    # Earlier purchases: the supplier and the need as they are now (nothing else was recorded).
    op.execute(
        "UPDATE seat_purchase SET "
        "supplier_entity_id = (SELECT unit.legal_entity_id FROM course JOIN unit ON unit.id = course.provider_unit_id "
        "WHERE course.id = seat_purchase.course_id), "
        "course_kind = (SELECT course.kind FROM course WHERE course.id = seat_purchase.course_id)"
    )
    with op.batch_alter_table('seat_purchase', schema=None) as batch_op:
        batch_op.alter_column('supplier_entity_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('course_kind', existing_type=sa.Enum(*KINDS, name='course_kind', native_enum=False, length=40), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_seat_purchase_supplier_entity_id_legal_entity'), 'legal_entity', ['supplier_entity_id'], ['id'])
        batch_op.drop_index('ix_seat_purchase_related')
        batch_op.create_index(
            'ix_seat_purchase_related',
            ['buyer_unit_id', 'side', 'supplier_entity_id', 'course_kind', 'start_date', 'status', 'amount'], unique=False,
        )
        # Every purchase insert maintains each index; this one repeats the first column of two others.
        batch_op.drop_index('ix_seat_purchase_buyer_unit_id')


def downgrade() -> None:
    with op.batch_alter_table('seat_purchase', schema=None) as batch_op:
        batch_op.create_index('ix_seat_purchase_buyer_unit_id', ['buyer_unit_id'], unique=False)
        batch_op.drop_index('ix_seat_purchase_related')
        batch_op.create_index(
            'ix_seat_purchase_related', ['buyer_unit_id', 'side', 'start_date', 'course_id', 'status', 'amount'], unique=False
        )
        batch_op.drop_constraint(batch_op.f('fk_seat_purchase_supplier_entity_id_legal_entity'), type_='foreignkey')
        batch_op.drop_column('course_kind')
        batch_op.drop_column('supplier_entity_id')
