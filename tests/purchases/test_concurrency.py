"""Seats are never oversold and budgets never overdrawn, also with many buyers at the same moment.

Each test gets its own database (SQLite file, or a new PostgreSQL database), because the buyers run in
parallel threads with their own connections and commit for real.
"""
from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from contracts_app import create_app, migrate
from contracts_app.budget import queries as budget_queries
from contracts_app.budget.models import Budget, BudgetEntry
from contracts_app.budget.periods import Commitment, consumption
from contracts_app.clock import FixedClock
from contracts_app.courses.models import Course
from contracts_app.courses.pricing import Rate
from contracts_app.db import make_engine
from contracts_app.purchases.form_tokens import new_token
from contracts_app.purchases.models import SeatPurchase

from ..support import FIXED_NOW, PG_URL, login, need
from ..factories import make_budget, make_course, make_world

BUYERS = 50


def _setup(app, *, seats: int, amount: str, price_unit: str = "per_hour", rate: str = "60"):
    with app.app_context():
        from contracts_app.db import get_session

        session = get_session()
        world = make_world(session)
        course = make_course(session, world.adult_education, title="Siste plasser", total_seats=seats,
                             price_unit=price_unit, rates=[Rate(dt.date(2026, 1, 1), Decimal(rate))])
        budget = make_budget(session, world.nav_office, line="Konkurranse", amount=amount)
        session.commit()
        course_id, budget_id = course.id, budget.id
        return course_id, budget_id, world.course.id


def _race(app, course_id: int, budget_id: int) -> list[int]:
    clients = []
    for _ in range(BUYERS):
        c = app.test_client()
        assert login(c, "advisor@test.no").status_code == 302
        clients.append(c)
    barrier = threading.Barrier(BUYERS)
    statuses: list[int] = [0] * BUYERS

    def buyer(i: int) -> None:
        data = {"seats": "1", "start_date": "2026-03-02", "end_date": "2026-03-06", "budget_id": str(budget_id),
                "participants-0-reference": f"RACE-{i}", "action": "confirm",
                "form_token": new_token()}
        barrier.wait()
        statuses[i] = clients[i].post(f"/courses/{course_id}/buy", data=data).status_code

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(BUYERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return statuses


def _ledger(app, course_id: int, budget_id: int):
    with app.app_context():
        from contracts_app.db import get_session

        s = get_session()
        course, budget = s.get(Course, course_id), s.get(Budget, budget_id)
        sold = s.scalar(select(func.coalesce(func.sum(SeatPurchase.seats), 0)).where(
            SeatPurchase.course_id == course_id, SeatPurchase.status == "confirmed"))
        committed = s.scalar(select(func.coalesce(func.sum(SeatPurchase.amount), 0)).where(
            SeatPurchase.budget_id == budget_id, SeatPurchase.status == "confirmed"))
        entries = s.scalar(select(func.coalesce(func.sum(BudgetEntry.amount), 0)).where(BudgetEntry.budget_id == budget_id))
        # the line's months (as the budget page reads them) hold every commitment exactly once
        months = budget_queries.month_spread(s, budget)
        assert months == consumption([Commitment(p.amount, p.start_date, p.end_date) for p in s.scalars(select(SeatPurchase).where(
            SeatPurchase.budget_id == budget_id, SeatPurchase.status == "confirmed"))], [], budget.year)
        assert months.total == budget.committed
        return course.seats_confirmed, course.seats_free, sold, budget.committed, Decimal(committed), Decimal(entries), budget.remaining


def test_fifty_buyers_for_the_last_five_seats(live_app):
    course_id, budget_id, _ = _setup(live_app, seats=5, amount="1000000")
    statuses = _race(live_app, course_id, budget_id)
    assert statuses.count(302) == 5, statuses
    assert statuses.count(409) == BUYERS - 5, statuses
    confirmed, free, sold, committed, purchase_sum, entry_sum, _ = _ledger(live_app, course_id, budget_id)
    assert (confirmed, free, sold) == (5, 0, 5)
    assert committed == purchase_sum == entry_sum


def test_fifty_buyers_for_the_last_ten_thousand_kroner(live_app):
    # One week (2–6 March 2026) at 8 h/week: 8 h × 250 kr = 2 000 kr a seat → exactly five fit in 10 000 kr.
    course_id, budget_id, _ = _setup(live_app, seats=100, amount="10000", rate="250")
    statuses = _race(live_app, course_id, budget_id)
    assert statuses.count(302) == 5, statuses
    assert statuses.count(409) == BUYERS - 5, statuses
    confirmed, free, sold, committed, purchase_sum, entry_sum, remaining = _ledger(live_app, course_id, budget_id)
    assert committed == purchase_sum == entry_sum == Decimal("10000.00")
    assert remaining == 0 and confirmed == sold == 5
