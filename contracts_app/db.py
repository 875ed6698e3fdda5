"""Database: declarative base with a constraint naming convention, engine and per-request session.

Services receive a ``Session`` and only flush; the edge (view, CLI command, scheduled job) commits.
SQLite is the embedded default and PostgreSQL the production database; both are driven through the same
code. On SQLite the driver's own transaction handling is switched off so that we emit ``BEGIN`` ourselves and
can start a write transaction with ``BEGIN IMMEDIATE`` (see :func:`begin_write`), SQLite's equivalent of
locking the rows we are about to count.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from flask import Flask, current_app, g
from sqlalchemy import JSON, Boolean, DateTime, MetaData, TypeDecorator, create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp that is always aware UTC in Python, on every database.

    SQLite has no time zones and hands back naive values; this type stores UTC and re-attaches the zone, so
    comparisons with :func:`contracts_app.clock.now` work the same on SQLite and PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime (contracts_app.clock.now())")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime}


class in_subquery(FunctionElement):
    """``in_subquery(column, select(...).scalar_subquery())``: the column's value is one of the subquery's, in a form
    the database serves from the column's index also as one side of an OR. On PostgreSQL that is
    ``column = ANY(ARRAY(subquery))`` (the subquery runs once and its values are looked up in the index; a plain
    ``IN (subquery)`` under OR is tested row by row over the whole table); elsewhere ``column IN (subquery)``."""

    type = Boolean()
    name = "in_subquery"
    inherit_cache = True


@compiles(in_subquery)
def _in_subquery(element, compiler, **kw):
    column, subquery = (compiler.process(c, **kw) for c in element.clauses)
    return f"({column} IN {subquery})"


@compiles(in_subquery, "postgresql")
def _in_subquery_postgresql(element, compiler, **kw):
    column, subquery = (compiler.process(c, **kw) for c in element.clauses)
    return f"({column} = ANY(ARRAY{subquery}))"


def normalise_url(url: str) -> str:
    """Always use psycopg 3 for PostgreSQL, whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


#: Execution options of a statement whose best plan depends on its values: a search word found in 40 % of the
#: courses or in 0.1 %, a legal person that is party to 2 500 agreements or to 2, a unit with 4 000 purchases or 40.
#: psycopg prepares a statement it has run five times on a connection, and PostgreSQL may then plan it once for
#: any values (a generic plan): right for the statements every request runs (the user, the unread count, a
#: row by its key), and 5–20× too slow for such a list when the values differ from the average. These are
#: planned for their values on every execution (on PostgreSQL; SQLite has no plan cache to speak of).
_PER_VALUE = "contracts_plan_per_value"
PLAN_PER_VALUE = {_PER_VALUE: True}


def make_engine(url: str, **kwargs) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # A pooled connection the server has closed (a restart, pg_terminate_backend, an idle timeout) is replaced
    # on checkout instead of failing the request.
    engine = create_engine(url, pool_pre_ping=True, **kwargs)

    @event.listens_for(engine, "do_execute")
    def _execute(cursor, statement, parameters, context):
        if context.execution_options.get(_PER_VALUE):
            cursor.execute(statement, parameters, prepare=False)
            return True
        return None

    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database and engine.url.database != ":memory:":
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL is durable against application crashes and only risks the last
            # transactions on power loss; it saves an fsync on every commit.
            cur.execute("PRAGMA synchronous=NORMAL")
            # SQLite's default page cache is 2 MB per connection: searches over tens of thousands of rows then
            # re-read pages from the OS on every query. 64 MB per connection keeps a realistic database in memory.
            cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("contracts_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


@event.listens_for(Session, "after_flush")
def _mark_written(session, _ctx) -> None:
    """Remember that the transaction has written (:func:`begin_write` keeps such a SQLite transaction)."""
    session.info["wrote"] = True


@event.listens_for(Session, "after_transaction_end")
def _clear_written(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("wrote", None)


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def upsert(session: Session, model):
    """An ``INSERT`` for the session's database that can take ``on_conflict_do_update`` (with ``excluded``):
    PostgreSQL's or SQLite's own construct, which spell it the same way."""
    return (sqlite.insert if is_sqlite(session) else postgresql.insert)(model)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction.

    On SQLite this takes the database write lock at ``BEGIN`` (``BEGIN IMMEDIATE``), so a check-then-write
    sequence cannot interleave with another writer. On PostgreSQL it is a no-op: services lock the rows they
    count with ``SELECT … FOR UPDATE``. Called in a transaction that has already written, it keeps that
    transaction (which holds the write lock already).
    """
    if isinstance(session.bind, Connection):
        # A session joined to an outer transaction (the tests' rollback fixture): that transaction already
        # exists and holds the connection; there is nothing to begin and nothing we may roll back.
        return
    if session.in_transaction() and session.get_transaction() is not None and session.get_transaction().is_active:
        conn = session.connection()
        if conn.dialect.name == "sqlite" and not conn.get_execution_options().get("contracts_write"):
            # This transaction has writes (a loader or script calling several services before one commit):
            # a SQLite transaction that has written holds the write lock until it ends, so nothing can
            # interleave from here on either. Flush what is pending so that it does.
            if session.new or session.dirty or session.deleted:
                session.flush()
            if session.info.get("wrote"):
                return
            # Only reads opened this deferred transaction: end it without expiring what it loaded (the
            # factory's expire_on_commit=False), so the user, units and course read so far need no second round
            # trip, and start again as a writer. What must be current is re-read under the lock (:func:`lock`).
            session.commit()
        else:
            return
    session.connection(execution_options={"contracts_write": True})


@dataclass
class Database:
    engine: Engine
    factory: sessionmaker
    # Tests put a session bound to an outer transaction here; views then use it instead of a new one.
    override: Callable[[], Session] | None = field(default=None)


def init_app(app: Flask) -> Database:
    engine = make_engine(app.config["DATABASE_URL"])
    database = Database(engine=engine, factory=sessionmaker(bind=engine, expire_on_commit=False))
    app.extensions["contracts_db"] = database

    @app.teardown_appcontext
    def _close_session(exc):
        session = g.pop("db_session", None)
        if session is not None and (database.override is None):
            try:
                if exc is None and _only_read(session):
                    # A transaction that only read ends the same either way, but psycopg forgets every statement
                    # it has prepared on the connection when it sends ROLLBACK (not on COMMIT), so PostgreSQL
                    # would plan each of the request's statements again on the next request (~1 ms for a
                    # four-table join, up to 7 ms for the legal reviewer's counts).
                    session.commit()
            except SQLAlchemyError:  # the answer has been given, and nothing was written: close() rolls back
                current_app.logger.warning("ending a read-only transaction failed", exc_info=True)
            finally:
                session.close()

    return database


def _only_read(session: Session) -> bool:
    """The session's transaction has written nothing and has nothing pending that a commit would flush."""
    return (session.in_transaction() and not session.info.get("wrote")
            and not (session.new or session.dirty or session.deleted))


def get_db() -> Database:
    return current_app.extensions["contracts_db"]


def get_session() -> Session:
    """The session of the current request or command, created on first use."""
    if "db_session" not in g:
        database = get_db()
        g.db_session = database.override() if database.override else database.factory()
    return g.db_session


def lock(session: Session, model, ident, *options):
    """Load one row and lock it for the rest of the transaction: ``SELECT … FOR UPDATE OF`` its table on
    PostgreSQL; on SQLite (which has no row locks) the write transaction of :func:`begin_write` already holds
    the database. The row, and what ``options`` (loader options, e.g. ``joinedload``) and the model's eager
    relationships load with it, is read fresh from the database, never taken from the session's identity map,
    so the caller counts what is committed now. Lock scarce things in a fixed order (course, then budget) to
    avoid deadlocks.
    """
    stmt = (
        select(model).where(model.id == ident).options(*options)
        .with_for_update(of=model).execution_options(populate_existing=True)
    )
    return session.scalars(stmt).unique().one_or_none()
