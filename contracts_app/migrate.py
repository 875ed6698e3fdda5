"""Alembic driven from the app's settings (no alembic.ini needed)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from .config import PROJECT_ROOT
from .db import normalise_url


def alembic_config(database_url: str, connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(database_url: str, revision: str = "head", connection=None) -> None:
    command.upgrade(alembic_config(database_url, connection), revision)


def downgrade(database_url: str, revision: str, connection=None) -> None:
    command.downgrade(alembic_config(database_url, connection), revision)


def managed_by_models(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate filter: leave out the full-text search objects the migrations create by hand (SQLite's
    FTS5 table ``course_fts`` and its shadow tables, PostgreSQL's generated column ``course.search_vector`` and its index ``ix_course_fulltext``)."""
    if type_ == "table" and name and name.startswith("course_fts"):
        return False
    if type_ == "index" and name == "ix_course_fulltext":
        return False
    if type_ == "column" and name == "search_vector":
        return False
    return True
