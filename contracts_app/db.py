"""Database: declarative base with a constraint naming convention, engine and per-request session.

Services receive a ``Session`` and only flush; the edge (view, CLI command, scheduled job) commits.
SQLite is the embedded default and PostgreSQL the production database; both are driven through the same
code. On SQLite the driver's own transaction handling is switched off so that we emit ``BEGIN`` ourselves and
can start a write transaction with ``BEGIN IMMEDIATE`` (see :func:`begin_write`), SQLite's equivalent of
locking the rows we are about to count.
"""
from __future__ import annotations

import functools
import select as socket_select
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from flask import Flask, current_app, g
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, create_engine, event, exc, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, object_session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

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


def normalise_url(url: str) -> str:
    """Always use psycopg 3 for PostgreSQL, whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, **kwargs) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    if not hasattr(socket_select, "poll"):  # not on Linux or macOS: ask the server on every checkout instead
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "checkout")
    def _refuse_closed_by_server(dbapi_connection, _record, _proxy) -> None:
        """Do not hand out a pooled PostgreSQL connection the server has closed (a restart, an administrator's
        ``pg_terminate_backend``, an idle timeout); the pool then opens a new one.

        SQLAlchemy's ``pool_pre_ping`` sends a query on every checkout: a round trip and ~3 % of a seat
        purchase's CPU. But an idle connection is only spoken to by the server when it goes away (its
        termination notice, then the socket closes), so only a connection whose socket has something to read
        is suspect. That one is pinged as ``pool_pre_ping`` would (which also reads what was waiting) and
        replaced if the ping fails.
        """
        if not dbapi_connection.closed:  # (psycopg: also True when the connection broke)
            poller = socket_select.poll()
            poller.register(dbapi_connection.fileno(), socket_select.POLLIN)
            if not poller.poll(0):
                return
            try:
                engine.dialect.do_ping(dbapi_connection)
                return
            except engine.dialect.loaded_dbapi.Error:
                pass
        raise exc.DisconnectionError("the server closed this pooled connection")

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
    session.info["wrote"] = True


@event.listens_for(Session, "after_transaction_end")
def _clear_written(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("wrote", None)
        session.info.pop("core_written", None)  # a rollback expires every object anyway
        # Still here: the transaction was rolled back (or closed), not committed. Rows inserted with Core are
        # gone; their objects leave the session, as the ORM's own inserts do.
        for obj, _savepoint in session.info.pop("core_inserted", ()):
            if obj in session:
                session.expunge(obj)


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


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
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None and (database.override is None):
            session.close()

    return database


def get_db() -> Database:
    return current_app.extensions["contracts_db"]


def get_session() -> Session:
    """The session of the current request or command, created on first use."""
    if "db_session" not in g:
        database = get_db()
        g.db_session = database.override() if database.override else database.factory()
    return g.db_session


def core_connection(session: Session) -> Connection:
    """The session's connection for a Core statement, after flushing what is pending (as the ORM's autoflush
    would before a query): Core reads and writes then see, and are not undone by, the session's changes."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection()


def execute_write(session: Session, statement, params=None):
    """Run one Core INSERT/UPDATE in the session's transaction, outside the unit of work.

    For the hot paths (a seat purchase): a Core statement costs a fraction of the ORM's flush. The caller
    keeps the session's copies of the rows it changes current (:func:`set_loaded`, :func:`add_inserted`);
    ``begin_write`` must have been called. Marks the transaction as written, as a flush does.
    """
    result = core_connection(session).execute(statement, params)
    session.info["wrote"] = True
    return result


def set_loaded(obj, row, names=None) -> None:
    """Write a row's values into an ORM object as its loaded (committed, unchanged) state.

    ``row`` is a Core row or mapping with the object's column names; ``names`` limits it to those columns.
    Used after a Core statement read or changed the row, so the object in the session says what the
    database says without an ORM refresh. The ORM does not know of the change, so the object is remembered
    and expired if a savepoint is rolled back (the ORM expires what its own flushes changed).
    """
    values = row._mapping if hasattr(row, "_mapping") else row
    loaded = obj.__dict__
    for name in names if names is not None else values.keys():
        value = values[name]
        if name not in loaded or loaded[name] != value:  # most columns are what was read before the lock
            set_committed_value(obj, name, value)
    session = object_session(obj)
    if session is not None:
        session.info.setdefault("core_written", []).append(obj)


def add_inserted(session: Session, model, values: dict):
    """The object of ``model`` for a row just inserted with Core (its column ``values``, id included), put into
    the session as if loaded (attributes it was not given, e.g. relationships, load on access). Like the ORM's
    own inserts, it leaves the session again if the transaction or savepoint it was inserted in is rolled
    back."""
    stale = session.identity_map.get(identity_key(model, values["id"]))
    if stale is not None:  # a rolled-back row's object still referenced somewhere; the id is new again
        session.expunge(stale)
    obj = _loaded(session, model, values)
    session.info.setdefault("core_inserted", []).append((obj, session.get_nested_transaction()))
    return obj


def _loaded(session: Session, model, values) -> Any:
    """A new object of ``model`` with the row's column ``values`` that enters the session as persistent and
    unchanged (columns not given load on access). Made as the ORM's loading makes objects (the class
    manager's instance, values put in its ``__dict__``), not with ``__init__``, which runs an attribute event
    per column: a twentieth of the CPU."""
    obj = inspect(model).class_manager.new_instance()  # Mapper.class_manager
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def loaded_object(session: Session, model, values: dict) -> tuple[Any, bool]:
    """The session's object for a row (as ``Session.get`` would return it, unchanged), or a new one made from
    the row's column ``values`` that enters the session as loaded (columns not given load on access); and
    whether it is new."""
    obj = session.identity_map.get(identity_key(model, values["id"]))
    if obj is not None:
        return obj, False
    return _loaded(session, model, values), True


@functools.cache
def _column_keys(model) -> tuple[str, ...]:
    return tuple(c.key for c in model.__table__.c)


def load_rows(session: Session, model, rows, *, prefix: str = "", names=None) -> list:
    """ORM objects for rows a Core SELECT of ``model``'s columns returned (labelled ``prefix`` + the column's
    name, when one statement reads several tables), without the ORM's loading machinery (for reads on the
    hot path): an object already in the session is updated with the row (:func:`set_loaded`), any other one
    enters the session as loaded; relationships load on access. ``names``: the columns the rows have (by
    default all); a new object loads the others on access, an object already in the session keeps them."""
    names = names or _column_keys(model)
    out = []
    for row in rows:
        values = {n: row._mapping[prefix + n] for n in names} if prefix else row._mapping
        obj = session.identity_map.get(identity_key(model, values["id"]))
        if obj is not None:
            set_loaded(obj, values, names)
        else:
            obj = _loaded(session, model, {n: values[n] for n in names})
        out.append(obj)
    return out


@event.listens_for(Session, "after_soft_rollback")
def _forget_core_writes(session, previous_transaction) -> None:
    """After a savepoint is rolled back, what Core statements wrote in it is gone (the ORM only undoes its own
    flushes): objects they updated are expired, so they are read again, and objects for rows they inserted
    in that savepoint (or one inside it) leave the session. A full rollback: see ``_clear_written``."""
    if not previous_transaction.nested:
        return
    for obj in session.info.get("core_written", ()):
        if obj in session:
            session.expire(obj)
    kept = []
    for obj, savepoint in session.info.get("core_inserted", ()):
        if _inside(savepoint, previous_transaction):
            if obj in session:
                session.expunge(obj)
        else:
            kept.append((obj, savepoint))
    session.info["core_inserted"] = kept


def _inside(transaction, outer) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _committed_core_writes(session) -> None:
    session.info.pop("core_inserted", None)
    session.info.pop("core_written", None)


def lock(session: Session, model, ident):
    """Load one row and lock it for the rest of the transaction (``SELECT … FOR UPDATE`` on PostgreSQL).

    On SQLite the whole database is already locked for writing by :func:`begin_write`. The row is always
    read fresh from the database, never from the session's identity map, so the caller counts what is
    committed now. Lock scarce things in a fixed order (course, then budget) to avoid deadlocks.
    """
    stmt = select(model).where(model.id == ident).execution_options(populate_existing=True)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=model)
    return session.scalars(stmt).one_or_none()
