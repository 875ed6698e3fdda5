"""The quote: what ``seats`` seats cost for a period, line by rate, split by calendar year.

What each unit counts and how money is rounded is decided once, in the package docstring
(:mod:`contracts_app.courses.pricing`). Days are proleptic ordinals: ordinal 1 (0001-01-01) is a Monday, so
``(o - 1) % 7`` is the weekday and ``(o - 1) // 7`` numbers ISO weeks.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Sequence

from ... import formats
from ...calendar import days_on_weekdays
from ...money import MONEY_MAX, ORE, round_money
from .units import PER_EN, PER_NB, PriceUnit, unit_or_none
from .validation import check_rates
from .values import MAX_PERIOD_YEARS, MAX_SEATS, PriceError, PricingError, Quote, QuoteLine, Rate, Schedule

# Room for rate × hours × seats with every digit kept (at most ~30 significant digits are ever needed).
_CTX = Context(prec=60, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
_HOURS_PLACES = Decimal("0.000001")


def _add_years(day: date, years: int) -> date | None:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year, or beyond year 9999
        try:
            return date(day.year + years, 3, 1)
        except ValueError:
            return None



def quote(
    unit: PriceUnit | str,
    rates: Sequence[Rate],
    *,
    start: date,
    end: date,
    seats: int = 1,
    schedule: Schedule | None = None,
) -> Quote:
    """Price ``seats`` seats for ``[start, end]`` (both inclusive). Raises :class:`PricingError`.

    See the package docstring for what each unit counts.
    """
    errors: list[PriceError] = []
    price_unit = unit_or_none(unit)
    if price_unit is None:
        errors.append(PriceError("unit", "Ukjent prismodell.", "Unknown price model."))
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= MAX_SEATS:
        errors.append(
            PriceError(
                "seats",
                f"Antall plasser må være et heltall fra 1 til {MAX_SEATS}.",
                f"The number of seats must be a whole number from 1 to {MAX_SEATS}.",
            )
        )
    dates_ok = True
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, date) or isinstance(value, datetime):
            dates_ok = False
            errors.append(PriceError(name, "Må være en dato.", "Must be a date."))
    if dates_ok:
        if end < start:
            errors.append(
                PriceError(
                    "end",
                    f"Sluttdatoen ({formats.date(end)}) kan ikke være før startdatoen ({formats.date(start)}).",
                    f"The end date ({formats.date(end)}) cannot be before the start date ({formats.date(start)}).",
                )
            )
        else:
            limit = _add_years(start, MAX_PERIOD_YEARS)
            if limit is None or end >= limit:
                last = formats.date(limit - timedelta(days=1)) if limit else "31.12.9999"
                errors.append(
                    PriceError(
                        "end",
                        f"Perioden kan være høyst {MAX_PERIOD_YEARS} år, altså til og med {last}.",
                        f"The period can be at most {MAX_PERIOD_YEARS} years, that is up to and including {last}.",
                    )
                )
    needs_schedule = price_unit in (PriceUnit.per_hour, PriceUnit.per_week)
    if schedule is not None and not isinstance(schedule, Schedule):
        errors.append(PriceError("schedule", "Ugyldig timeplan.", "Invalid schedule."))
    elif schedule is None and needs_schedule:
        errors.append(
            PriceError(
                "schedule",
                f"Pris {PER_NB[price_unit]} trenger timer per uke og undervisningsdager.",
                f"A rate {PER_EN[price_unit]} needs hours per week and teaching days.",
            )
        )
    errors.extend(check_rates(price_unit, rates))
    if errors:
        raise PricingError(errors)

    ordered = sorted(rates, key=lambda r: r.valid_from)
    rate_starts = [r.valid_from.toordinal() for r in ordered]
    s, e = start.toordinal(), end.toordinal()
    hours_num, hours_den = Decimal(1), 1
    days: list[int] = []
    skipped: tuple[tuple[date, str], ...] = ()
    hours = weeks = months = teaching_days = None

    if needs_schedule:
        assert schedule is not None
        days, skipped = days_on_weekdays(s, e, schedule.teaching_weekdays)
        if not days:
            raise PricingError(
                [
                    PriceError(
                        "period",
                        f"Perioden {formats.date(start)}–{formats.date(end)} har ingen undervisningsdager "
                        "(helger og helligdager er trukket fra).",
                        f"The period {formats.date(start)}–{formats.date(end)} has no teaching days "
                        "(weekends and public holidays excluded).",
                    )
                ]
            )
        teaching_days = len(days)
        hours = _hours(schedule.hours_per_week, teaching_days, len(schedule.teaching_weekdays))

    if price_unit is PriceUnit.per_hour:
        assert schedule is not None
        units = days
        hours_num, hours_den = schedule.hours_per_week, len(schedule.teaching_weekdays)
    elif price_unit is PriceUnit.per_week:
        units = _first_day_of_each_week(days)
        weeks = len(units)
    elif price_unit is PriceUnit.per_month:
        units = _first_day_in_each_month(start, end)
        months = len(units)
    else:
        units = [s]

    if units[0] < rate_starts[0]:
        first = date.fromordinal(units[0])
        first_rate = formats.date(ordered[0].valid_from)
        raise PricingError(
            [
                PriceError(
                    "start",
                    f"Ingen pris gjelder {formats.date(first)}: den første prisen gjelder fra {first_rate}. "
                    f"Velg en startdato fra {first_rate}, eller legg inn en pris som gjelder tidligere.",
                    f"No rate is in force on {formats.date(first)}: the first rate starts on {first_rate}. "
                    f"Choose a start date from {first_rate}, or add a rate that starts earlier.",
                )
            ]
        )

    lines: list[QuoteLine] = []
    with localcontext(_CTX):
        for group in _group_by_rate(units, rate_starts):
            rate = ordered[group.rate_index]
            amount = round_money(rate.amount * group.count * seats * hours_num / hours_den)
            shares = [
                (year, rate.amount * count * seats * hours_num / hours_den) for year, count in group.by_year.items()
            ]
            period_start, period_end = _line_period(price_unit, group, rate_starts, s, e)
            whole_weeks = None
            if price_unit is PriceUnit.per_hour and group.count == group.week_span * hours_den:
                # Every ISO week from the first to the last teaching day has all its teaching weekdays
                # (no holiday, no partial week), so hours = hours per week × weeks exactly.
                whole_weeks = group.week_span
            lines.append(
                QuoteLine(
                    rate=rate.amount,
                    quantity=(
                        _hours(hours_num, group.count, hours_den)
                        if price_unit is PriceUnit.per_hour
                        else Decimal(group.count)
                    ),
                    unit=price_unit,
                    seats=seats,
                    valid_from=rate.valid_from,
                    period_start=date.fromordinal(period_start),
                    period_end=date.fromordinal(period_end),
                    amount=amount,
                    teaching_days=group.count if price_unit is PriceUnit.per_hour else None,
                    hours_per_week=hours_num if price_unit is PriceUnit.per_hour else None,
                    whole_weeks=whole_weeks,
                    year_amounts=_split_by_year(amount, shares),
                )
            )
        total = sum((line.amount for line in lines), Decimal("0.00"))
    if total > MONEY_MAX:
        raise PricingError(
            [
                PriceError(
                    "total",
                    f"Beløpet blir {formats.money(total)}, over grensen på {formats.money(MONEY_MAX)}. "
                    "Kontroller pris, antall plasser og periode.",
                    f"The amount would be {formats.money(total)}, above the limit of {formats.money(MONEY_MAX)}. "
                    "Check the rate, the number of seats and the period.",
                )
            ]
        )
    return Quote(
        unit=price_unit,
        start=start,
        end=end,
        seats=seats,
        total=total,
        lines=tuple(lines),
        hours=hours,
        weeks=weeks,
        months=months,
        teaching_days=teaching_days,
        holidays_skipped=skipped,
    )


# --------------------------------------------------------------------------------------------------
# Counting days, weeks and months (as ordinals, see the module docstring).


def _first_day_of_each_week(days: list[int]) -> list[int]:
    firsts: list[int] = []
    last_week = None
    for o in days:
        week = (o - 1) // 7
        if week != last_week:
            firsts.append(o)
            last_week = week
    return firsts


def _first_day_in_each_month(start: date, end: date) -> list[int]:
    firsts = [start.toordinal()]
    year, month = start.year, start.month
    while (year, month) < (end.year, end.month):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        firsts.append(date(year, month, 1).toordinal())
    return firsts


@dataclass(slots=True)
class _Group:
    """A run of priced units (days, weeks, months) at one rate."""

    rate_index: int
    first: int
    last: int
    count: int
    by_year: dict[int, int] = field(default_factory=dict)

    @property
    def week_span(self) -> int:
        """ISO weeks from the first unit's week to the last unit's week, both included."""
        return (self.last - 1) // 7 - (self.first - 1) // 7 + 1


def _group_by_rate(units: list[int], rate_starts: list[int]) -> list[_Group]:
    """Split sorted unit ordinals into runs priced at the same rate; count them per calendar year.

    Works on slices found by bisection, so its cost grows with rate changes and years, not with days.
    """
    groups: list[_Group] = []
    n = len(units)
    i = 0
    while i < n:
        index = bisect_right(rate_starts, units[i]) - 1
        stop = bisect_left(units, rate_starts[index + 1], i) if index + 1 < len(rate_starts) else n
        group = _Group(rate_index=index, first=units[i], last=units[stop - 1], count=stop - i)
        j = i
        while j < stop:
            year = date.fromordinal(units[j]).year
            k = bisect_left(units, date(year + 1, 1, 1).toordinal(), j, stop) if year < 9999 else stop
            group.by_year[year] = k - j
            j = k
        groups.append(group)
        i = stop
    return groups


def _line_period(unit: PriceUnit, group: _Group, rate_starts: list[int], s: int, e: int) -> tuple[int, int]:
    """The part of ``[s, e]`` a line covers (see the package docstring)."""
    if unit is PriceUnit.per_hour:
        i = group.rate_index
        seg_end = rate_starts[i + 1] - 1 if i + 1 < len(rate_starts) else e
        return max(s, rate_starts[i]), min(e, seg_end)
    if unit is PriceUnit.per_week:
        monday = group.first - (group.first - 1) % 7
        sunday = group.last - (group.last - 1) % 7 + 6
        return max(s, monday), min(e, sunday)
    if unit is PriceUnit.per_month:
        last = date.fromordinal(group.last)
        after = date(last.year + 1, 1, 1) if last.month == 12 else date(last.year, last.month + 1, 1)
        return group.first, min(e, after.toordinal() - 1)
    return s, e


def _hours(hours_per_week: Decimal, days: int, weekdays: int) -> Decimal:
    with localcontext(_CTX):
        exact = hours_per_week * days / weekdays
        shown = exact.quantize(_HOURS_PLACES, rounding=ROUND_HALF_UP)
        return exact if exact == shown else shown


def _split_by_year(amount: Decimal, shares: list[tuple[int, Decimal]]) -> tuple[tuple[int, Decimal], ...]:
    """Distribute a rounded line amount over years by exact shares (largest remainder, in whole øre)."""
    if len(shares) == 1:
        return ((shares[0][0], amount),)
    floors = [share.quantize(ORE, rounding=ROUND_FLOOR) for _, share in shares]
    missing = int((amount - sum(floors)) / ORE)
    # amount = round(sum of shares) lies between floor(sum) >= sum(floors) and sum(floors) + len(shares).
    assert 0 <= missing <= len(shares), (amount, shares)
    order = sorted(range(len(shares)), key=lambda i: (floors[i] - shares[i][1], i))
    for i in order[:missing]:
        floors[i] += ORE
    return tuple((year, floors[i]) for i, (year, _share) in enumerate(shares))
