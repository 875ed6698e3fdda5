"""Migrations from an empty database give exactly the models' schema, and can be undone, on both databases."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from contracts_app import migrate
from contracts_app.db import make_engine
from contracts_app.models import metadata

from .conftest import PG_URL, need


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "empty.sqlite3")
        return
    need(PG_URL, "CONTRACTS_TEST_DATABASE_URL is not set")
    name = "migtest_" + uuid.uuid4().hex[:10]
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_object": migrate.managed_by_models}), metadata)
    finally:
        engine.dispose()


def test_migrations_match_the_models_and_round_trip(empty_database):
    migrate.upgrade(empty_database)
    assert _diff(empty_database) == []
    migrate.downgrade(empty_database, "base")
    engine = make_engine(empty_database)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(empty_database)
    assert _diff(empty_database) == []


def _assessment_compression(url: str) -> tuple[str, bool]:
    """The compression method set on ``seat_purchase.assessment`` ('' = the server's default), and whether the
    server is built with LZ4."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            method = conn.execute(text(
                "SELECT attcompression FROM pg_attribute WHERE attrelid = 'seat_purchase'::regclass AND attname = 'assessment'"
            )).scalar_one()
            lz4 = conn.execute(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()
            return method, bool(lz4)
    finally:
        engine.dispose()


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)  # column compression is PostgreSQL's
def test_purchase_assessments_are_compressed_with_lz4_on_postgresql(empty_database):
    migrate.upgrade(empty_database, "0008_purchase_supplier")
    method, lz4 = _assessment_compression(empty_database)
    assert method == ""  # the server's default (pglz)
    migrate.upgrade(empty_database)
    # Debian's PostgreSQL (CI's) is built with LZ4; a server without it keeps its default.
    assert _assessment_compression(empty_database) == ("l" if lz4 else "", lz4)
    migrate.downgrade(empty_database, "0008_purchase_supplier")
    assert _assessment_compression(empty_database) == ("", lz4)
