"""Course prices: dated rates, validation and quotes that show how every krone was computed.

Pure: no database, no clock, no app (the unit's labels are lazy translations, read only when a page shows
them). Every date comes in as an argument. The package's modules, each used through this public face:

- :mod:`.units`: :class:`PriceUnit`, what one rate buys;
- :mod:`.values`: the value types (:class:`Rate`, :class:`Schedule`, :class:`Quote`, :class:`QuoteLine`) and
  the refusals (:class:`PriceError`, :class:`PricingError`);
- :mod:`.validation`: :func:`validate_rates`;
- :mod:`.calculation`: :func:`quote`, the counting and the split by calendar year;
- :mod:`.wording`: a quote in words, with the product's one format for amounts and dates
  (:mod:`contracts_app.formats`: ``kr 5 760,00``, ``12.01.2026``, in both languages).

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

from ...money import MONEY_MAX, round_money
from .calculation import quote
from .units import PriceUnit
from .validation import validate_rates
from .values import MAX_PERIOD_YEARS, MAX_SEATS, PriceError, PricingError, Quote, QuoteLine, Rate, Schedule
from .wording import render_breakdown

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
    "render_breakdown",
    "round_money",
    "validate_rates",
]
