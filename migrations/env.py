"""Alembic environment. Run through `flask --app contracts_app db upgrade`, which passes the URL and models."""
from __future__ import annotations

from contextlib import nullcontext

from alembic import context
from sqlalchemy import pool

from contracts_app.db import UTCDateTime, make_engine
from contracts_app.migrate import managed_by_models
from contracts_app.models import metadata

config = context.config


def render_item(type_, obj, autogen_context):
    """Render our UTC timestamp type as a plain timezone-aware DateTime in migration files."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
        include_object=managed_by_models,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    if connection.dialect.name == "sqlite":
        _run_sqlite(connection)
    else:
        _configure_and_run(connection)


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        render_item=render_item,
        include_object=managed_by_models,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_sqlite(connection) -> None:
    """Run the migrations with foreign keys off, in one transaction, and check the foreign keys before committing.

    Batch mode rebuilds a table (create ``_alembic_tmp_x``, copy the rows, ``DROP TABLE x``, rename). With
    ``PRAGMA foreign_keys=ON`` (which :func:`contracts_app.db.make_engine` sets on every connection) that
    ``DROP TABLE`` first deletes every row of ``x``: ``ON DELETE CASCADE`` children lose their rows without a
    word (rebuilding ``seat_purchase`` emptied ``participant``) and other references make it fail. SQLite's own
    recipe for schema changes is to switch foreign keys off, change, run ``PRAGMA foreign_key_check``, commit.
    The pragma is a no-op inside a transaction, so it is set on the driver connection before anything begins.
    """
    dbapi = connection.connection.driver_connection
    was_on = _foreign_keys(dbapi)
    dbapi.execute("PRAGMA foreign_keys=OFF")
    if _foreign_keys(dbapi):
        raise RuntimeError(
            "cannot switch SQLite foreign keys off for the migration: the connection is already in a transaction"
        )
    try:
        # One transaction for all migrations (Alembic then adds none of its own): a failed check undoes them all.
        with nullcontext() if connection.in_transaction() else connection.begin():
            _configure_and_run(connection)
            violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if violations:
                raise RuntimeError(
                    "migration rolled back: it left rows whose foreign key points to no row "
                    f"(table, rowid, referenced table, foreign key number): {[tuple(v) for v in violations[:20]]}"
                    + (f" and {len(violations) - 20} more" if len(violations) > 20 else "")
                )
    finally:
        if was_on:
            dbapi.execute("PRAGMA foreign_keys=ON")


def _foreign_keys(dbapi_connection) -> bool:
    return bool(dbapi_connection.execute("PRAGMA foreign_keys").fetchone()[0])


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
