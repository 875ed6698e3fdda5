"""Number fields for every form: one for whole numbers, one for amounts and other decimals.

Both render as text inputs with a numeric keyboard (``inputmode``), not ``type=number``: a browser sends an
empty value for letters in a number input, and the user would read "required" instead of "must be a number".
Both refuse what the database or the engine cannot hold with a message on the field, never an exception:
thousands of digits, NaN, infinities, exponents (``1e999999999``), more than two decimals, amounts above
``money.MONEY_MAX``. Bounds for the field's meaning still come from ``NumberRange`` on each field.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from .money import MONEY_MAX, parse_amount

#: The largest whole number any field accepts whatever its own bounds (PostgreSQL ``integer``).
INT_MAX = 2**31 - 1

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")

NOT_A_NUMBER = _l("Must be a number.")
NOT_A_WHOLE_NUMBER = _l("Must be a whole number.")
TOO_LARGE = _l("The number is too large.")
TOO_MANY_DECIMALS = _l("At most two decimals.")
AMOUNT_TOO_LARGE = _l("The amount is too large.")


def _cleaned(valuelist) -> str | None:
    if not valuelist:
        return None
    return _SPACES.sub("", str(valuelist[0] or ""))


class _NumberField(Field):
    widget = TextInput()
    inputmode = "numeric"

    def __init__(self, label=None, validators=None, render_kw=None, **kwargs):
        render_kw = {"inputmode": self.inputmode, "autocomplete": "off", **(render_kw or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def pre_validate(self, form) -> None:
        if self.process_errors:  # not a number: that one message, not also "must be at least 1"
            raise StopValidation()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)


class IntField(_NumberField):
    """A whole number ("1 000" allowed); letters say "Must be a number.", never "required"."""

    def process_formdata(self, valuelist) -> None:
        text = _cleaned(valuelist)
        if text is None:
            return
        self.data = None
        if text == "":
            return
        if not _WHOLE.fullmatch(text):
            raise ValueError(NOT_A_WHOLE_NUMBER if _DECIMAL.fullmatch(text) else NOT_A_NUMBER)
        if len(text.lstrip("+-").lstrip("0")) > len(str(INT_MAX)):
            raise ValueError(TOO_LARGE)
        number = int(text)
        if abs(number) > INT_MAX:
            raise ValueError(TOO_LARGE)
        self.data = number


class MoneyField(_NumberField):
    """An amount or another decimal ("12 500,50" or "12500.50"): at most two decimals, at most ``MONEY_MAX``;
    NaN, infinities and exponents are not numbers. ``data`` is a ``Decimal`` (or None when empty)."""

    inputmode = "decimal"

    def process_formdata(self, valuelist) -> None:
        text = _cleaned(valuelist)
        if text is None:
            return
        self.data = None
        if text == "":
            return
        if not _DECIMAL.fullmatch(text):
            raise ValueError(NOT_A_NUMBER)
        negative = text.startswith("-")
        amount, problem = parse_amount(text.lstrip("+-"))
        if problem == "too_large":
            raise ValueError(AMOUNT_TOO_LARGE)
        if problem == "too_many_decimals":
            raise ValueError(TOO_MANY_DECIMALS)
        if problem is not None or amount is None:
            raise ValueError(NOT_A_NUMBER)
        self.data = -amount if negative else amount


#: The same field for decimals that are not money (hours, percentages): the same rules, a clearer name.
DecimalNumberField = MoneyField


def coerce_id(value) -> int | None:
    """``coerce`` for a select of ids: an id within ``INT_MAX`` or None (empty); anything else is not a choice."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or len(text) > len(str(INT_MAX)):
            raise ValueError(NOT_A_NUMBER)
        number = int(text)
    if not 0 <= number <= INT_MAX:
        raise ValueError(NOT_A_NUMBER)
    return number


def coerce_required_id(value) -> int:
    """``coerce`` for a multiple select of ids (``coerce=int`` with bounds)."""
    number = coerce_id(value)
    if number is None:
        raise ValueError(NOT_A_NUMBER)
    return number


class NotBefore:
    """Validator for the end of a range: not before the field named ``start`` (an inverted range is an error
    next to the end, never a search that silently finds nothing)."""

    def __init__(self, start: str):
        self.start = start

    def __call__(self, form, field) -> None:
        start = form[self.start]
        if field.data is not None and start.data is not None and not start.errors and field.data < start.data:
            from flask_babel import gettext

            raise StopValidation(gettext("Must not be before «%(start)s».", start=start.label.text))
