"""Which month a budget line's money falls in. Pure: no database, no clock.

The rule (stated on the budget page):

* a **commitment** (a confirmed purchase whose actual cost is not registered yet) counts in the months its seat
  period covers, shared by days (first and last day included). Each part is the running total rounded to øre
  with the one rounding rule (``money.round_money``) minus the running total before it, so the parts are whole
  øre and add up to the amount exactly;
* **spent** (an actual cost registered) counts in the month it was registered;
* money that falls outside the line's year is kept apart, *before the year* or *after the year*: the line holds
  it, but it is no month's use. (A purchase is bought within one year, so this is an actual cost registered in
  January for the year before, or an older purchase.)

A cancelled purchase counts nowhere (its commitment was released), nor does one waiting for a budget-stop
override or refused one (it never held money).

This module states the rule for one commitment (:func:`split_by_month`) and for a list (:func:`consumption`);
the budget page and the jobs get the same figures summed in the database (``budget.queries.spreads``),
which the tests check against :func:`consumption`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from ..money import round_money

#: The pseudo-months of money outside the line's year.
BEFORE, AFTER = 0, 13
ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class Commitment:
    amount: Decimal
    start: dt.date
    end: dt.date


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def split_by_month(amount: Decimal, start: dt.date, end: dt.date) -> list[tuple[tuple[int, int], Decimal]]:
    """``amount`` shared over the months from ``start`` to ``end`` (inclusive) by days: [((year, month), part)].

    The parts are whole øre and add up to ``amount`` exactly (rounded on the running total). A period that ends
    before it starts counts on its first day."""
    end = max(start, end)
    total_days = (end - start).days + 1
    parts: list[tuple[tuple[int, int], Decimal]] = []
    day, days_so_far, before = start, 0, ZERO
    while day <= end:
        month_end = min(_next_month(day) - dt.timedelta(days=1), end)
        days_so_far += (month_end - day).days + 1
        running = round_money(amount * days_so_far / total_days)
        parts.append(((day.year, day.month), running - before))
        before, day = running, month_end + dt.timedelta(days=1)
    return parts


@dataclass(frozen=True, slots=True)
class MonthPoint:
    month: int  # 1–12, or BEFORE / AFTER for money outside the line's year
    committed: Decimal  # open commitments falling in the month
    spent: Decimal  # actual costs registered in the month
    cumulative_used: Decimal  # committed + spent up to and including the month


@dataclass(frozen=True, slots=True)
class Consumption:
    before: MonthPoint | None  # only when money falls before the year
    months: list[MonthPoint]  # January to December
    after: MonthPoint | None  # only when money falls after the year

    @property
    def rows(self) -> list[MonthPoint]:
        """The rows of the page's table: before the year (if any), the twelve months, after the year (if any)."""
        return [p for p in (self.before, *self.months, self.after) if p is not None]

    @property
    def total(self) -> Decimal:
        return self.rows[-1].cumulative_used


def _slot(year: int, on_year: int, month: int) -> int:
    return BEFORE if on_year < year else AFTER if on_year > year else month


def of_slots(committed: list[Decimal], spent: list[Decimal]) -> Consumption:
    """The page's rows from the money of each slot (14: BEFORE, January to December, AFTER), however it was
    summed: the running total of committed and spent, and the rows outside the year only when they carry money."""
    points, running = [], ZERO
    for m in range(14):
        running += committed[m] + spent[m]
        points.append(MonthPoint(m, committed[m], spent[m], running))
    outside = [None if not (committed[m] or spent[m]) else points[m] for m in (BEFORE, AFTER)]
    return Consumption(outside[0], points[1:13], outside[1])


def consumption(commitments: Iterable[Commitment], spends: Iterable[tuple[dt.date, Decimal]], year: int) -> Consumption:
    """A line's money by month of ``year`` from a list: the rule above written out, commitment by commitment.

    The pages and jobs do not call this: ``budget.queries.spreads`` sums the same parts in the database
    (cumulative øre at each month's end, so per month exactly the sum of these parts), and the tests check it
    against this function."""
    committed = [ZERO] * 14
    spent = [ZERO] * 14
    for c in commitments:
        for (y, m), part in split_by_month(c.amount, c.start, c.end):
            committed[_slot(year, y, m)] += part
    for day, amount in spends:
        spent[_slot(year, day.year, day.month)] += amount
    return of_slots(committed, spent)
