"""Calendar helpers: month arithmetic and date display.

Legal periods in the catalog are counted in calendar months ("12 months before", "3 years plus
approved leave"). Adding months must clamp to the end of the month (31 January + 1 month is
28/29 February), never overflow into the next month, and never use a 30-day approximation for
whole months.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

#: Days per month used only for the fractional part of a month count (approved leave of 1.5
#: months): the Gregorian average, rounded up so the period is never cut short.
_DAYS_PER_MONTH = Decimal("30.436875")


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved by ``months`` calendar months (negative goes back), clamped to month end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    if year < 1:
        return date.min
    if year > 9999:
        return date.max
    month = month0 + 1
    last = monthrange(year, month)[1]
    return date(year, month, day.day if day.day <= last else last)


def add_month_count(day: date, months: Decimal) -> date:
    """Add a possibly fractional number of months: whole months by the calendar, the rest as days."""
    whole = int(months)
    result = add_months(day, whole)
    fraction = months - whole
    if fraction:
        days = int((fraction * _DAYS_PER_MONTH).to_integral_value(rounding=ROUND_CEILING))
        try:
            result = result + timedelta(days=days)
        except OverflowError:
            result = date.max
    return result
