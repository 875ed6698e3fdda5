"""Checking a course's rates: amounts in whole øre within the limit, one rate per date, the first sellable day
covered. The refusals carry bokmål and English side by side (:class:`.values.PriceError`)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Sequence

from ... import formats
from ...money import MONEY_MAX, ORE
from .units import PER_EN, PER_NB, PriceUnit, unit_or_none
from .values import PriceError, Rate


def validate_rates(unit: PriceUnit | str, rates: Sequence[Rate], first_sellable_date: date) -> list[PriceError]:
    """Problems with a course's rates; ``[]`` when they are fine.

    Each amount must be a ``Decimal`` above 0, at most :data:`MONEY_MAX` and in whole øre; ``valid_from``
    dates must be unique; there must be at least one rate; and the earliest rate must be in force on
    ``first_sellable_date`` (the first day the course can be bought). Fields: ``rates[i].amount``,
    ``rates[i].valid_from``, ``rates``.
    """
    price_unit = unit_or_none(unit)
    errors = [] if price_unit else [PriceError("unit", "Ukjent prismodell.", "Unknown price model.")]
    errors.extend(check_rates(price_unit, rates))
    if errors or not isinstance(first_sellable_date, date):
        return errors
    earliest = min(range(len(rates)), key=lambda i: rates[i].valid_from)
    first_from = rates[earliest].valid_from
    if first_from > first_sellable_date:
        errors.append(
            PriceError(
                f"rates[{earliest}].valid_from",
                f"Den første prisen gjelder fra {formats.date(first_from)}, men kurset kan kjøpes fra "
                f"{formats.date(first_sellable_date)}. Legg inn en pris som gjelder fra {formats.date(first_sellable_date)} "
                "eller tidligere.",
                f"The first rate starts on {formats.date(first_from)}, but the course can be bought from "
                f"{formats.date(first_sellable_date)}. Add a rate that starts on {formats.date(first_sellable_date)} or earlier.",
            )
        )
    return errors


def check_rates(unit: PriceUnit | None, rates: Sequence[Rate]) -> list[PriceError]:
    """Everything :func:`validate_rates` checks except coverage of the first sellable date."""
    errors: list[PriceError] = []
    per_nb = " " + PER_NB[unit] if unit else ""
    per_en = " " + PER_EN[unit] if unit else ""
    if not rates:
        return [PriceError("rates", "Legg inn minst én pris.", "Enter at least one rate.")]
    seen: set[date] = set()
    for i, rate in enumerate(rates):
        if not isinstance(rate, Rate):
            errors.append(PriceError(f"rates[{i}]", "Ugyldig pris.", "Invalid rate."))
            continue
        amount = rate.amount
        if not isinstance(amount, Decimal) or not amount.is_finite():
            errors.append(
                PriceError(
                    f"rates[{i}].amount",
                    "Prisen må være et beløp i kroner og øre.",
                    "The rate must be an amount in kroner and øre.",
                )
            )
        elif amount <= 0:
            errors.append(
                PriceError(
                    f"rates[{i}].amount",
                    f"Prisen{per_nb} må være mer enn {formats.money(0)}.",
                    f"The rate{per_en} must be more than {formats.money(0)}.",
                )
            )
        elif amount > MONEY_MAX:
            errors.append(
                PriceError(
                    f"rates[{i}].amount",
                    f"Prisen{per_nb} kan være høyst {formats.money(MONEY_MAX)}.",
                    f"The rate{per_en} can be at most {formats.money(MONEY_MAX)}.",
                )
            )
        elif amount != amount.quantize(ORE):
            errors.append(
                PriceError(
                    f"rates[{i}].amount",
                    "Prisen kan ha høyst to desimaler (hele øre).",
                    "The rate can have at most two decimals (whole øre).",
                )
            )
        valid_from = rate.valid_from
        if not isinstance(valid_from, date) or isinstance(valid_from, datetime):
            errors.append(
                PriceError(
                    f"rates[{i}].valid_from", "«Gjelder fra» må være en dato.", "“Valid from” must be a date."
                )
            )
        elif valid_from in seen:
            errors.append(
                PriceError(
                    f"rates[{i}].valid_from",
                    f"Det finnes allerede en pris som gjelder fra {formats.date(valid_from)}; hver dato kan bare ha én pris.",
                    f"There is already a rate starting on {formats.date(valid_from)}; each date can have only one rate.",
                )
            )
        else:
            seen.add(valid_from)
    return errors
