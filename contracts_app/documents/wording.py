"""How the documents word values: bokmål labels and the formats of dates, amounts and yes/no (pure).

Documents are always in bokmål, whatever the user's interface language, because they are the legal text the
parties sign.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .. import formats
from ..rules.vocab import Term

# Document phrasing of the agreement's kind and a party's role (fuller than a page label: this is the text the
# parties sign). Every other value is worded by the rules engine's vocabulary (``rules/vocab.py``): see term().
KIND_NB = {
    "cooperation": "samarbeidsavtale (offentlig-offentlig samarbeid)", "procurement": "rammeavtale/kontrakt etter anskaffelse",
    "call_off": "avrop/enkeltplasskjøp under avtale", "internal_order": "intern bestilling i samme rettssubjekt",
}
ROLE_NB = {"buyer": "kjøper", "supplier": "leverandør", "partner": "samarbeidspart"}
UNKNOWN = "ikke oppgitt"


def term(vocabulary: type[Term], value, missing: str = UNKNOWN) -> str:
    """The bokmål label of an engine value (verdict, regime, legal type, pricing …), or ``missing``."""
    value = getattr(value, "value", value)
    try:
        return vocabulary(value).label("nb") if value else missing
    except ValueError:
        return str(value)


def date_text(value: dt.date | None) -> str:
    return formats.date(value) if value else UNKNOWN


def money_text(value: Decimal | None) -> str:
    return formats.money(value) if value is not None else UNKNOWN


def text(value: str | None) -> str:
    return (value or "").strip() or UNKNOWN


def yes_no(value: bool | None) -> str:
    return {True: "ja", False: "nei"}.get(value, UNKNOWN)


def findings(items) -> list[dict[str, str]]:
    """The engine's findings (reasons, warnings, obligations) as the templates list them."""
    return [{"rule_id": f["rule_id"], "message": f["message"], "citation": f.get("citation", "")} for f in items or []]


def timestamp_text(at: dt.datetime) -> str:
    """When a document was made or a decision taken, in the product's time zone."""
    return formats.datetime(at)
