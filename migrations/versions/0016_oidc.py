"""Single sign-on with OpenID Connect: accounts linked by issuer and subject; the ID token kept for logout (issue 23)

Revision ID: 0016_oidc
Revises: 0015_api_tokens
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_oidc'
down_revision = '0015_api_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('oidc_linked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_login_method', sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint('uq_user_account_oidc_issuer_oidc_subject', ['oidc_issuer', 'oidc_subject'])
    op.create_table(
        'oidc_login',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('sealed_id_token', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_oidc_login_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_login')),
    )
    op.create_index(op.f('ix_oidc_login_user_id'), 'oidc_login', ['user_id'])
    op.create_index(op.f('ix_oidc_login_created_at'), 'oidc_login', ['created_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_oidc_login_created_at'), table_name='oidc_login')
    op.drop_index(op.f('ix_oidc_login_user_id'), table_name='oidc_login')
    op.drop_table('oidc_login')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_oidc_issuer_oidc_subject', type_='unique')
        batch_op.drop_column('last_login_method')
        batch_op.drop_column('oidc_linked_at')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
