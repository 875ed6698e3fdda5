"""Agreements act only for their own side: who recorded a signature and how, the units an agreement covers (issue 18, item 4)

Revision ID: 0012_agreement_coverage
Revises: 0011_login_security
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_agreement_coverage'
down_revision = '0011_login_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agreement_covered_unit',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_covered_unit_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_agreement_covered_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('agreement_id', 'unit_id', name=op.f('pk_agreement_covered_unit'))
    )
    with op.batch_alter_table('agreement_covered_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_covered_unit_unit_id'), ['unit_id'], unique=False)

    # Signatures recorded before this revision: by the party's own unit when the recorder is a member of it, else
    # (someone recorded it for the other side) as a paper signature, which is what it was.
    with op.batch_alter_table('agreement_signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.Enum('own_side', 'on_paper', name='signature_method', native_enum=False, length=20),
                                      nullable=False, server_default='own_side'))
    op.execute(
        "UPDATE agreement_signature SET method = 'on_paper' WHERE NOT EXISTS ("
        "SELECT 1 FROM agreement_party p JOIN membership m ON m.unit_id = p.unit_id "
        "WHERE p.id = agreement_signature.party_id AND m.user_id = agreement_signature.recorded_by_id)"
    )
    with op.batch_alter_table('agreement_signature', schema=None) as batch_op:
        batch_op.alter_column('method', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('agreement_signature', schema=None) as batch_op:
        batch_op.drop_column('method')
    with op.batch_alter_table('agreement_covered_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_covered_unit_unit_id'))
    op.drop_table('agreement_covered_unit')
