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

This module states the rule for one commitment (:func:`split_by_month`) and for a list (:func:`consumption`).
The budget page and the jobs do not apply it to a line's purchases when they read: every write that commits,
releases or spends money books its parts in the line's months as it happens (budget.services, the table
``budget_month``, in whole øre), and the readers take the line's months (:func:`of_months`). The tests check
those months against :func:`consumption` of the line's purchases and costs.
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

    The pages and jobs do not call this: they read the months booked as the money moved (:func:`of_months`),
    and the tests check those against this function."""
    committed = [ZERO] * 14
    spent = [ZERO] * 14
    for c in commitments:
        for (y, m), part in split_by_month(c.amount, c.start, c.end):
            committed[_slot(year, y, m)] += part
    for day, amount in spends:
        spent[_slot(year, day.year, day.month)] += amount
    return of_slots(committed, spent)


# --- the months as booked (table budget_month, in whole øre) ----------------------------------------------------------

def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def ore(amount: Decimal) -> int:
    """A whole-øre amount as an integer number of øre."""
    return int(amount.scaleb(2).to_integral_exact())


def commitment_months(amount: Decimal, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """:func:`split_by_month` as the months table books it: (first day of the month, øre)."""
    return [(dt.date(y, m, 1), ore(part)) for (y, m), part in split_by_month(amount, start, end)]


def month_rows(commitments: Iterable[tuple[int, Decimal, dt.date, dt.date]],
               spends: Iterable[tuple[int, dt.date, Decimal]]) -> list[dict]:
    """The months table's rows for lines written in bulk (the national data set, a migration): per line and month
    the parts of its open commitments ``(line, amount, start, end)`` and its costs ``(line, day registered,
    amount)``, as the write path would have booked them one by one."""
    rows: dict[tuple[int, dt.date], dict] = {}

    def row(line: int, month: dt.date) -> dict:
        return rows.setdefault((line, month), dict(budget_id=line, month=month, committed_ore=0, spent_ore=0))

    for line, amount, start, end in commitments:
        for month, part in commitment_months(amount, start, end):
            row(line, month)["committed_ore"] += part
    for line, day, amount in spends:
        row(line, first_of_month(day))["spent_ore"] += ore(amount)
    return list(rows.values())


def of_months(months: Iterable[tuple[dt.date, int, int]], year: int) -> Consumption:
    """A line's page rows for ``year`` from its booked months ``(first day, committed øre, spent øre)``: the
    months of the year as they are, the others summed before or after the year."""
    committed, spent = [0] * 14, [0] * 14
    for month, c, s in months:
        slot = _slot(year, month.year, month.month)
        committed[slot] += c
        spent[slot] += s
    return of_slots([Decimal(x).scaleb(-2) for x in committed], [Decimal(x).scaleb(-2) for x in spent])
