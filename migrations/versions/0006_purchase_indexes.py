"""indexes for the purchase transaction's related-purchases search (rules assessment)

Revision ID: 0006_purchase_indexes
Revises: 0005_agreements
Create Date: 2026-11-26
"""
from alembic import op


revision = '0006_purchase_indexes'
down_revision = '0005_agreements'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.create_index('ix_course_provider_kind', ['provider_unit_id', 'kind', 'id'], unique=False)
    with op.batch_alter_table('seat_purchase', schema=None) as batch_op:
        batch_op.create_index(
            'ix_seat_purchase_related', ['buyer_unit_id', 'side', 'start_date', 'course_id', 'status', 'amount'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('seat_purchase', schema=None) as batch_op:
        batch_op.drop_index('ix_seat_purchase_related')
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_index('ix_course_provider_kind')
