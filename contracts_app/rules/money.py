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
