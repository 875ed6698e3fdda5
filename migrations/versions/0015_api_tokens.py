"""API tokens and idempotent answers (issue 21, items 1-3)

Revision ID: 0015_api_tokens
Revises: 0013_form_tokens
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa



revision = '0015_api_tokens'
down_revision = '0014_scale_indexes'  # chained after the scale indexes (issue 22)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('scopes', sa.String(length=200), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rate_window_started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rate_count', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_api_token_unit_id_unit')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_token_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_api_token_revoked_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
        sa.UniqueConstraint('prefix', name=op.f('uq_api_token_prefix')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_api_token_secret_hash')),
    )
    op.create_index('ix_api_token_unit_id', 'api_token', ['unit_id'])
    op.create_table(
        'api_idempotent_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('location', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotent_answer')),
        sa.UniqueConstraint('owner', 'key', name='uq_api_idempotent_answer_owner_key'),
    )
    op.create_index(op.f('ix_api_idempotent_answer_created_at'), 'api_idempotent_answer', ['created_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_api_idempotent_answer_created_at'), table_name='api_idempotent_answer')
    op.drop_table('api_idempotent_answer')
    op.drop_index('ix_api_token_unit_id', table_name='api_token')
    op.drop_table('api_token')
