"""The one place that formats figures for people: money, numbers, percentages, dates, times and periods.

Pure (Babel only, no Flask): pages (as Jinja filters), documents, e-mails, flash messages and the rules
engine's texts all call these functions, so an amount reads ``kr 12 345,50`` and a date ``12.01.2026``
everywhere and in both languages — the figures are Norwegian public money and Norwegian legal dates.
Times are shown in the product's time zone (``CONTRACTS_TIMEZONE``, set once by the app factory).
"""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, parse_pattern

DEFAULT_TIMEZONE = "Europe/Oslo"
_zone = ZoneInfo(DEFAULT_TIMEZONE)

# Parsed once: Babel parses a pattern or a locale name given as a string on every call.
_NB = Locale.parse("nb_NO")
_MONEY = parse_pattern("¤\xa0#,##0.00")
_NUMBER = {digits: parse_pattern("#,##0" + ("." + "0" * digits if digits else "")) for digits in range(4)}
_QUANTITY = parse_pattern("#,##0.##")
NBSP = "\xa0"


def set_timezone(name: str) -> None:
    """The zone times and calendar dates are shown in (``CONTRACTS_TIMEZONE``); called by the app factory."""
    global _zone
    _zone = ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone


def local_date(at: dt.datetime) -> dt.date:
    """The calendar date of an aware moment in the product's time zone (legal dates are Norwegian dates)."""
    return at.astimezone(_zone).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of a calendar day in the product's time zone, as an aware UTC moment."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), _zone).astimezone(dt.timezone.utc)


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of a calendar day in the product's time zone, as an aware UTC moment."""
    return dt.datetime.combine(day, dt.time(0), _zone).astimezone(dt.timezone.utc)


def money(value: Decimal | int | str | None) -> str:
    """``kr 12 345,50`` (non-breaking spaces), or an empty string for no amount."""
    if value is None or value == "":
        return ""
    return _money(value if isinstance(value, Decimal) else Decimal(value))


@functools.lru_cache(maxsize=8192)
def _money(value: Decimal) -> str:
    # Cached by value: the rules engine repeats the same thresholds and prices in every assessment.
    return format_currency(value, "NOK", format=_MONEY, locale=_NB, currency_digits=False)


def number(value, digits: int = 0) -> str:
    """``12 345`` or, with digits, ``12 345,5`` → ``12 345,50``."""
    if value is None:
        return ""
    if digits == 0 and type(value) is int:  # counts: the same digits as Babel's nb pattern, without its ~10 µs a call
        return f"{value:,}".replace(",", NBSP)
    pattern = _NUMBER.get(digits) or parse_pattern("#,##0." + "0" * digits)
    return format_decimal(Decimal(value), format=pattern, locale=_NB)


def quantity(value: Decimal | int, unit: str) -> str:
    """A measured amount with its unit and at most two decimals: ``7,5 t``."""
    return format_decimal(value, format=_QUANTITY, locale=_NB) + NBSP + unit


def percent(value: Decimal) -> str:
    """``80,1 %`` (as many decimals as the value has, none trailing)."""
    return f"{value.normalize():f}".replace(".", ",") + NBSP + "%"


def date(value: dt.date | dt.datetime | str | None) -> str:
    """``12.01.2026``; a moment is shown as its date in the product's time zone; an ISO string is read first."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an ISO date as stored in JSON (an assessment's ruleset, a law version)
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = local_date(value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc))
    return _date(value)


@functools.lru_cache(maxsize=4096)
def _date(day: dt.date) -> str:
    return format_date(day, "dd.MM.yyyy", locale=_NB)


def datetime(value: dt.datetime | None) -> str:
    """``12.01.2026 14:05`` in the product's time zone."""
    if value is None:
        return ""
    # Digits only, so no locale is needed: Babel's format_datetime took ~7 µs a call, and a list shows 100 of them.
    local = (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).astimezone(_zone)
    return f"{local.day:02d}.{local.month:02d}.{local.year:04d} {local.hour:02d}:{local.minute:02d}"


def clock_time(value: dt.time) -> str:
    """A time of day: ``07:05``."""
    return f"{value.hour:02d}:{value.minute:02d}"


def period(start: dt.date | None, end: dt.date | None) -> str:
    """``01.01.2026–31.12.2026``; an open side is left empty (``01.01.2026–``)."""
    if start is None and end is None:
        return ""
    return f"{date(start)}–{date(end)}"
