"""SQL statements per request, for the page benchmark (scripts/bench_pages.py): never on by default.

With ``CONTRACTS_COUNT_STATEMENTS=1`` (config ``COUNT_STATEMENTS``) every response carries
``X-SQL-Statements: <n>``, the statements the request sent to the database (SQLAlchemy's
``before_cursor_execute``; an ``executemany`` counts once). Off, nothing is registered and nothing is counted.
"""
from __future__ import annotations

from flask import Flask, g, has_app_context
from sqlalchemy import event

HEADER = "X-SQL-Statements"


def _count(_conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
    if has_app_context():
        g._sql_statements = g.get("_sql_statements", 0) + 1


def enabled(app: Flask) -> bool:
    return bool(app.config.get("COUNT_STATEMENTS"))  # parsed by config.as_bool like every on/off setting


def init_app(app: Flask, *, force: bool = False) -> bool:
    """Count statements per request when the setting is on (or ``force``). Returns whether it counts."""
    if not (force or enabled(app)):
        return False
    engine = app.extensions["contracts_db"].engine
    if not event.contains(engine, "before_cursor_execute", _count):
        event.listen(engine, "before_cursor_execute", _count)

    @app.after_request
    def _statements_header(response):
        response.headers[HEADER] = str(g.get("_sql_statements", 0))
        return response

    return True


def counted_app():
    """The production app as ``wsgi.py`` builds it, with statement counting on: what the page benchmark serves
    (``gunicorn 'contracts_app.statements:counted_app()'``)."""
    from wsgi import app

    init_app(app, force=True)
    return app
