"""The PostgreSQL connection pool: a connection the server has closed is replaced, a healthy one is reused as is.

The pool does not send a ping query on every checkout (see ``contracts_app.db._refuse_closed_by_server``);
these tests hold it to what the ping used to guarantee.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from contracts_app.db import make_engine

from .conftest import PG_URL, need


@pytest.fixture
def pg_engines():
    need(PG_URL, "CONTRACTS_TEST_DATABASE_URL is not set")
    engine = make_engine(PG_URL, pool_size=1, max_overflow=0)
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    yield engine, admin
    engine.dispose()
    admin.dispose()


def _backend(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _last_query(admin, pid: int) -> str | None:
    with admin.connect() as conn:
        return conn.execute(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar()


def test_a_healthy_pooled_connection_is_reused_without_a_query(pg_engines):
    engine, admin = pg_engines
    pid = _backend(engine)
    before = _last_query(admin, pid)  # the pool's rollback when the connection came back
    with engine.connect() as conn:  # the checkout itself sends nothing to the server
        assert _last_query(admin, pid) == before
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid


@pytest.mark.parametrize("how", ["terminated", "closed locally"])
def test_a_pooled_connection_that_was_closed_is_replaced(pg_engines, how):
    engine, admin = pg_engines
    pid = _backend(engine)
    if how == "terminated":  # what a server restart or an administrator does to idle connections
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        deadline = time.monotonic() + 10
        while _last_query(admin, pid) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
    else:
        raw = engine.pool._pool.queue[0]  # the pooled connection record (pool_size=1)
        raw.dbapi_connection.close()
    with engine.connect() as conn:  # no error: the pool opened a new connection
        new_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert new_pid != pid


def test_a_pooled_connection_with_something_harmless_to_read_is_kept(pg_engines):
    """Something the server sent unasked to a live connection (here a notification) makes the checkout ask the
    server once, as the ping did; the connection answers, so it stays in the pool."""
    engine, admin = pg_engines
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        conn.execute(text("LISTEN contracts_pool_test"))
        conn.commit()
    with admin.connect() as conn:
        conn.execute(text("NOTIFY contracts_pool_test"))
    time.sleep(0.2)  # the notification reaches the idle connection's socket
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
