"""PostgreSQL: a purchase's rules assessment is compressed with LZ4 instead of pglz

Each confirmed purchase stores the engine's assessment (~9 KB of JSON), which PostgreSQL compresses before it
goes to the TOAST table. pglz was ~6 % of PostgreSQL's CPU in the purchase benchmark (perf, session 7); LZ4
compresses the same rows in a third of the time (20 000 assessments inserted: 4.2–4.4 s with pglz, 1.4 s with
LZ4) and decompresses them faster for the purchase page, at ~13 % more bytes. Rows already stored keep their
compression; PostgreSQL reads both.

Only where the server can: PostgreSQL 14 or later, built with LZ4 (Debian's and the official images are);
elsewhere, and on SQLite, nothing changes. The server decides (one DO block), so ``alembic upgrade --sql``
writes the same statement.

Revision ID: 0009_assessment_lz4
Revises: 0008_purchase_supplier
Create Date: 2026-11-26
"""
from alembic import op


revision = '0009_assessment_lz4'
down_revision = '0008_purchase_supplier'
branch_labels = None
depends_on = None

# default_toast_compression lists 'lz4' among its values only on a server built with LZ4 (PostgreSQL 14+;
# older servers have no such setting, and no column compression).
_SET_LZ4 = """
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
        ALTER TABLE seat_purchase ALTER COLUMN assessment SET COMPRESSION lz4;
    END IF;
END $$"""
# Back to the server's default_toast_compression, which needs PostgreSQL 14+ but not LZ4 (a database moved
# to a server without it still gets its setting undone).
_SET_DEFAULT = """
DO $$ BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        ALTER TABLE seat_purchase ALTER COLUMN assessment SET COMPRESSION default;
    END IF;
END $$"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_SET_LZ4)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_SET_DEFAULT)
