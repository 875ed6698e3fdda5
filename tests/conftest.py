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
    config.addinivalue_line("markers", "shared_world(layers=None): the module's tests share one world built once "
                                       "per module, each test in a savepoint rolled back after it (module_world)")
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
def db(request, app, engine, clock) -> Session:
    """A session inside an outer transaction that is rolled back after the test; views use the same session.
    In a module marked ``pytestmark = pytest.mark.shared_world(layers=…)``, a savepoint on the module's world
    (:func:`module_world`)."""
    marker = request.node.get_closest_marker("shared_world")
    if marker is not None:
        yield from shared_world_db(app, request.getfixturevalue("module_world"), clock, request,
                                   layers=marker.kwargs.get("layers"))
        return
    conn = engine.connect()
    outer = conn.begin()
    with _session_for_views(app, conn) as session:
        yield session
    outer.rollback()
    conn.close()


@contextmanager
def _session_for_views(app, conn):
    """A session on ``conn`` (its commits are savepoints) that the views of the test use too."""
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    database = app.extensions["contracts_db"]
    database.override = lambda: session
    try:
        yield session
    finally:
        database.override = None
        session.close()


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
def world(request, db):
    """A small realistic set of organisations and one user per role (see tests/factories.py); in a module marked
    ``shared_world``, the module's world loaded in the test's session."""
    from .factories import make_world

    if request.node.get_closest_marker("shared_world") is not None:
        return shared_world(db, request.getfixturevalue("module_world"))
    return make_world(db)


class ModuleWorld:
    """``module_world``: the module's connection, the world's ids, and the layer of extra rows now on top."""

    def __init__(self, app, conn):
        self.app, self.conn = app, conn
        self.outer = None
        self.ids: dict = {}
        self.layer: str | None = None  # the name of the layer whose rows are there now
        self.layer_transaction = None
        self.layer_rows = None  # what the layer's builder returned (ids, not objects)
        self.builders: dict = {}  # the layers' builders (shared_world_db's ``layers``)

    def build(self) -> None:
        """(Re)start the outer transaction and make the world in it."""
        from .factories import make_world

        if self.outer is not None and self.outer.is_active:
            self.outer.rollback()
        self.layer = self.layer_transaction = self.layer_rows = None
        self.outer = self.conn.begin()
        session = Session(bind=self.conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            with _fixed_clock(self.app):
                world = make_world(session)
            ids = {name: (type(obj), obj.id) for name, obj in vars(world).items() if name != "users" and obj is not None}
            ids["users"] = {role: (type(user), user.id) for role, user in world.users.items()}
            self.ids = ids
        finally:
            session.close()

    def rows(self, name: str, db: Session, world):
        """What the builder of the layer ``name`` returned (ids, not objects). A test that asks for the layer's
        fixture only while it runs (``request.getfixturevalue``) has no layer under it: the builder makes the rows
        in the test's own session."""
        if self.layer == name:
            return self.layer_rows
        return self.builders[name](db, world)

    def end_test(self, test_transaction) -> None:
        """Roll the test's writes back. Savepoints the test left open above its own go first; if the connection
        is not back where the test started (a 500's rollback in the app can leave it so), the world is made
        again rather than let the next test start from an unknown state."""
        import warnings

        from sqlalchemy.exc import SAWarning

        expected = self.layer_transaction
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            try:
                inner = self.conn.get_nested_transaction()
                while inner is not None and inner is not test_transaction and inner is not expected:
                    inner.rollback()
                    inner = self.conn.get_nested_transaction()
                if test_transaction.is_active:
                    test_transaction.rollback()
                clean = self.conn.get_nested_transaction() is expected and (expected is None or expected.is_active)
            except Exception:  # noqa: BLE001 - whatever went wrong, start again from a fresh world
                clean = False
        if not clean:
            self.build()


@contextmanager
def _fixed_clock(app):
    """FIXED_NOW while shared rows are made, and whatever clock was there before afterwards."""
    before_app, before_fallback = app.extensions.get("clock"), clock_module._fallback
    fixed = clock_module.FixedClock(FIXED_NOW)
    app.extensions["clock"] = fixed
    clock_module.install_fallback(fixed)
    try:
        yield
    finally:
        clock_module.install_fallback(before_fallback)
        if before_app is None:
            app.extensions.pop("clock", None)
        else:
            app.extensions["clock"] = before_app


@pytest.fixture(scope="module")
def module_world(app, engine):
    """The ``world`` built once per test module (and database) in an outer transaction of a connection of its
    own, for modules with hundreds of tests that each need a fresh world (tests/test_access_matrix.py …).
    Such a module opts in with ``pytestmark = pytest.mark.shared_world()``; ``db`` and ``world`` then use the helpers
    below.

    Every test then runs in a SAVEPOINT on that connection which is rolled back after it, so it sees exactly
    the world it would have built itself, and nothing it writes reaches the next test. Rows that many tests of
    the module need on top of the world (a fixture's offers, agreements …) can be shared the same way as a
    *layer*: see ``shared_world_db``'s ``layers``."""
    conn = engine.connect()
    shared = ModuleWorld(app, conn)
    shared.build()
    yield shared
    if shared.outer.is_active:
        shared.outer.rollback()
    conn.close()


def shared_world_db(app, module_world: ModuleWorld, clock, request=None, layers: dict | None = None) -> Session:
    """``db`` for a module that shares ``module_world``: a session in a SAVEPOINT of the module's connection,
    rolled back after the test; views use the same session.

    ``layers`` ({fixture name: builder(session, world) → ids}) share a fixture's rows too: the test that
    requests that fixture (``request.fixturenames``) runs on top of them, built at FIXED_NOW in a SAVEPOINT
    of their own the first time and kept while the next tests request the same fixture; a test that does not
    request it gets them rolled back first. So every test sees exactly the rows it asked for, as if made for
    it; the fixture reads the ids from ``module_world.rows(name, db, world)``."""
    conn = module_world.conn
    module_world.builders.update(layers or {})
    wanted = [name for name in (layers or {}) if name in request.fixturenames] if layers else []
    assert len(wanted) <= 1, f"one shared layer per test, not {wanted}"
    wanted_layer = wanted[0] if wanted else None
    if module_world.layer != wanted_layer:
        if module_world.layer_transaction is not None:
            module_world.layer_transaction.rollback()
        module_world.layer = module_world.layer_transaction = module_world.layer_rows = None
        if wanted_layer is not None:
            module_world.layer_transaction = conn.begin_nested()
            session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
            try:
                with _fixed_clock(app):
                    module_world.layer_rows = layers[wanted_layer](session, shared_world(session, module_world))
                session.commit()
            finally:
                session.close()
            module_world.layer = wanted_layer
    test_transaction = conn.begin_nested()
    with _session_for_views(app, conn) as session:
        yield session
    module_world.end_test(test_transaction)


def shared_world(db, module_world: ModuleWorld):
    """``world`` for a module that shares ``module_world``: the module's world, loaded in the test's session."""
    from .factories import World

    ids = module_world.ids
    users = {role: db.get(cls, user_id) for role, (cls, user_id) in ids["users"].items()}
    others = {name: db.get(*cls_and_id) for name, cls_and_id in ids.items() if name != "users"}
    return World(users=users, **others)


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
