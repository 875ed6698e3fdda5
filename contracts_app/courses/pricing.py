"""Course prices: dated rates, validation and quotes that show how every krone was computed.

Pure: no Flask, no database, no clock. Every date comes in as an argument.

Money
-----
All amounts are ``decimal.Decimal`` NOK excluding VAT, never floats. There is one rounding rule,
:func:`round_money` (half up to whole øre), applied once per quote line. Intermediate products are
computed exactly (in a 60-digit decimal context, dividing last); hours per week have at most two
decimals, so a quotient that does not terminate (8 hours over 3 weekdays) can never sit on a half-øre
boundary and rounds exactly as the true fraction would. Nothing above :data:`MONEY_MAX`
(``Numeric(14, 2)``) is accepted or produced.

What is counted (decided here, once)
------------------------------------
*Teaching days* are the dates in ``[start, end]`` whose weekday is one of the schedule's
``teaching_weekdays`` and that are not Norwegian official public holidays (:mod:`contracts_app.calendar`:
ordinary Sundays are never "holidays" here, only the official days such as Easter Sunday or 17 May, and
those only matter when the course teaches on that weekday). The public holidays that fell on a teaching
weekday are listed in ``Quote.holidays_skipped`` with their bokmål name.

``per_hour``
    Hours per teaching day = ``hours_per_week / len(teaching_weekdays)``. Every teaching day is priced
    at the rate in force on that day. One line per rate that prices at least one teaching day; the
    line's period is the stretch of ``[start, end]`` in which that rate is in force. The text reads
    ``8 t/uke × 12 uker`` when every ISO week of the line has all its teaching weekdays (no holiday, no
    partial week), otherwise ``96,4 t``.
``per_week``
    An ISO week (Monday–Sunday) counts when it has at least one teaching day inside the period, so a
    period from a Wednesday to a Tuesday counts both partial weeks, and Easter week counts if any of its
    teaching weekdays is not a holiday. A week is priced at the rate in force on its first teaching
    day inside the period. One line per run of weeks at the same rate; its period runs from the first
    week's Monday to the last week's Sunday, clipped to the period.
``per_month``
    Every calendar month the period touches counts (per påbegynt måned: 15 January–1 March is three
    months). A month is priced at the rate in force on the first day of the period within that month
    (1st of the month, or ``start`` in the first month). Teaching days do not matter; a schedule is
    optional and ignored.
``per_seat``
    One fixed amount per seat at the rate in force on ``start``. A schedule is optional and ignored.

Everything is multiplied by ``seats``. Each line is rounded with :func:`round_money`; the total is the
sum of the rounded lines, so the breakdown always adds up. A period spanning a rate change is split,
never refused.

Refusals (:class:`PricingError`, every problem at once, each with a field name and a message in bokmål
and English): seats outside 1–1000, ``end`` before ``start``, a period longer than 5 years (``end``
must be before the same calendar date five years after ``start``; 29 February counts from 1 March),
no schedule for ``per_hour``/``per_week``, invalid rates (see :func:`validate_rates`, except the
coverage check), no rate in force on the first day that must be priced (field ``start``: rates run
open-ended, so only days before the earliest rate can be uncovered), a ``per_hour``/``per_week``
period without a single teaching day (field ``period``), and a total above ``MONEY_MAX`` (``total``).

Amounts per calendar year
-------------------------
:meth:`Quote.amount_by_year` assigns per_hour amounts by teaching day, per_week by the week's first
teaching day in the period, per_month by month and per_seat to the year of ``start``. Each *line* is
split on its own: every year gets its exact share floored to whole øre, and the øre still missing to
reach the line's rounded amount (never more than one per year) go to the years that lost the largest
fractions, the earlier year first on a tie (largest-remainder method). So every year's figure is
within one øre of its exact share, each line's years add up to the line, and the years add up to the
total exactly. This distributes an amount that has already been rounded; it is not a second rounding
rule.
"""
from __future__ import annotations

import enum
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

from babel import Locale
from babel.numbers import format_decimal, parse_pattern

from ..calendar import days_on_weekdays, holiday_name_en
from ..money import MONEY_MAX, ORE, round_money

__all__ = [
    "MAX_PERIOD_YEARS",
    "MAX_SEATS",
    "MONEY_MAX",
    "PriceError",
    "PriceUnit",
    "PricingError",
    "Quote",
    "QuoteLine",
    "Rate",
    "Schedule",
    "quote",
    "round_money",
    "validate_rates",
]

MAX_SEATS = 1000
MAX_HOURS_PER_WEEK = Decimal(60)
MAX_PERIOD_YEARS = 5

# Room for rate × hours × seats with every digit kept (at most ~30 significant digits are ever needed).
_CTX = Context(prec=60, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
_HOURS_PLACES = Decimal("0.000001")
_NBSP = "\u00a0"
_NB_LOCALE = "nb_NO"


class PriceUnit(str, enum.Enum):
    """What one rate buys. Member names equal their values (SQLAlchemy stores the names)."""

    per_seat = "per_seat"
    per_hour = "per_hour"
    per_week = "per_week"
    per_month = "per_month"


_UNIT_NB = {
    PriceUnit.per_seat: "per plass",
    PriceUnit.per_hour: "per time",
    PriceUnit.per_week: "per uke",
    PriceUnit.per_month: "per måned",
}
_UNIT_EN = {
    PriceUnit.per_seat: "per seat",
    PriceUnit.per_hour: "per hour",
    PriceUnit.per_week: "per week",
    PriceUnit.per_month: "per month",
}


@dataclass(frozen=True, slots=True)
class PriceError:
    """One problem with price input: the field it belongs to and what the user can do, in both languages."""

    field: str
    message_nb: str
    message_en: str


class PricingError(ValueError):
    """Input that cannot be priced; ``errors`` lists every problem found."""

    def __init__(self, errors: list[PriceError]):
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.message_en}" for e in self.errors))

    @property
    def fields(self) -> list[str]:
        return [e.field for e in self.errors]


@dataclass(frozen=True, slots=True)
class Rate:
    """NOK excluding VAT per unit, in force from ``valid_from`` until the day before the next rate."""

    valid_from: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a course teaches. ``teaching_weekdays`` are Python weekday numbers (0 = Monday), kept sorted.

    Constructing an invalid schedule raises :class:`PricingError` (fields ``schedule.hours_per_week``,
    ``schedule.teaching_weekdays``). ``hours_per_week`` may be an ``int`` or a ``Decimal`` with at most two
    decimals (as stored, ``Numeric(5, 2)``); floats are refused.
    """

    hours_per_week: Decimal
    teaching_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)

    def __post_init__(self) -> None:
        errors: list[PriceError] = []
        hours = self.hours_per_week
        if isinstance(hours, int) and not isinstance(hours, bool):
            hours = Decimal(hours)
            object.__setattr__(self, "hours_per_week", hours)
        if not isinstance(hours, Decimal) or not hours.is_finite():
            errors.append(
                PriceError(
                    "schedule.hours_per_week",
                    "Timer per uke må være et tall.",
                    "Hours per week must be a number.",
                )
            )
        elif not (0 < hours <= MAX_HOURS_PER_WEEK):
            errors.append(
                PriceError(
                    "schedule.hours_per_week",
                    "Timer per uke må være mer enn 0 og høyst 60.",
                    "Hours per week must be more than 0 and at most 60.",
                )
            )
        elif hours != hours.quantize(ORE):
            errors.append(
                PriceError(
                    "schedule.hours_per_week",
                    "Timer per uke kan ha høyst to desimaler.",
                    "Hours per week can have at most two decimals.",
                )
            )
        days = self.teaching_weekdays
        try:
            days = tuple(days)
        except TypeError:
            days = None
        if (
            not days
            or any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in days)
            or len(set(days)) != len(days)
        ):
            errors.append(
                PriceError(
                    "schedule.teaching_weekdays",
                    "Velg minst én undervisningsdag i uka, hver dag bare én gang.",
                    "Choose at least one teaching day of the week, each day only once.",
                )
            )
        else:
            object.__setattr__(self, "teaching_weekdays", tuple(sorted(days)))
        if errors:
            raise PricingError(errors)


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One rate segment of a quote: ``rate × quantity × seats``, rounded to øre.

    ``quantity`` is hours (per_hour), weeks (per_week), months (per_month) or 1 (per_seat). Hours are exact
    when the division by the number of teaching weekdays terminates (always for 1, 2, 4 or 5 weekdays),
    otherwise given to six decimals; ``amount`` is always computed from the exact fraction.
    ``year_amounts`` is how ``amount`` falls on calendar years (see the module docstring).
    """

    rate: Decimal
    quantity: Decimal
    unit: PriceUnit
    seats: int
    valid_from: date
    period_start: date
    period_end: date
    amount: Decimal
    teaching_days: int | None = None
    #: per_hour only: hours per week of the schedule, and the number of ISO weeks when the line is
    #: made of whole teaching weeks without holidays (then the text says "8 t/uke × 12 uker").
    hours_per_week: Decimal | None = None
    whole_weeks: int | None = None
    year_amounts: tuple[tuple[int, Decimal], ...] = ()

    def text(self, locale: str = "nb") -> str:
        """The computation in words: ``"8 t/uke × 12 uker × 60,00 kr = 5 760,00 kr"``.

        Numbers are formatted the Norwegian way in both languages (``nb_NO``: non-breaking space as group
        separator, decimal comma), as everywhere else in the product; a non-breaking space also joins
        each number to its unit.
        """
        en = _is_english(locale)
        unit = PriceUnit(self.unit)
        parts: list[str] = []
        if unit is PriceUnit.per_hour:
            if self.whole_weeks is not None and self.hours_per_week is not None:
                parts.append(_qty(self.hours_per_week, "h/week" if en else "t/uke"))
                parts.append(_count(self.whole_weeks, ("week", "weeks") if en else ("uke", "uker")))
            else:
                shown = _round_hours_for_display(self.quantity)
                approx = "" if shown == self.quantity else ("approx. " if en else "ca. ")
                parts.append(approx + _qty(shown, "h" if en else "t"))
        elif unit is PriceUnit.per_week:
            parts.append(_count(int(self.quantity), ("week", "weeks") if en else ("uke", "uker")))
        elif unit is PriceUnit.per_month:
            parts.append(_count(int(self.quantity), ("month", "months") if en else ("måned", "måneder")))
        if unit is PriceUnit.per_seat or self.seats > 1:
            parts.append(_count(self.seats, ("seat", "seats") if en else ("plass", "plasser")))
        currency = "NOK" if en else "kr"
        parts.append(_money(self.rate, currency))
        return " × ".join(parts) + " = " + _money(self.amount, currency)


@dataclass(frozen=True, slots=True)
class Quote:
    """The price of ``seats`` seats for ``[start, end]``, with the lines that make up ``total``.

    ``hours`` and ``teaching_days`` are set for per_hour and per_week, ``weeks`` for per_week, ``months``
    for per_month; ``holidays_skipped`` (date, bokmål name) for per_hour and per_week.
    """

    unit: PriceUnit
    start: date
    end: date
    seats: int
    total: Decimal
    lines: tuple[QuoteLine, ...]
    hours: Decimal | None = None
    weeks: int | None = None
    months: int | None = None
    teaching_days: int | None = None
    holidays_skipped: tuple[tuple[date, str], ...] = ()

    def breakdown(self, locale: str = "nb") -> list[str]:
        """Human-readable lines: one per quote line (with its period), the total, and skipped holidays."""
        en = _is_english(locale)
        currency = "NOK" if en else "kr"
        out = [f"{_date(line.period_start)}–{_date(line.period_end)}: {line.text(locale)}" for line in self.lines]
        if en:
            out.append(f"Total excl. VAT: {_money(self.total, currency)}")
        else:
            out.append(f"Sum eks. mva.: {_money(self.total, currency)}")
        if self.holidays_skipped:
            if en:
                names = ", ".join(f"{_date(d)} ({holiday_name_en(d, name)})" for d, name in self.holidays_skipped)
                out.append(f"Public holidays without teaching: {names}")
            else:
                names = ", ".join(f"{_date(d)} ({name})" for d, name in self.holidays_skipped)
                out.append(f"Helligdager uten undervisning: {names}")
        return out

    def amount_by_year(self) -> dict[int, Decimal]:
        """How ``total`` falls on calendar years; the values add up to ``total`` exactly."""
        years: dict[int, Decimal] = {}
        for line in self.lines:
            for year, amount in line.year_amounts:
                years[year] = years.get(year, Decimal("0.00")) + amount
        return dict(sorted(years.items()))


# --------------------------------------------------------------------------------------------------
# Validation


def validate_rates(unit: PriceUnit | str, rates: Sequence[Rate], first_sellable_date: date) -> list[PriceError]:
    """Problems with a course's rates; ``[]`` when they are fine.

    Each amount must be a ``Decimal`` above 0, at most :data:`MONEY_MAX` and in whole øre; ``valid_from``
    dates must be unique; there must be at least one rate; and the earliest rate must be in force on
    ``first_sellable_date`` (the first day the course can be bought). Fields: ``rates[i].amount``,
    ``rates[i].valid_from``, ``rates``.
    """
    price_unit = _unit_or_none(unit)
    errors = [] if price_unit else [PriceError("unit", "Ukjent prismodell.", "Unknown price model.")]
    errors.extend(_check_rates(price_unit, rates))
    if errors or not isinstance(first_sellable_date, date):
        return errors
    earliest = min(range(len(rates)), key=lambda i: rates[i].valid_from)
    first_from = rates[earliest].valid_from
    if first_from > first_sellable_date:
        errors.append(
            PriceError(
                f"rates[{earliest}].valid_from",
                f"Den første prisen gjelder fra {_date(first_from)}, men kurset kan kjøpes fra "
                f"{_date(first_sellable_date)}. Legg inn en pris som gjelder fra {_date(first_sellable_date)} "
                "eller tidligere.",
                f"The first rate starts on {_date(first_from)}, but the course can be bought from "
                f"{_date(first_sellable_date)}. Add a rate that starts on {_date(first_sellable_date)} or earlier.",
            )
        )
    return errors


def _check_rates(unit: PriceUnit | None, rates: Sequence[Rate]) -> list[PriceError]:
    """Everything :func:`validate_rates` checks except coverage of the first sellable date."""
    errors: list[PriceError] = []
    per_nb = " " + _UNIT_NB[unit] if unit else ""
    per_en = " " + _UNIT_EN[unit] if unit else ""
    if not rates:
        return [PriceError("rates", "Legg inn minst én pris.", "Enter at least one rate.")]
    seen: set[date] = set()
    for i, rate in enumerate(rates):
        if not isinstance(rate, Rate):
            errors.append(PriceError(f"rates[{i}]", "Ugyldig pris.", "Invalid rate."))
            continue
        amount = rate.amount
        if not isinstance(amount, Decimal) or not amount.is_finite():
            errors.append(
                PriceError(
                    f"rates[{i}].amount",
                    "Prisen må være et beløp i kroner og øre.",
                    "The rate must be an amount in kroner and øre.",
                )
            )
        elif amount <= 0:
            errors.append(
                PriceError(
                    f"rates[{i}].amount",
                    f"Prisen{per_nb} må være mer enn 0 kr.",
                    f"The rate{per_en} must be more than NOK 0.",
                )
            )
        elif amount > MONEY_MAX:
            errors.append(
                PriceError(
                    f"rates[{i}].amount",
                    f"Prisen{per_nb} kan være høyst {_money(MONEY_MAX, 'kr')}.",
                    f"The rate{per_en} can be at most {_money(MONEY_MAX, 'NOK')}.",
                )
            )
        elif amount != amount.quantize(ORE):
            errors.append(
                PriceError(
                    f"rates[{i}].amount",
                    "Prisen kan ha høyst to desimaler (hele øre).",
                    "The rate can have at most two decimals (whole øre).",
                )
            )
        valid_from = rate.valid_from
        if not isinstance(valid_from, date) or isinstance(valid_from, datetime):
            errors.append(
                PriceError(
                    f"rates[{i}].valid_from", "«Gjelder fra» må være en dato.", "“Valid from” must be a date."
                )
            )
        elif valid_from in seen:
            errors.append(
                PriceError(
                    f"rates[{i}].valid_from",
                    f"Det finnes allerede en pris som gjelder fra {_date(valid_from)}; hver dato kan bare ha én pris.",
                    f"There is already a rate starting on {_date(valid_from)}; each date can have only one rate.",
                )
            )
        else:
            seen.add(valid_from)
    return errors


def _unit_or_none(unit: PriceUnit | str) -> PriceUnit | None:
    try:
        return PriceUnit(unit)
    except ValueError:
        return None


def _add_years(day: date, years: int) -> date | None:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year, or beyond year 9999
        try:
            return date(day.year + years, 3, 1)
        except ValueError:
            return None


# --------------------------------------------------------------------------------------------------
# Quote


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

    See the module docstring for what each unit counts.
    """
    errors: list[PriceError] = []
    price_unit = _unit_or_none(unit)
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
                    f"Sluttdatoen ({_date(end)}) kan ikke være før startdatoen ({_date(start)}).",
                    f"The end date ({_date(end)}) cannot be before the start date ({_date(start)}).",
                )
            )
        else:
            limit = _add_years(start, MAX_PERIOD_YEARS)
            if limit is None or end >= limit:
                last = _date(limit - timedelta(days=1)) if limit else "31.12.9999"
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
                f"Pris {_UNIT_NB[price_unit]} trenger timer per uke og undervisningsdager.",
                f"A rate {_UNIT_EN[price_unit]} needs hours per week and teaching days.",
            )
        )
    errors.extend(_check_rates(price_unit, rates))
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
                        f"Perioden {_date(start)}–{_date(end)} har ingen undervisningsdager "
                        "(helger og helligdager er trukket fra).",
                        f"The period {_date(start)}–{_date(end)} has no teaching days "
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
        first_rate = _date(ordered[0].valid_from)
        raise PricingError(
            [
                PriceError(
                    "start",
                    f"Ingen pris gjelder {_date(first)}: den første prisen gjelder fra {first_rate}. "
                    f"Velg en startdato fra {first_rate}, eller legg inn en pris som gjelder tidligere.",
                    f"No rate is in force on {_date(first)}: the first rate starts on {first_rate}. "
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
                    f"Beløpet blir {_money(total, 'kr')}, over grensen på {_money(MONEY_MAX, 'kr')}. "
                    "Kontroller pris, antall plasser og periode.",
                    f"The amount would be {_money(total, 'NOK')}, above the limit of {_money(MONEY_MAX, 'NOK')}. "
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
# Counting days, weeks and months. Days are proleptic ordinals: ordinal 1 (0001-01-01) is a Monday, so
# ``(o - 1) % 7`` is the weekday and ``(o - 1) // 7`` numbers ISO weeks.


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
    """The part of ``[s, e]`` a line covers (see the module docstring)."""
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


# --------------------------------------------------------------------------------------------------
# Text


def _is_english(locale: str) -> bool:
    language = str(locale).replace("-", "_").split("_")[0].lower()
    if language == "en":
        return True
    if language in ("nb", "no", "nn"):
        return False
    raise ValueError(f"unsupported locale {locale!r}: use 'nb' or 'en'")


def _round_hours_for_display(hours: Decimal) -> Decimal:
    """Hours as shown in a line's text: at most two decimals (not money, so not :func:`round_money`)."""
    with localcontext(_CTX):
        shown = hours.quantize(ORE, rounding=ROUND_HALF_UP)
        return hours if hours == shown else shown


# Babel parses a locale name and a number pattern on every call given strings: parsed once here (every
# purchase formats its breakdown).
_NB = Locale.parse(_NB_LOCALE)
_MONEY, _QTY, _COUNT = parse_pattern("#,##0.00"), parse_pattern("#,##0.##"), parse_pattern("#,##0")


def _money(amount: Decimal, currency: str) -> str:
    return format_decimal(amount, format=_MONEY, locale=_NB) + _NBSP + currency


def _qty(value: Decimal, unit: str) -> str:
    return format_decimal(value, format=_QTY, locale=_NB) + _NBSP + unit


def _count(n: int, words: tuple[str, str]) -> str:
    return format_decimal(n, format=_COUNT, locale=_NB) + _NBSP + (words[0] if n == 1 else words[1])


def _date(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
