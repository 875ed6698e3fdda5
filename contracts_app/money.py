"""Money: the one rounding rule and the largest amount, shared by pricing, budgets and the rules engine.

Pure (no Flask, no database): the rules engine imports it too. Amounts are ``Decimal`` NOK; the database
stores them as ``Numeric(14, 2)``.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ORE = Decimal("0.01")
#: Largest amount accepted or produced anywhere: fits ``Numeric(14, 2)``.
MONEY_MAX = Decimal("999999999999.99")


def round_money(x: Decimal) -> Decimal:
    """Round to whole øre, half up — the one rounding rule of the product."""
    if not isinstance(x, Decimal):
        raise TypeError(f"round_money needs a Decimal, not {type(x).__name__}")
    return x.quantize(ORE, rounding=ROUND_HALF_UP)


def parse_amount(text: object) -> tuple[Decimal | None, str | None]:
    """Read an amount typed the Norwegian or the English way ("12 500,50", "12500.50").

    Returns (amount, None), or (None, problem) with problem one of ``not_a_number``, ``too_large``,
    ``too_many_decimals``, ``negative``. The caller words the message and decides whether zero is allowed.
    """
    cleaned = str(text if text is not None else "").strip().replace(" ", "").replace("\xa0", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None, "not_a_number"
    if not amount.is_finite():
        return None, "not_a_number"
    if amount.copy_abs() > MONEY_MAX:  # copy_abs never traps: abs() of 1e999999999 overflows the context
        return None, "too_large"
    if amount != amount.quantize(ORE):
        return None, "too_many_decimals"
    if amount < 0:
        return None, "negative"
    return round_money(amount), None
