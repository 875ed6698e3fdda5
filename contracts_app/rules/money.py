"""Money and percentage helpers for the rules engine.

All amounts are ``decimal.Decimal`` NOK excluding VAT. There is exactly one rounding rule
(half up to whole øre, :func:`to_ore`), applied once to a computed value before it is compared
with a threshold, so the figure shown in the assessment is the figure that was compared.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..money import MONEY_MAX, ORE

ZERO = Decimal(0)
HUNDRED = Decimal(100)
EIGHTY = Decimal(80)
TWENTY = Decimal(20)
FORTY_EIGHT = 48

#: Largest amount accepted on input (the product's limit): keeps every sum well inside the default
#: 28-digit decimal context, so quantize never raises.
MAX_AMOUNT = MONEY_MAX


# Rounded values and output strings by value: amounts repeat across a batch and quantize() is one of
# the most expensive operations per assessment. Bounded so a long-running process cannot grow them.
_CACHE_LIMIT = 8192
_ore_cache: dict[Decimal, Decimal] = {}
_str_cache: dict[Decimal, str] = {}


def to_ore(value: Decimal) -> Decimal:
    """:func:`contracts_app.money.round_money` (the one rounding rule), cached because the engine rounds
    the same few values over and over."""
    found = _ore_cache.get(value)
    if found is None:
        found = value.quantize(ORE, ROUND_HALF_UP)
        if len(_ore_cache) < _CACHE_LIMIT:
            _ore_cache[value] = found
    return found


def amount_str(value: Decimal | None) -> str | None:
    """Output format of amounts in an assessment: a decimal string with exactly two decimals."""
    if value is None:
        return None
    found = _str_cache.get(value)
    if found is None:
        found = str(value.quantize(ORE, ROUND_HALF_UP))
        if len(_str_cache) < _CACHE_LIMIT:
            _str_cache[value] = found
    return found


#: Formatted amounts by value: messages repeat the same figures (thresholds, common prices) in
#: every assessment, and formatting is the most expensive part of building a message.
_FORMAT_CACHE_LIMIT = 4096
_nb_cache: dict[Decimal, str] = {}
_en_cache: dict[Decimal, str] = {}


def _grouped(value: Decimal) -> str:
    """``1234567.5`` → ``1,234,567.50``; whole kroner without decimals (``240,000``)."""
    text = format(value.quantize(ORE, ROUND_HALF_UP), ",.2f")
    return text[:-3] if text.endswith(".00") else text


def nok_nb(value: Decimal) -> str:
    """Norwegian display: ``kr 12 345,50`` (whole kroner without decimals: ``kr 240 000``)."""
    found = _nb_cache.get(value)
    if found is None:
        found = "kr\u00a0" + _grouped(value).replace(",", "\u00a0").replace(".", ",")
        if len(_nb_cache) < _FORMAT_CACHE_LIMIT:
            _nb_cache[value] = found
    return found


def nok_en(value: Decimal) -> str:
    """English display: ``NOK 12,345.50`` (whole kroner without decimals: ``NOK 240,000``)."""
    found = _en_cache.get(value)
    if found is None:
        found = "NOK " + _grouped(value)
        if len(_en_cache) < _FORMAT_CACHE_LIMIT:
            _en_cache[value] = found
    return found


def pct_nb(value: Decimal) -> str:
    """Norwegian percentage: ``80,1 %``."""
    return f"{value.normalize():f}".replace(".", ",") + "\u00a0%"


def pct_en(value: Decimal) -> str:
    """English percentage: ``80.1%``."""
    return f"{value.normalize():f}%"
