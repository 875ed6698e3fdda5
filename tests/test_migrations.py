"""Migrations from an empty database give exactly the models' schema, and can be undone, on both databases."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

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


def _scalar(url: str, sql: str):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


_ASSESSMENT_COMPRESSION = (  # '' = the server's default_toast_compression
    "SELECT attcompression FROM pg_attribute WHERE attrelid = 'seat_purchase'::regclass AND attname = 'assessment'"
)


def _server_has_lz4(url: str) -> bool:
    """Asked by trying it (not the way the migration asks), so a wrong check in the migration shows."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE TEMP TABLE lz4_probe (x text COMPRESSION lz4)"))
        return True
    except DBAPIError:  # "compression method lz4 not supported"
        return False
    finally:
        engine.dispose()


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)  # column compression is PostgreSQL's
def test_purchase_assessments_are_compressed_with_lz4_on_postgresql(empty_database):
    migrate.upgrade(empty_database, "0008_purchase_supplier")
    if int(_scalar(empty_database, "SHOW server_version_num")) < 140000:
        pytest.skip("column compression needs PostgreSQL 14")
    assert _scalar(empty_database, _ASSESSMENT_COMPRESSION) == ""  # pglz, unless the server's default differs
    migrate.upgrade(empty_database)
    # Debian's PostgreSQL (CI's) is built with LZ4; a server without it keeps its default.
    assert _scalar(empty_database, _ASSESSMENT_COMPRESSION) == ("l" if _server_has_lz4(empty_database) else "")
    migrate.downgrade(empty_database, "0008_purchase_supplier")
    assert _scalar(empty_database, _ASSESSMENT_COMPRESSION) == ""
