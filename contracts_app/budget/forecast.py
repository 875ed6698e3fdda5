"""Budget consumption over the year and a forecast of when the money runs out. Pure: no database, no clock.

How the forecast is computed (shown to users on the budget page):
    rate      = money used so far this year (committed + spent) / days elapsed since 1 January (inclusive)
    run-out   = 1 January + amount / rate days
If nothing has been used yet there is no rate and no forecast; if the run-out falls after 31 December the
budget is expected to last the year. The rate is a straight line through the year so far: it is simple,
explainable and errs early when spending is front-loaded, which is what a budget owner wants warned about.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Forecast:
    used: Decimal
    days_elapsed: int
    daily_rate: Decimal | None
    run_out: dt.date | None  # None: nothing used yet, or the money lasts the year
    lasts_the_year: bool


def forecast(amount: Decimal, used: Decimal, year: int, today: dt.date) -> Forecast:
    start = dt.date(year, 1, 1)
    end = dt.date(year, 12, 31)
    if today < start:
        return Forecast(used, 0, None, None, used <= amount)
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


@dataclass(frozen=True, slots=True)
class MonthPoint:
    month: int
    committed: Decimal  # net commitments made in the month
    spent: Decimal
    cumulative_used: Decimal


def monthly_consumption(entries: list[tuple[dt.date, str, Decimal]], year: int) -> list[MonthPoint]:
    """Per month: net commitments (commit − release) and spending, and the running total used.

    ``entries`` are (date, kind, amount) with kind commit, release or spend. A spend moves money from
    committed to spent: it is recorded as a release of the commitment plus a spend, so used = commit −
    release + spend.
    """
    committed = [Decimal("0")] * 13
    spent = [Decimal("0")] * 13
    for when, kind, amount in entries:
        if when.year != year:
            continue
        if kind == "commit":
            committed[when.month] += amount
        elif kind == "release":
            committed[when.month] -= amount
        elif kind == "spend":
            spent[when.month] += amount
    points, running = [], Decimal("0")
    for m in range(1, 13):
        running += committed[m] + spent[m]
        points.append(MonthPoint(m, committed[m], spent[m], running))
    return points
