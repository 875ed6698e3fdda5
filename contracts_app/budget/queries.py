"""Budget reads for pages: a unit's budget lines (paged), a line's ledger and the purchases committed on it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from ..pagination import Page, paginate
from ..purchases.models import PurchaseStatus, SeatPurchase
from .models import Budget, BudgetEntry, EntryKind


def budget_lines(session: Session, unit_id: int, *, page: int, per_page: int) -> Page[Budget]:
    """The unit's budget lines, newest year first, with their stops (the list shows which are stopped)."""
    stmt = select(Budget).where(Budget.unit_id == unit_id).order_by(Budget.year.desc(), Budget.line, Budget.id)
    return paginate(session, stmt, page=page, per_page=per_page)


def ledger(session: Session, budget_id: int) -> list[tuple[dt.datetime, EntryKind, Decimal]]:
    """(time, kind, amount) of every movement on the budget: what the chart and the forecast are drawn from."""
    return list(session.execute(
        select(BudgetEntry.at, BudgetEntry.kind, BudgetEntry.amount).where(BudgetEntry.budget_id == budget_id)
    ).all())


def commitments(session: Session, budget_id: int) -> list[SeatPurchase]:
    """Purchases holding money on the budget (confirmed, or waiting for a stop override), by start date."""
    return list(session.scalars(
        select(SeatPurchase).where(SeatPurchase.budget_id == budget_id,
                                   SeatPurchase.status.in_([PurchaseStatus.confirmed, PurchaseStatus.awaiting_override]))
        .order_by(SeatPurchase.start_date)
    ).all())


def unit_budgets(session: Session, unit_id: int) -> list[Budget]:
    """The unit's budget lines, newest year first, for the choices of a purchase page or a capacity request
    (the lines and what remains; not their stops, which a confirmation reads under the lock)."""
    return session.scalars(
        select(Budget).where(Budget.unit_id == unit_id).order_by(Budget.year.desc(), Budget.line).options(lazyload(Budget.stops))
    ).all()
