"""The PostgreSQL connection pool (``pool_pre_ping``): a connection the server has closed is replaced, a healthy
one is reused."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from contracts_app.db import make_engine

from .support import PG_URL, need


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


def test_a_healthy_pooled_connection_is_reused(pg_engines):
    engine, _admin = pg_engines
    pid = _backend(engine)
    assert _backend(engine) == pid


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
