"""Fixtures the purchase tests share."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contracts_app.budget.models import Budget
from contracts_app.courses.models import Course
from contracts_app.purchases.models import SeatPurchase


@pytest.fixture
def counts(db, world):
    """``counts()`` → (seats confirmed on the world's course, committed on its budget line, purchases), read
    fresh from the database: what a refused purchase must leave as it was."""

    def read() -> tuple:
        course = db.get(Course, world.course.id)
        budget = db.get(Budget, world.budget.id)
        db.refresh(course)
        db.refresh(budget)
        return course.seats_confirmed, budget.committed, db.scalar(select(func.count()).select_from(SeatPurchase))

    return read
