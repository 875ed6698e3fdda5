"""Indexes for the audit log's keyset pages at national scale (issue 22, item 3)

The audit log pages by a cursor on (at, id), newest first, and offers filters by object, object type, actor,
action and a date range. Each filter gets an index that ends in (at, id), so a page is an index range read in
order whatever the page: (at, id) replaces (at); (object_type, object_id, at, id) replaces (object_type,
object_id), which the object histories still use by its prefix; (actor_id, at, id) replaces (actor_id, at);
(action, at, id) replaces (action), whose prefix serves "action starts with"; (object_type, at, id) is new.

Revision ID: 0014_scale_indexes
Revises: 0013_form_tokens
Create Date: 2026-12-07
"""
from alembic import op


revision = '0014_scale_indexes'
down_revision = '0013_form_tokens'
branch_labels = None
depends_on = None

# (dropped index, its columns) → (new index, its columns)
REPLACED = [
    (("ix_audit_event_at", ["at"]), ("ix_audit_event_at_id", ["at", "id"])),
    (("ix_audit_event_object", ["object_type", "object_id"]), ("ix_audit_event_object_at", ["object_type", "object_id", "at", "id"])),
    (("ix_audit_event_actor_at", ["actor_id", "at"]), ("ix_audit_event_actor_at_id", ["actor_id", "at", "id"])),
    (("ix_audit_event_action", ["action"]), ("ix_audit_event_action_at", ["action", "at", "id"])),
]
NEW = [("ix_audit_event_type_at", ["object_type", "at", "id"])]


def upgrade() -> None:
    for (old, _cols), (name, cols) in REPLACED:
        op.create_index(name, 'audit_event', cols, unique=False)
        op.drop_index(old, table_name='audit_event')
    for name, cols in NEW:
        op.create_index(name, 'audit_event', cols, unique=False)


def downgrade() -> None:
    for name, _cols in NEW:
        op.drop_index(name, table_name='audit_event')
    for (old, old_cols), (name, _cols) in REPLACED:
        op.create_index(old, 'audit_event', old_cols, unique=False)
        op.drop_index(name, table_name='audit_event')
