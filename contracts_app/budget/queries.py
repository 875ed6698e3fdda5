"""Budget reads for pages and jobs: a unit's budget lines (paged), the purchases committed on a line (paged,
newest first) and its money by month (budget/periods.py, as booked), each in a fixed number of statements however
many purchases."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session, joinedload, lazyload

from ..courses.models import Course
from ..pagination import PER_PAGE, Page, paginate
from ..purchases.models import PurchaseStatus, SeatPurchase
from .models import Budget, BudgetMonth
from .periods import Consumption, of_months


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


def spreads(session: Session, budgets: list[Budget]) -> dict[int, Consumption]:
    """The money by month of each budget line (budget/periods.py): the months booked as the money moved
    (budget_month), one statement however many lines, purchases and costs."""
    months: dict[int, list[tuple[dt.date, int, int]]] = {b.id: [] for b in budgets}
    if months:
        m = BudgetMonth
        for budget_id, *month in session.execute(
                select(m.budget_id, m.month, m.committed_ore, m.spent_ore).where(m.budget_id.in_(list(months)))):
            months[budget_id].append(tuple(month))
    return {b.id: of_months(months[b.id], b.year) for b in budgets}


def month_spread(session: Session, budget: Budget) -> Consumption:
    """:func:`spreads` of one line (one statement)."""
    return spreads(session, [budget])[budget.id]


def unit_budgets(session: Session, unit_id: int) -> list[Budget]:
    """The unit's budget lines, newest year first, for the choices of a purchase page or a capacity request
    (the lines and what remains; not their stops, which a confirmation reads under the lock)."""
    return session.scalars(
        select(Budget).where(Budget.unit_id == unit_id).order_by(Budget.year.desc(), Budget.line).options(lazyload(Budget.stops))
    ).all()
