"""The price calculation's value types: rates, schedules, quotes and their lines, and its refusals."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ...money import ORE
from . import wording
from .units import PriceUnit

MAX_SEATS = 1000
MAX_HOURS_PER_WEEK = Decimal(60)
MAX_PERIOD_YEARS = 5


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
    ``year_amounts`` is how ``amount`` falls on calendar years (see the package docstring).
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
        """The computation in words (:func:`.wording.line_text`)."""
        return wording.line_text(self, locale)


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
        """Human-readable lines (:func:`.wording.breakdown`): one per quote line, the total, skipped holidays."""
        return wording.breakdown(self, locale)

    def breakdown_record(self) -> list[dict]:
        """The breakdown as data to store (:func:`.wording.breakdown_record`), put into words when shown."""
        return wording.breakdown_record(self)

    def amount_by_year(self) -> dict[int, Decimal]:
        """How ``total`` falls on calendar years; the values add up to ``total`` exactly."""
        years: dict[int, Decimal] = {}
        for line in self.lines:
            for year, amount in line.year_amounts:
                years[year] = years.get(year, Decimal("0.00")) + amount
        return dict(sorted(years.items()))
