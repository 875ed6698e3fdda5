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
