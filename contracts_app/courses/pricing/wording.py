"""A quote in words: each line's computation and the breakdown a buyer reads. A purchase stores the breakdown
as data (:func:`breakdown_record`) and puts it into words when it is shown (:func:`render_breakdown`), so an
English reader reads English (lines stored as bokmål text before are put into English too).

Figures are Norwegian in both languages, as everywhere in the product (:mod:`contracts_app.formats`:
``kr 5 760,00``, ``12.01.2026``, non-breaking spaces inside a figure and between a number and its unit);
only the words change with the language.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

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
    return render_breakdown(breakdown_record(quote), locale)


def breakdown_record(quote: Quote) -> list[dict[str, Any]]:
    """The breakdown as data a purchase can store (JSON: ISO dates, amounts as strings), so that it is put into
    words when it is shown, in the reader's language (:func:`render_breakdown`)."""
    out: list[dict[str, Any]] = []
    for line in quote.lines:
        out.append({"line": {
            "start": line.period_start.isoformat(), "end": line.period_end.isoformat(), "unit": PriceUnit(line.unit).value,
            "rate": str(line.rate), "quantity": str(line.quantity), "seats": line.seats, "amount": str(line.amount),
            "hours_per_week": None if line.hours_per_week is None else str(line.hours_per_week), "whole_weeks": line.whole_weeks,
        }})
    out.append({"total": str(quote.total)})
    if quote.holidays_skipped:
        out.append({"holidays": [[d.isoformat(), name] for d, name in quote.holidays_skipped]})
    return out


def render_breakdown(stored: Iterable[Any] | None, locale: str = "nb") -> list[str]:
    """A stored breakdown in the reader's language: the records of :func:`breakdown_record`, or the bokmål lines
    purchases stored before (their words are put into English when the reader reads English)."""
    en = is_english(locale)
    out: list[str] = []
    for item in stored or []:
        if isinstance(item, str):
            out.append(_english_of_stored(item) if en else item)
        elif isinstance(item, dict) and "line" in item:
            line = _stored_line(item["line"])
            out.append(f"{formats.period(line.period_start, line.period_end)}: {line_text(line, locale)}")
        elif isinstance(item, dict) and "total" in item:
            total = formats.money(Decimal(str(item["total"])))
            out.append(f"Total excl. VAT: {total}" if en else f"Sum eks. mva.: {total}")
        elif isinstance(item, dict) and "holidays" in item:
            days = [(date.fromisoformat(d), name) for d, name in item["holidays"]]
            if en:
                names = ", ".join(f"{formats.date(d)} ({holiday_name_en(d, name)})" for d, name in days)
                out.append(f"Public holidays without teaching: {names}")
            else:
                names = ", ".join(f"{formats.date(d)} ({name})" for d, name in days)
                out.append(f"Helligdager uten undervisning: {names}")
        else:  # never show raw data
            out.append(str(item))
    return out


def _stored_line(data: dict[str, Any]) -> SimpleNamespace:
    """The attributes :func:`line_text` reads, from a stored record."""
    def dec(key: str) -> Decimal | None:
        return None if data.get(key) is None else Decimal(str(data[key]))

    return SimpleNamespace(
        period_start=date.fromisoformat(data["start"]), period_end=date.fromisoformat(data["end"]), unit=data["unit"],
        rate=dec("rate"), quantity=dec("quantity"), seats=int(data.get("seats") or 1), amount=dec("amount"),
        hours_per_week=dec("hours_per_week"), whole_weeks=data.get("whole_weeks"),
    )


# The bokmål words of a stored line and their English (the units after a number, see line_text and breakdown).
_UNITS_EN = {"t/uke": "h/week", "t": "h", "uke": "week", "uker": "weeks", "måned": "month", "måneder": "months",
             "plass": "seat", "plasser": "seats"}
_PART = re.compile(r"^(ca\. )?([0-9][0-9\u00a0 ]*(?:,[0-9]+)?)\u00a0(t/uke|t|uker|uke|måneder|måned|plasser|plass)$")
_HOLIDAY = re.compile(r"(\d{2})\.(\d{2})\.(\d{4}) \(([^)]*)\)")
_TOTAL_NB, _HOLIDAYS_NB = "Sum eks. mva.: ", "Helligdager uten undervisning: "


def _english_of_stored(text: str) -> str:
    """A bokmål breakdown line stored by an earlier version, in English; a line it does not know stays as it is."""
    if text.startswith(_TOTAL_NB):
        return "Total excl. VAT: " + text[len(_TOTAL_NB):]
    if text.startswith(_HOLIDAYS_NB):
        def name(m: re.Match) -> str:
            try:
                day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                return m.group(0)
            return f"{m.group(1)}.{m.group(2)}.{m.group(3)} ({holiday_name_en(day, m.group(4))})"

        return "Public holidays without teaching: " + _HOLIDAY.sub(name, text[len(_HOLIDAYS_NB):])
    head, sep, computation = text.partition(": ")
    if not sep:
        return text
    formula, eq, amount = computation.partition(" = ")
    parts = []
    for part in formula.split(" × "):
        m = _PART.match(part)
        parts.append(part if m is None else ("approx. " if m.group(1) else "") + m.group(2) + formats.NBSP + _UNITS_EN[m.group(3)])
    return head + sep + " × ".join(parts) + eq + amount


def _round_hours_for_display(hours: Decimal) -> Decimal:
    """Hours as shown in a line's text: at most two decimals (not money, so not ``round_money``)."""
    shown = hours.quantize(ORE, rounding=ROUND_HALF_UP)
    return hours if hours == shown else shown


def _count(n: int, words: tuple[str, str]) -> str:
    return formats.number(n) + formats.NBSP + (words[0] if n == 1 else words[1])
