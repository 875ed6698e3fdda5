"""Pages of a list: one ``select()`` counted and cut in the database, so filters apply before paging and a
list never comes up silently short. Pages take ``page`` and ``per_page`` from the query string; a bad or
out-of-range value falls back to a valid page, never a 500. The template side is ``templates/_pagination.html``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Mapping, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from wtforms.validators import NumberRange, Optional

from .db import PLAN_PER_VALUE
from .fields import IntField

from .formbase import Form

T = TypeVar("T")

PER_PAGE = 25
MAX_PER_PAGE = 100
#: The highest page number read from a query string (25 × 50 000 rows is more than any list here holds);
#: a larger one is the first page, never an offset the database cannot hold.
MAX_PAGE = 50_000


class PageForm(Form):
    """The page and page size of a list, from the query string."""

    page = IntField(validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)])
    per_page = IntField(validators=[Optional(), NumberRange(min=1, max=MAX_PER_PAGE)])


def requested(args: Mapping, *, per_page: int = PER_PAGE) -> tuple[int, int]:
    """(page, per_page) asked for in ``args``; a missing or invalid value gives the first page / the default size."""
    form = PageForm(args)
    form.validate()
    page = form.page.data if not form.page.errors and form.page.data else 1
    size = form.per_page.data if not form.per_page.errors and form.per_page.data else per_page
    return page, size


def page_arg(args: Mapping) -> int:
    """The ``page`` asked for in ``args``: 1 … ``MAX_PAGE``; missing, not a number or out of range gives 1."""
    raw = str(args.get("page", "") or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_PAGE)):
        return 1
    page = int(raw)
    return page if 1 <= page <= MAX_PAGE else 1


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int  # rows matching the filters, over all pages
    page: int  # 1-based; a page past the end is the last page
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, stmt: Select, *, page: int, per_page: int, total: int | None = None,
             rows: bool = False) -> Page:
    """Count the rows of ``stmt`` (ordered, filtered) and load one page of them: its first column's values (the
    entities it selects), or with ``rows`` its rows. ``total``: the count, when the caller has counted the rows
    already (with other figures, in one statement)."""
    if total is None:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())
                               .execution_options(**PLAN_PER_VALUE)) or 0
    page = min(max(1, min(page, MAX_PAGE)), max(1, -(-total // per_page)))
    result = session.execute(stmt.limit(per_page).offset((page - 1) * per_page).execution_options(**PLAN_PER_VALUE))
    items = list(result.all() if rows else result.scalars().all())
    return Page(items, total, page, per_page)
