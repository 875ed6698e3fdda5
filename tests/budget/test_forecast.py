"""The straight-line forecast of when a budget runs out (budget/forecast.py, pure)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contracts_app.budget.forecast import forecast


@pytest.mark.parametrize("amount, used, today, run_out, lasts", [
    ("100000", "0", dt.date(2026, 3, 2), None, True),  # nothing used: no rate, no forecast
    ("100000", "61000", dt.date(2026, 3, 2), dt.date(2026, 4, 11), False),  # 1 000 a day: 100 days from 1 January
    ("100000", "100000", dt.date(2026, 3, 2), dt.date(2026, 3, 2), False),  # used up today
    ("100000", "1000", dt.date(2026, 3, 2), None, True),  # lasts the year
    ("100000000", "480", dt.date(2026, 3, 2), None, True),  # would run out after the year 9999: lasts the year
])
def test_the_forecast_is_the_day_the_money_runs_out_at_the_rate_so_far(amount, used, today, run_out, lasts):
    result = forecast(Decimal(amount), Decimal(used), 2026, today)
    assert result.run_out == run_out and result.lasts_the_year is lasts


def _spread(year, commitments):
    from contracts_app.budget.periods import Commitment, consumption

    return consumption([Commitment(Decimal(a), s, e) for a, s, e in commitments], [], year)


D = dt.date
TODAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize("amount, commitments, run_out, per_month", [
    # nothing committed for next year yet: nothing to forecast
    ("12000", [], None, None),
    # committed, but less than the amount: no run-out, the planned use a month on average
    ("12000", [("6000", D(2027, 1, 1), D(2027, 6, 30))], None, "500.00"),
    # the commitments use it all: on the day they reach the amount (31 000 a month, 62 000 over two months)
    ("46500", [("62000", D(2027, 3, 1), D(2027, 4, 30))], D(2027, 4, 15), "5166.67"),
    # exactly the amount, all in January: used up on 31 January
    ("3100", [("3100", D(2027, 1, 1), D(2027, 1, 31))], D(2027, 1, 31), "258.33"),
    # more than the amount, all in the first half of January
    ("1000", [("3100", D(2027, 1, 1), D(2027, 1, 31))], D(2027, 1, 10), "258.33"),
])
def test_a_line_whose_year_has_not_started_forecasts_from_what_is_planned(amount, commitments, run_out, per_month):
    spread = _spread(2027, commitments)
    result = forecast(Decimal(amount), spread.total, 2027, TODAY, spread)
    assert result.phase == "not_started" and result.daily_rate is None
    assert result.run_out == run_out and result.lasts_the_year is (run_out is None)
    assert result.planned_per_month == (Decimal(per_month) if per_month else None)


@pytest.mark.parametrize("used, lasts", [("0", True), ("900", True), ("1200", False)])
def test_a_line_of_a_past_year_is_closed_and_forecasts_nothing(used, lasts):
    result = forecast(Decimal("1000"), Decimal(used), 2025, TODAY)
    assert (result.phase, result.run_out, result.daily_rate, result.lasts_the_year) == ("closed", None, None, lasts)


def test_a_running_year_keeps_the_straight_line_with_or_without_the_months():
    spread = _spread(2026, [("61000", D(2026, 1, 1), D(2026, 12, 31))])
    assert forecast(Decimal("100000"), Decimal("61000"), 2026, TODAY, spread) == forecast(Decimal("100000"), Decimal("61000"), 2026, TODAY)
