"""Where an export's rows come from: the page's own statement, without its page.

A list page's query function pages one ``select()`` built by its ``*_statement`` function
(``purchases.queries.of_unit_statement``, ``budget.queries.commitments_statement``,
``agreements.queries.search_statement``) with the page's filters and scoping. An export reads that same
statement to its end, in chunks: there is no second implementation of a filter to drift.
"""
from __future__ import annotations

from typing import Callable, Iterator

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

#: Rows fetched from the database at a time (a server-side cursor on PostgreSQL).
CHUNK = 1000


def count(session: Session, stmt: Select) -> int:
    """How many rows ``stmt`` yields (one statement)."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def stream(session: Session, stmt: Select, *, chunk: int = CHUNK,
           enrich: Callable[[list[Row]], list[tuple]] | None = None) -> Iterator[tuple]:
    """The rows of ``stmt`` as tuples (named by ``stmt.selected_columns.keys()``), ``chunk`` at a time from the
    database (never all in memory). ``enrich(rows)``, if given, returns each chunk's rows with values added at
    their ends, with one more statement per chunk."""
    result = session.execute(stmt.execution_options(yield_per=chunk))
    try:
        for part in result.partitions(chunk):
            yield from (enrich(part) if enrich is not None else part)
    finally:
        result.close()
