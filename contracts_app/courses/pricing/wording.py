"""A quote in words: each line's computation and the breakdown a buyer reads and a purchase stores.

Figures are Norwegian in both languages, as everywhere in the product (:mod:`contracts_app.formats`:
``kr 5 760,00``, ``12.01.2026``, non-breaking spaces inside a figure and between a number and its unit);
only the words change with the language.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ... import formats
from ...calendar import holiday_name_en
from ...money import ORE
from .units import PriceUnit

if TYPE_CHECKING:  # the value types call these functions; only their attributes are read here
    from .values import Quote, QuoteLine


def is_english(locale: str) -> bool:
    language = str(locale).replace("-", "_").split("_")[0].lower()
    if language == "en":
        return True
    if language in ("nb", "no", "nn"):
        return False
    raise ValueError(f"unsupported locale {locale!r}: use 'nb' or 'en'")


def line_text(line: QuoteLine, locale: str = "nb") -> str:
    """The computation in words: ``"8 t/uke × 12 uker × kr 60,00 = kr 5 760,00"``."""
    en = is_english(locale)
    unit = PriceUnit(line.unit)
    parts: list[str] = []
    if unit is PriceUnit.per_hour:
        if line.whole_weeks is not None and line.hours_per_week is not None:
            parts.append(formats.quantity(line.hours_per_week, "h/week" if en else "t/uke"))
            parts.append(_count(line.whole_weeks, ("week", "weeks") if en else ("uke", "uker")))
        else:
            shown = _round_hours_for_display(line.quantity)
            approx = "" if shown == line.quantity else ("approx. " if en else "ca. ")
            parts.append(approx + formats.quantity(shown, "h" if en else "t"))
    elif unit is PriceUnit.per_week:
        parts.append(_count(int(line.quantity), ("week", "weeks") if en else ("uke", "uker")))
    elif unit is PriceUnit.per_month:
        parts.append(_count(int(line.quantity), ("month", "months") if en else ("måned", "måneder")))
    if unit is PriceUnit.per_seat or line.seats > 1:
        parts.append(_count(line.seats, ("seat", "seats") if en else ("plass", "plasser")))
    parts.append(formats.money(line.rate))
    return " × ".join(parts) + " = " + formats.money(line.amount)


def breakdown(quote: Quote, locale: str = "nb") -> list[str]:
    """One line per quote line (with its period), the total, and the public holidays skipped."""
    en = is_english(locale)
    out = [f"{formats.period(line.period_start, line.period_end)}: {line_text(line, locale)}" for line in quote.lines]
    total = formats.money(quote.total)
    out.append(f"Total excl. VAT: {total}" if en else f"Sum eks. mva.: {total}")
    if quote.holidays_skipped:
        if en:
            names = ", ".join(f"{formats.date(d)} ({holiday_name_en(d, name)})" for d, name in quote.holidays_skipped)
            out.append(f"Public holidays without teaching: {names}")
        else:
            names = ", ".join(f"{formats.date(d)} ({name})" for d, name in quote.holidays_skipped)
            out.append(f"Helligdager uten undervisning: {names}")
    return out


def _round_hours_for_display(hours: Decimal) -> Decimal:
    """Hours as shown in a line's text: at most two decimals (not money, so not ``round_money``)."""
    shown = hours.quantize(ORE, rounding=ROUND_HALF_UP)
    return hours if hours == shown else shown


def _count(n: int, words: tuple[str, str]) -> str:
    return formats.number(n) + formats.NBSP + (words[0] if n == 1 else words[1])
