"""Security of logins and sessions: an atomic login throttle, session generations, password resets (issue 18, items 1-3)

Revision ID: 0011_login_security
Revises: 0010_law_2026_07
Create Date: 2026-12-07
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0011_login_security'
down_revision = '0010_law_2026_07'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('password_reset_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('password_reset_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_password_reset_hash'), ['password_reset_hash'])

    # The throttle counts per (login, address), per login and per address; a window replaces the lock time.
    # Existing rows become account-wide rows whose window began at their last failure.
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE login_throttle SET window_started_at = last_failure_at")
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_login_throttle_login'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_login_throttle_login_address'), ['login', 'address'])
        batch_op.drop_column('last_failure_at')
        batch_op.drop_column('locked_until')


def downgrade() -> None:
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE login_throttle SET last_failure_at = window_started_at")
    # Only the account-wide rows fit the old shape (one row per login name).
    op.execute("DELETE FROM login_throttle WHERE address <> '' OR login = ''")
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_login_throttle_login_address'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_login_throttle_login'), ['login'])
        batch_op.drop_column('last_success_at')
        batch_op.drop_column('window_started_at')
        batch_op.drop_column('address')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_account_password_reset_hash'), type_='unique')
        batch_op.drop_column('password_reset_expires_at')
        batch_op.drop_column('password_reset_hash')
        batch_op.drop_column('session_generation')
