"""Indexes for list pages read in order at national scale (issue 22)

- (budget_id, created_at, id, status) replaces (budget_id) on seat_purchase: the budget page, the API's ledger and
  the export list a line's purchases newest first (a range of the index read in order instead of a sort of every
  purchase on the line) and count them by status from the index alone; the prefix still serves the foreign key.
- (provider_unit_id, id) replaces (provider_unit_id) on capacity_offer: a provider's offers, newest first.
- (updated_at, id) on agreement: the agreements list's order, so a page reads the first visible agreements in
  order instead of sorting every visible one.

Revision ID: 0017_list_indexes
Revises: 0016_oidc
Create Date: 2026-12-07
"""
from alembic import op


revision = '0017_list_indexes'
down_revision = '0016_oidc'
branch_labels = None
depends_on = None

# (table, dropped index and its columns or None, new index and its columns)
CHANGES = [
    ('seat_purchase', ('ix_seat_purchase_budget_id', ['budget_id']),
     ('ix_seat_purchase_budget_ledger', ['budget_id', 'created_at', 'id', 'status'])),
    ('capacity_offer', ('ix_capacity_offer_provider_unit_id', ['provider_unit_id']),
     ('ix_capacity_offer_provider_id', ['provider_unit_id', 'id'])),
    ('agreement', None, ('ix_agreement_updated', ['updated_at', 'id'])),
]


def upgrade() -> None:
    for table, old, (name, cols) in CHANGES:
        op.create_index(name, table, cols, unique=False)
        if old is not None:
            op.drop_index(old[0], table_name=table)


def downgrade() -> None:
    for table, old, (name, _cols) in reversed(CHANGES):
        if old is not None:
            op.create_index(old[0], table, old[1], unique=False)
        op.drop_index(name, table_name=table)
