"""Alembic environment. Run through `flask --app contracts_app db upgrade`, which passes the URL and models."""
from __future__ import annotations

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


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
