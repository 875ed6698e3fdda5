"""A forecast of when a budget line's money runs out. Pure: no database, no clock.

How the forecast is computed (shown to users on the budget page), by where the line's year stands today:

* **running** (today is in the year):
      rate      = money used so far (committed + spent) / days elapsed since 1 January (inclusive)
      run-out   = 1 January + amount / rate days
  If nothing has been used yet there is no rate and no forecast; if the run-out falls after 31 December the
  budget is expected to last the year. The rate is a straight line through the year so far: it is simple,
  explainable and errs early when spending is front-loaded, which is what a budget owner wants warned about.
* **not started** (a line for next year): there is no rate yet. What is committed already is planned use of its
  months (budget/periods.py); the forecast gives the average planned use per month and, if the commitments
  already use up the whole amount, the day they do (read off the months, straight within the month).
* **closed** (the year is over): nothing to forecast.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from ..money import round_money
from .periods import Consumption

RUNNING, NOT_STARTED, CLOSED = "running", "not_started", "closed"


@dataclass(frozen=True, slots=True)
class Forecast:
    used: Decimal
    days_elapsed: int
    daily_rate: Decimal | None
    run_out: dt.date | None  # None: nothing used yet, the money lasts the year, or the year is over
    lasts_the_year: bool
    phase: str = RUNNING  # RUNNING, NOT_STARTED or CLOSED
    planned_per_month: Decimal | None = None  # not started: what is committed for the year, a month on average


def forecast(amount: Decimal, used: Decimal, year: int, today: dt.date, spread: Consumption | None = None) -> Forecast:
    """``spread`` (the line's money by month, budget/periods.py) is needed only for a line whose year has not
    started: without it such a line gets no run-out date."""
    start = dt.date(year, 1, 1)
    end = dt.date(year, 12, 31)
    if today > end:
        return Forecast(used, (end - start).days + 1, None, None, used <= amount, CLOSED)
    if today < start:
        run_out = _planned_run_out(amount, used, year, spread) if spread is not None else None
        per_month = round_money(used / 12) if used > 0 else None
        return Forecast(used, 0, None, run_out, run_out is None, NOT_STARTED, per_month)
    days = (min(today, end) - start).days + 1
    if used <= 0:
        return Forecast(used, days, None, None, True)
    rate = used / days
    if used >= amount:
        return Forecast(used, days, rate, min(today, end), False)
    days_to_run_out = int(amount / rate)  # whole days the money lasts at this rate
    if days_to_run_out > (end - start).days:  # lasts the year (and a date centuries ahead would not exist)
        return Forecast(used, days, rate, None, True)
    run_out = start + dt.timedelta(days=days_to_run_out)
    return Forecast(used, days, rate, run_out, False)


def _planned_run_out(amount: Decimal, used: Decimal, year: int, spread: Consumption) -> dt.date | None:
    """The day the money already committed for a year uses the amount up, or None if it does not."""
    if used <= 0 or used < amount:
        return None
    start = dt.date(year, 1, 1)
    if amount <= 0 or (spread.before is not None and spread.before.cumulative_used >= amount):
        return start
    for point in spread.months:
        if point.cumulative_used >= amount:
            first = start.replace(month=point.month)
            days = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days
            use = point.committed + point.spent
            share = (amount - (point.cumulative_used - use)) / use
            return first.replace(day=max(1, min(days, int((share * days).to_integral_value(rounding=ROUND_CEILING)))))
    return dt.date(year, 12, 31)  # used up only with money that falls after the year
