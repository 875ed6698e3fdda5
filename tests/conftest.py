"""Shared fixtures: the app, a database session rolled back after every test, factories, a fixed clock.

Every database test runs twice: against SQLite (always) and against PostgreSQL when
CONTRACTS_TEST_DATABASE_URL is set. In CI (CI=true) a missing PostgreSQL is a failure, not a skip.
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from contracts_app import clock as clock_module
from contracts_app import create_app, migrate
from contracts_app.auth import services as auth_services
from contracts_app.db import make_engine

from .support import CI, FIXED_NOW, PASSWORD, PG_BASE_URL, PG_URL, login, need  # noqa: F401 - fixtures below use them


def pytest_configure(config):
    """Under pytest-xdist each worker uses a PostgreSQL database of its own (support.PG_URL); create it."""
    if PG_BASE_URL and PG_URL != PG_BASE_URL:
        admin = make_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT")
        name = PG_URL.rsplit("/", 1)[1]
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """argon2 with its production cost makes every test user take ~50 ms; tests use the cheapest settings."""
    original = auth_services._hasher
    auth_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    auth_services._hasher = original


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    need(PG_URL, "CONTRACTS_TEST_DATABASE_URL is not set: start PostgreSQL as .ci/run does to run the PostgreSQL half")
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture(scope="session")
def engine(database_url):
    migrate.upgrade(database_url)
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def app(database_url, engine):
    application = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )
    return application


@pytest.fixture
def clock(app):
    fixed = clock_module.FixedClock(FIXED_NOW)
    app.extensions["clock"] = fixed
    clock_module.install_fallback(fixed)  # services called directly by tests, outside any app context
    yield fixed
    clock_module.install_fallback(None)
    app.extensions.pop("clock", None)


@pytest.fixture
def db(app, engine, clock) -> Session:
    """A session inside an outer transaction that is rolled back after the test; views use the same session."""
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    database = app.extensions["contracts_db"]
    database.override = lambda: session
    yield session
    database.override = None
    session.close()
    outer.rollback()
    conn.close()


@pytest.fixture
def count_statements(engine):
    """A statement budget: ``with count_statements() as seen: ...`` collects the SQL statements sent to the
    database inside the block (not the test session's own SAVEPOINT/RELEASE), so a test can say "this request
    runs at most N statements" and an N+1 query fails it."""

    @contextmanager
    def counting():
        seen: list[str] = []

        def listener(_conn, _cursor, statement, *_rest) -> None:
            statement = " ".join(statement.split())
            if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", listener)

    return counting


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def world(db):
    """A small realistic set of organisations and one user per role (see tests/factories.py)."""
    from .factories import make_world

    return make_world(db)


@pytest.fixture(params=["sqlite", "postgresql"])
def live_app(request, tmp_path):
    """A fresh, migrated database of its own (SQLite file or a new PostgreSQL database) and an app on it, for
    tests whose threads commit for real with connections of their own."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/concurrency.sqlite3"
        cleanup = None
    else:
        need(PG_URL, "CONTRACTS_TEST_DATABASE_URL is not set")
        name = "conc_" + uuid.uuid4().hex[:10]
        admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_URL.rsplit("/", 1)[0] + "/" + name

        def cleanup():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
    migrate.upgrade(url)
    app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False, "TESTING": True})
    app.extensions["clock"] = clock_module.FixedClock(FIXED_NOW)
    yield app
    app.extensions["contracts_db"].engine.dispose()
    if cleanup:
        cleanup()
