"""Job runs that changed nothing, kept by the database for the jobs page (issue 22)

The jobs page hides the runs that succeeded and changed nothing and says how many it hid. It tested every run's
result text against nine patterns on each view (a pass over all runs, twice). ``idle`` is a stored generated
column with that condition, indexed with (started_at, id): the page reads its runs in order and counts both kinds
from the index. SQLite cannot add a stored generated column to a table, so there the table is rebuilt.

Revision ID: 0018_job_runs_idle
Revises: 0017_list_indexes
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_job_runs_idle'
down_revision = '0017_list_indexes'
branch_labels = None
depends_on = None

# contracts_app.jobs.models.IDLE_SQL as of this revision.
IDLE_SQL = "status = 'succeeded' AND " + " AND ".join(
    f"coalesce(CAST(result AS TEXT), '') NOT LIKE '%{digit}%'" for digit in "123456789")


def upgrade() -> None:
    with op.batch_alter_table('job_runs', recreate='always' if op.get_context().dialect.name == 'sqlite' else 'auto') as batch_op:
        batch_op.add_column(sa.Column('idle', sa.Boolean(), sa.Computed(IDLE_SQL, persisted=True), nullable=True))
    op.create_index('ix_job_runs_idle_started', 'job_runs', ['idle', 'started_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_job_runs_idle_started', table_name='job_runs')
    with op.batch_alter_table('job_runs', recreate='always' if op.get_context().dialect.name == 'sqlite' else 'auto') as batch_op:
        batch_op.drop_column('idle')
