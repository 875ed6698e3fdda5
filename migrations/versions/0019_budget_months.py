"""A budget line's money by month, booked as it moves (issue 22)

The budget page and the budget-alert job showed a line's money by month by applying budget/periods.py's rule to
every confirmed purchase of the line on every read: 13 running totals over each purchase, ~10 ms of PostgreSQL
arithmetic for a line with ~4 000 purchases. ``budget_month`` holds per line and calendar month the open
commitments' parts and the actual costs registered, in whole øre; budget.services books them in the same step as
the line's totals and ledger entries (commit, release, spend). This revision fills it from the data there is: the
parts of every confirmed purchase, and every cost in the month it was registered in the product's time zone
(``CONTRACTS_TIMEZONE``).

Revision ID: 0019_budget_months
Revises: 0018_job_runs_idle
Create Date: 2026-12-08
"""
import os
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

from contracts_app.db import UTCDateTime


revision = '0019_budget_months'
down_revision = '0018_job_runs_idle'
branch_labels = None
depends_on = None

purchases = sa.table('seat_purchase', sa.column('budget_id', sa.Integer()), sa.column('amount', sa.Numeric(14, 2)),
                     sa.column('start_date', sa.Date()), sa.column('end_date', sa.Date()), sa.column('status', sa.String()))
entries = sa.table('budget_entry', sa.column('budget_id', sa.Integer()), sa.column('amount', sa.Numeric(14, 2)),
                   sa.column('at', UTCDateTime()), sa.column('kind', sa.String()))


def upgrade() -> None:
    months = op.create_table(
        'budget_month',
        sa.Column('budget_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('committed_ore', sa.BigInteger(), nullable=False),
        sa.Column('spent_ore', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('committed_ore >= 0 AND spent_ore >= 0', name=op.f('ck_budget_month_amounts_not_negative')),
        sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_budget_month_budget_id_budget')),
        sa.PrimaryKeyConstraint('budget_id', 'month', name=op.f('pk_budget_month')),
    )
    # The rule as the write path applies it (pure module, no app).
    from contracts_app.budget.periods import month_rows

    conn = op.get_bind()
    zone = ZoneInfo(os.environ.get('CONTRACTS_TIMEZONE') or 'Europe/Oslo')
    commitments = conn.execute(sa.select(purchases.c.budget_id, purchases.c.amount, purchases.c.start_date, purchases.c.end_date)
                               .where(purchases.c.status == 'confirmed'))
    spends = [(line, at.astimezone(zone).date(), amount) for line, at, amount
              in conn.execute(sa.select(entries.c.budget_id, entries.c.at, entries.c.amount).where(entries.c.kind == 'spend'))]
    rows = month_rows(commitments, spends)
    if rows:
        op.bulk_insert(months, rows)


def downgrade() -> None:
    op.drop_table('budget_month')
