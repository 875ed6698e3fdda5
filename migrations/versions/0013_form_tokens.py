"""One-time form tokens: a confirm or accept sent twice creates nothing the second time (issue 18, item 8)

Revision ID: 0013_form_tokens
Revises: 0012_agreement_coverage
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_form_tokens'
down_revision = '0012_agreement_coverage'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'form_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_form_token_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_token')),
        # the unique constraint is what makes a second (or parallel) submission fail
        sa.UniqueConstraint('user_id', 'token', name=op.f('uq_form_token_user_id_token')),
    )


def downgrade() -> None:
    op.drop_table('form_token')
