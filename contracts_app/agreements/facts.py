"""Build the rules engine's facts (rules-engine-contract.md) from an agreement and its parties.

The buyer is the first party with role ``buyer`` (else the first party), the supplier the first with role
``supplier`` (else the second). A Nav office party is the legal person of the side chosen (NAV-01). For a
cooperation agreement every party goes into ``cooperation.parties``; an empty answer is left out (unknown),
never sent as false.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..organisations.models import UnitKind
from ..purchases.facts import party as entity_party
from ..rules.dates import add_months
from .models import Agreement, AgreementKind, AgreementParty

PUBLIC_TYPES = {"state", "municipality", "county_municipality", "public_body"}


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from start to end (inclusive end), at least 1."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) <= end:
        months += 1
    return max(1, months)


def party_facts(p: AgreementParty) -> dict[str, Any]:
    if p.legal_entity is not None:
        return entity_party(p.legal_entity)
    out: dict[str, Any] = {"name": p.name, "entity_id": p.org_number}
    if p.legal_type:
        out["legal_type"] = p.legal_type
        out["is_contracting_authority"] = p.legal_type in PUBLIC_TYPES
        out["is_central_government"] = p.legal_type == "state"
    return out


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def agreement_facts(a: Agreement, *, today: dt.date) -> dict[str, Any]:
    parties = list(a.parties)
    buyer = next((p for p in parties if p.role == "buyer"), parties[0] if parties else None)
    supplier = next((p for p in parties if p.role == "supplier" and p is not buyer), None)
    if supplier is None:
        supplier = next((p for p in parties if p is not buyer), None)
    facts: dict[str, Any] = {
        "schema_version": 1,
        "reference_date": (a.start_date or today).isoformat(),
        "buyer": party_facts(buyer) if buyer else None,
        "supplier": party_facts(supplier) if supplier else None,
    }
    same = buyer is not None and supplier is not None and buyer.org_number == supplier.org_number
    if same:
        facts["relationship"] = {}  # one legal person: in-house within the entity (EXC-INH-01)
    # Otherwise no relationship is sent: no kind of agreement here claims extended in-house (a cooperation claims
    # the horizontal exemption, the others follow a procurement), so the engine asks no in-house questions.
    value: dict[str, Any] = {}
    if a.estimated_value is not None:
        value["base_nok"] = _num(a.estimated_value)
    if a.options_value is not None:
        value["options_nok"] = _num(a.options_value)
    if a.start_date and a.end_date:
        value["duration_months"] = months_between(a.start_date, a.end_date) + sum(int(m) for m in a.option_plan or [])
    contract: dict[str, Any] = {"pecuniary": True, "value": value}
    if a.cpv_codes:
        contract["cpv"] = list(a.cpv_codes)
        if all(str(c).startswith("80") for c in a.cpv_codes):
            contract["category"] = "special_services"  # education and training services (THR-08)
    facts["contract"] = contract
    facts["related_purchases"] = []
    if a.kind == AgreementKind.cooperation:
        coop: dict[str, Any] = {"parties": [_coop_party(p) for p in parties]}
        coop["private_party_in_contract"] = any(p.legal_type == "private" for p in parties) if all(p.legal_type for p in parties) else None
        coop["common_objectives_documented"] = True if (a.common_objectives or "").strip() else None
        for key in ("public_interest_only", "third_party_subcontracting"):
            if getattr(a, key) is not None:
                coop[key] = getattr(a, key)
        for key in ("pricing", "activity_basis", "projection_reason", "private_operator_advantaged"):
            if getattr(a, key):
                coop[key] = getattr(a, key)
        facts["cooperation"] = {k: v for k, v in coop.items() if v is not None}
        facts["docs"] = {"coop_agreement_written": True}
    nav = next((p for p in parties if p.unit is not None and p.unit.kind == UnitKind.nav_office), None)
    if nav is not None and nav is buyer:
        block: dict[str, Any] = {"price_type": "anskaffelse"}
        if nav.nav_side is not None:
            block["contracting_side"] = nav.nav_side.value
        if a.measure_code:
            block["measure_code"] = a.measure_code
        if a.kind == AgreementKind.call_off:
            block["mode"] = "enkeltplass"
        facts["nav"] = block
    return facts


class _Draft:
    """An agreement seen with a wizard step's unsaved values laid over it (read-only: nothing is written)."""

    def __init__(self, base: Any, values: dict[str, Any]):
        self._base, self._values = base, values

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__["_values"]
        return values[name] if name in values else getattr(self.__dict__["_base"], name)


def draft_view(a: Agreement, step: str, values: dict[str, Any], parties: list | None, *, resolve) -> Any:
    """``a`` as it would be after saving ``step`` with ``values`` and ``parties`` (what :func:`parsing.parse_step`
    returns), for :func:`agreement_facts`. ``resolve(model, id)`` loads a unit or legal entity (the session's
    ``get``). Nothing is added to the session and the agreement is not changed."""
    from ..organisations.models import LegalEntity, Side, Unit

    over = {k: v for k, v in values.items() if k != "covered_unit_ids"}
    if step == "parties" and parties is not None:
        rows = []
        saved = list(a.parties)
        for i, row in enumerate(parties):
            unit = resolve(Unit, row["unit_id"]) if row.get("unit_id") else None
            entity = resolve(LegalEntity, row["legal_entity_id"]) if row.get("legal_entity_id") else None
            side = row.get("nav_side")
            # like the save: a row keeps its cooperation answers while it is the same legal entity
            base = saved[i] if i < len(saved) and saved[i].org_number == row.get("org_number") else _NO_PARTY
            rows.append(_Draft(base, {
                **row, "unit": unit, "legal_entity": entity, "nav_side": Side(side) if side else None,
            }))
        over["parties"] = rows
    elif step == "cooperation" and parties is not None:
        over["parties"] = [_Draft(p, row) for p, row in zip(a.parties, parties)] + list(a.parties)[len(parties):]
    return _Draft(a, over)


class _NoParty:
    """The cooperation fields of a party that is not saved yet: all unknown."""

    statutory_task = contributions = payment_only = open_market_share_pct = None
    name = org_number = legal_type = role = None
    unit = legal_entity = nav_side = None


_NO_PARTY = _NoParty()


def _coop_party(p: AgreementParty) -> dict[str, Any]:
    contributions = [c.strip() for c in (p.contributions or "").splitlines() if c.strip()]
    # The same name and entity_id as party_facts gives the buyer and supplier: EXC-HOR-01 requires both to be
    # among the cooperation's parties, compared by entity_id.
    who = party_facts(p)
    return {
        "name": who["name"],
        "entity_id": who["entity_id"],
        "public_service_task": (p.statutory_task or "").strip() or None,
        "contributions": contributions,
        "payment_only": p.payment_only,
        "open_market_share_pct": _num(p.open_market_share_pct),
    }
