"""Budget reads for pages and jobs: a unit's budget lines (paged), the purchases committed on a line (paged,
newest first) and its money by month (budget/periods.py, summed in the database), each in a fixed number of
statements however many purchases."""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Integer, Row, bindparam, case, cast, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.sql.functions import FunctionElement

from ..courses.models import Course
from ..formats import start_of_day
from ..pagination import PER_PAGE, Page, paginate
from ..purchases.models import PurchaseStatus, SeatPurchase
from .models import Budget, BudgetEntry, EntryKind
from .periods import ZERO, Consumption, of_slots


def budget_lines(session: Session, unit_id: int, *, page: int, per_page: int) -> Page[Budget]:
    """The unit's budget lines, newest year first, with their stops (the list shows which are stopped)."""
    return paginate(session, budget_lines_statement(unit_id), page=page, per_page=per_page)


def budget_lines_statement(unit_id: int):
    return select(Budget).where(Budget.unit_id == unit_id).order_by(Budget.year.desc(), Budget.line, Budget.id)


#: What the budget page lists by default: the purchases holding money on the line or waiting to.
OPEN_STATUSES = (PurchaseStatus.confirmed, PurchaseStatus.awaiting_override)
#: As the other lists of purchases (the purchases list, the requests page): 25 a page.
COMMITMENTS_PER_PAGE = PER_PAGE


def commitments(session: Session, budget_id: int, *, status: str = "", course: str = "", page: int = 1,
                per_page: int = COMMITMENTS_PER_PAGE) -> Page[Row]:
    """One page of :func:`commitments_statement` (two statements: the count and the page) as rows of what the budget
    page shows: the purchase's ``id``, ``seats``, ``start_date``, ``end_date``, ``amount`` and ``status`` and its
    ``course_title`` (a subquery the database evaluates for the page's rows only, after the sort and the cut)."""
    p = SeatPurchase
    title = select(Course.title).where(Course.id == p.course_id).scalar_subquery().label("course_title")
    stmt = _ledger(budget_id, status=status, course=course).with_only_columns(
        p.id, p.seats, p.start_date, p.end_date, p.amount, p.status, title)
    return paginate(session, stmt, page=page, per_page=per_page, rows=True)


def commitments_statement(budget_id: int, *, status: str = "", course: str = ""):
    """The line's purchases, newest first, with their courses. ``status`` is a purchase status (by default the open
    ones: confirmed or awaiting an override); ``course`` matches part of the course title, in any case."""
    return _ledger(budget_id, status=status, course=course).options(joinedload(SeatPurchase.course))


def _ledger(budget_id: int, *, status: str, course: str):
    statuses = [PurchaseStatus(status)] if status in PurchaseStatus.__members__ else list(OPEN_STATUSES)
    stmt = select(SeatPurchase).where(SeatPurchase.budget_id == budget_id, SeatPurchase.status.in_(statuses))
    if course:
        stmt = stmt.where(SeatPurchase.course_id.in_(
            select(Course.id).where(func.lower(Course.title).contains(course.lower(), autoescape=True))))
    return stmt.order_by(SeatPurchase.created_at.desc(), SeatPurchase.id.desc())


class days_between(FunctionElement):
    """Whole days from the date ``start`` to the date ``end`` (``end - start``), on PostgreSQL and SQLite."""

    type = Integer()
    name = "days_between"
    inherit_cache = True


@compiles(days_between)
def _days_between(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"({end} - {start})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


def _ore(amount):
    """A Numeric(14, 2) amount in whole øre, as an integer (SQLite keeps numbers as floats)."""
    return cast(func.round(amount * 100), BigInteger)


def _committed_through(c, day):
    """The part of a commitment ``c`` (a row of ore, start, days) that falls on or before ``day``, in øre:
    budget/periods.py's running total, the amount times the days of its seat period up to ``day`` over all its
    days, rounded half up to whole øre."""
    through = days_between(c.c.start, day) + 1
    return case((c.c.start > day, 0), (c.c.end <= day, c.c.ore), else_=(2 * c.c.ore * through + c.c.days) // (2 * c.c.days))


@functools.cache
def _spread_statement():
    """Per line (``ids``): its commitments' and its costs' running totals in øre up to the end of the year before
    and of each month (``end_0`` … ``end_12``; the costs up to ``until_k``, midnight after ``end_k`` in the product's
    time zone), then the whole. Built once; the days and lines are bound per call."""
    ids = bindparam("ids", expanding=True)
    ends = [bindparam(f"end_{k}", type_=Date()) for k in range(13)]
    # Each purchase's øre and days once (materialized: not once per month), then the running totals.
    p = SeatPurchase
    c = select(p.budget_id, _ore(p.amount).label("ore"), p.start_date.label("start"), p.end_date.label("end"),
               (days_between(p.start_date, p.end_date) + 1).label("days")
               ).where(p.budget_id.in_(ids), p.status == PurchaseStatus.confirmed).cte("commitment").prefix_with("MATERIALIZED")
    committed = select(literal("c").label("kind"), c.c.budget_id, *(func.sum(_committed_through(c, day)) for day in ends),
                       func.sum(c.c.ore)).group_by(c.c.budget_id)
    e, ore = BudgetEntry, _ore(BudgetEntry.amount)
    spent = select(literal("s"), e.budget_id,
                   *(func.sum(case((e.at < bindparam(f"until_{k}", type_=e.at.type), ore), else_=0)) for k in range(13)),
                   func.sum(ore)).where(e.budget_id.in_(ids), e.kind == EntryKind.spend).group_by(e.budget_id)
    return union_all(committed, spent)


def _month_ends(year: int) -> list[dt.date]:
    """The last day before the year, then the last day of each of its months."""
    return [dt.date(year - 1, 12, 31)] + [dt.date(year + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1) for m in range(1, 13)]


def spreads(session: Session, budgets: list[Budget]) -> dict[int, Consumption]:
    """The money by month of each budget line (budget/periods.py), summed in the database: one statement per
    year among the lines however many purchases and costs (one line: one statement).

    The database gives, per line, the money up to the end of the year before and up to the end of each month
    (the commitments in øre by their running totals, the costs by when they were registered) and the whole; a
    month's money is the difference of two of them, so it is exactly the sum of the parts
    periods.split_by_month gives each commitment, and the rows are periods.py's (``of_slots``)."""
    by_year: dict[int, list[int]] = {}
    for b in budgets:
        by_year.setdefault(b.year, []).append(b.id)
    result: dict[int, Consumption] = {}
    for year, ids in by_year.items():
        ends = _month_ends(year)
        params = {"ids": ids, **{f"end_{k}": day for k, day in enumerate(ends)},
                  **{f"until_{k}": start_of_day(day + dt.timedelta(days=1)) for k, day in enumerate(ends)}}
        sums = {(kind, budget_id): [int(x or 0) for x in cumulative] for kind, budget_id, *cumulative
                in session.execute(_spread_statement(), params).all()}
        for budget_id in ids:
            result[budget_id] = of_slots(*(_slots(sums.get((kind, budget_id))) for kind in ("c", "s")))
    return result


def _slots(cumulative: list[int] | None) -> list[Decimal]:
    """Fourteen amounts (before the year, each month, after the year) from the 13 running totals and the whole,
    in øre."""
    if cumulative is None:
        return [ZERO] * 14
    *through, whole = cumulative
    ore = [through[0]] + [through[m] - through[m - 1] for m in range(1, 13)] + [whole - through[12]]
    return [Decimal(x).scaleb(-2) for x in ore]


def month_spread(session: Session, budget: Budget) -> Consumption:
    """:func:`spreads` of one line (one statement)."""
    return spreads(session, [budget])[budget.id]


def unit_budgets(session: Session, unit_id: int) -> list[Budget]:
    """The unit's budget lines, newest year first, for the choices of a purchase page or a capacity request
    (the lines and what remains; not their stops, which a confirmation reads under the lock)."""
    return session.scalars(
        select(Budget).where(Budget.unit_id == unit_id).order_by(Budget.year.desc(), Budget.line).options(lazyload(Budget.stops))
    ).all()
