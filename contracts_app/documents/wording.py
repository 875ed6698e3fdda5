"""How the documents word values: bokmål labels and the formats of dates, amounts and yes/no (pure).

Documents are always in bokmål, whatever the user's interface language, because they are the legal text the
parties sign.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..clock import OSLO
from ..i18n import money as fmt_money

VERDICT_NB = {
    "below_scope": "Under nedre terskel i anskaffelsesloven",
    "procurement_required": "Anskaffelsesregelverket gjelder",
    "exempt": "Unntatt fra anskaffelsesregelverket",
    "not_procurement_grant": "Tilskudd, ikke anskaffelse",
    "needs_assessment": "Krever juridisk skjønn",
}
REGIME_NB = {
    "part_I": "FOA del I", "part_I_II": "FOA del I og II", "part_I_III": "FOA del I og III",
    "part_I_II_plus_III_special": "FOA del I og II og del III for særlige tjenester", "part_I_VI": "FOA del I og VI",
}
KIND_NB = {
    "cooperation": "samarbeidsavtale (offentlig-offentlig samarbeid)", "procurement": "rammeavtale/kontrakt etter anskaffelse",
    "call_off": "avrop/enkeltplasskjøp under avtale", "internal_order": "intern bestilling i samme rettssubjekt",
}
LEGAL_TYPE_NB = {
    "state": "staten", "municipality": "kommune", "county_municipality": "fylkeskommune", "public_body": "offentlig organ",
    "mixed_company": "selskap med offentlige og private eiere", "foundation": "stiftelse", "private": "privat virksomhet",
}
ROLE_NB = {"buyer": "kjøper", "supplier": "leverandør", "partner": "samarbeidspart"}
PRICING_NB = {"own_costs_each": "hver part bærer egne kostnader", "cost_reimbursement": "dekning av kostnader",
              "market_price_margin": "markedspris med fortjeneste"}
BASIS_NB = {"avg_turnover_3y": "gjennomsnittlig omsetning siste tre år", "alt_measure_3y": "annet aktivitetsmål siste tre år",
            "projection": "framskrivning"}
ADVANTAGED_NB = {"no": "nei", "yes": "ja", "unknown": "ikke avklart"}
SIDE_NB = {"state": "statlig side", "municipal": "kommunal side"}
UNKNOWN = "ikke oppgitt"


def date_text(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else UNKNOWN


def money_text(value: Decimal | None) -> str:
    return fmt_money(value) if value is not None else UNKNOWN


def text(value: str | None) -> str:
    return (value or "").strip() or UNKNOWN


def yes_no(value: bool | None) -> str:
    return {True: "ja", False: "nei"}.get(value, UNKNOWN)


def findings(items) -> list[dict[str, str]]:
    """The engine's findings (reasons, warnings, obligations) as the templates list them."""
    return [{"rule_id": f["rule_id"], "message": f["message"], "citation": f.get("citation", "")} for f in items or []]


def timestamp_text(at: dt.datetime) -> str:
    """When a document was made or a decision taken, in Oslo time."""
    return at.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")
