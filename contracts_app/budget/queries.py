"""Budget reads for pages and jobs: a unit's budget lines (paged), a line's ledger, the purchases committed on it
(paged, newest first) and its money by month (budget/periods.py), each in a fixed number of statements however
many purchases."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, lazyload

from ..formats import local_date
from ..pagination import Page, paginate
from ..courses.models import Course
from ..purchases.models import PurchaseStatus, SeatPurchase
from .models import Budget, BudgetEntry, EntryKind
from .periods import Commitment, Consumption, consumption


def budget_lines(session: Session, unit_id: int, *, page: int, per_page: int) -> Page[Budget]:
    """The unit's budget lines, newest year first, with their stops (the list shows which are stopped)."""
    return paginate(session, budget_lines_statement(unit_id), page=page, per_page=per_page)


def budget_lines_statement(unit_id: int):
    return select(Budget).where(Budget.unit_id == unit_id).order_by(Budget.year.desc(), Budget.line, Budget.id)


def spends(session: Session, budget_id: int) -> list[tuple[dt.date, Decimal]]:
    """(local date, amount) of every actual cost registered on the budget: spent counts where it was registered."""
    return [(local_date(at), amount) for at, amount in session.execute(
        select(BudgetEntry.at, BudgetEntry.amount).where(BudgetEntry.budget_id == budget_id,
                                                         BudgetEntry.kind == EntryKind.spend)
    ).all()]


#: What the budget page lists by default: the purchases holding money on the line or waiting to.
OPEN_STATUSES = (PurchaseStatus.confirmed, PurchaseStatus.awaiting_override)
COMMITMENTS_PER_PAGE = 50


def open_commitments(session: Session, budget_id: int) -> list[Commitment]:
    """The open commitments of a line for its months (budget/periods.py): only (amount, start, end) of its
    confirmed purchases, one narrow statement however many (thousands of tuples are cheap to spread in Python,
    which keeps the exact rounding of periods.split_by_month)."""
    return [Commitment(amount, start, end) for amount, start, end in session.execute(
        select(SeatPurchase.amount, SeatPurchase.start_date, SeatPurchase.end_date)
        .where(SeatPurchase.budget_id == budget_id, SeatPurchase.status == PurchaseStatus.confirmed)
    ).all()]


def commitments(session: Session, budget_id: int, *, status: str = "", course: str = "", page: int = 1,
                per_page: int = COMMITMENTS_PER_PAGE) -> Page[SeatPurchase]:
    """One page of :func:`commitments_statement` (two statements: the count and the page)."""
    return paginate(session, commitments_statement(budget_id, status=status, course=course), page=page, per_page=per_page)


def commitments_statement(budget_id: int, *, status: str = "", course: str = ""):
    """The line's purchases, newest first, with their courses. ``status`` is a purchase status (by default the open
    ones: confirmed or awaiting an override); ``course`` matches part of the course title, in any case."""
    statuses = [PurchaseStatus(status)] if status in PurchaseStatus.__members__ else list(OPEN_STATUSES)
    stmt = select(SeatPurchase).where(SeatPurchase.budget_id == budget_id, SeatPurchase.status.in_(statuses))
    if course:
        stmt = stmt.where(SeatPurchase.course_id.in_(
            select(Course.id).where(func.lower(Course.title).contains(course.lower(), autoescape=True))))
    return stmt.order_by(SeatPurchase.created_at.desc(), SeatPurchase.id.desc()).options(joinedload(SeatPurchase.course))


def spreads(session: Session, budgets: list[Budget]) -> dict[int, Consumption]:
    """The money by month of each budget line (budget/periods.py), in two statements for all of them: the open
    commitments (confirmed purchases) and the actual costs registered."""
    ids = [b.id for b in budgets]
    if not ids:
        return {}
    open_by: dict[int, list[Commitment]] = {i: [] for i in ids}
    spent_by: dict[int, list[tuple[dt.date, Decimal]]] = {i: [] for i in ids}
    for budget_id, amount, start, end in session.execute(
        select(SeatPurchase.budget_id, SeatPurchase.amount, SeatPurchase.start_date, SeatPurchase.end_date)
        .where(SeatPurchase.budget_id.in_(ids), SeatPurchase.status == PurchaseStatus.confirmed)
    ).all():
        open_by[budget_id].append(Commitment(amount, start, end))
    for budget_id, at, amount in session.execute(
        select(BudgetEntry.budget_id, BudgetEntry.at, BudgetEntry.amount)
        .where(BudgetEntry.budget_id.in_(ids), BudgetEntry.kind == EntryKind.spend)
    ).all():
        spent_by[budget_id].append((local_date(at), amount))
    return {b.id: consumption(open_by[b.id], spent_by[b.id], b.year) for b in budgets}


def unit_budgets(session: Session, unit_id: int) -> list[Budget]:
    """The unit's budget lines, newest year first, for the choices of a purchase page or a capacity request
    (the lines and what remains; not their stops, which a confirmation reads under the lock)."""
    return session.scalars(
        select(Budget).where(Budget.unit_id == unit_id).order_by(Budget.year.desc(), Budget.line).options(lazyload(Budget.stops))
    ).all()
