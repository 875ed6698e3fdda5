"""PostgreSQL: a purchase's rules assessment is compressed with LZ4 instead of pglz

Each confirmed purchase stores the engine's assessment (~9 KB of JSON), which PostgreSQL compresses before it
goes to the TOAST table. pglz was ~6 % of PostgreSQL's CPU in the purchase benchmark (perf, session 7); LZ4
compresses the same rows in a third of the time (20 000 assessments inserted: 4.2 s with pglz, 1.4 s with LZ4)
and decompresses them faster for the purchase page, at ~13 % more bytes. Rows already stored keep their
compression; PostgreSQL reads both.

Only where the server can: PostgreSQL 14 or later, built with LZ4 (Debian's and the official images are);
elsewhere, and on SQLite, nothing changes.

Revision ID: 0009_assessment_lz4
Revises: 0008_purchase_supplier
Create Date: 2026-11-26
"""
from alembic import op
from sqlalchemy import text


revision = '0009_assessment_lz4'
down_revision = '0008_purchase_supplier'
branch_labels = None
depends_on = None

# default_toast_compression lists 'lz4' among its values only on a server built with LZ4 (PostgreSQL 14+).
_HAS_LZ4 = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql' and bind.execute(text(_HAS_LZ4)).scalar():
        op.execute(f'ALTER TABLE seat_purchase ALTER COLUMN assessment SET COMPRESSION {method}')


def upgrade() -> None:
    _set_compression('lz4')


def downgrade() -> None:
    _set_compression('default')  # what the column had: the server's default_toast_compression
