"""Translate between the rules check form and the engine's facts document, both ways.

Form → facts: an empty field is left out (unknown), never sent as false. Facts → form: used to reopen a saved
scenario or an imported facts file. Facts the form has no field for are kept in ``extra`` and merged back,
so a round trip through the form loses nothing.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..organisations.models import LegalEntity

#: Fact (inside ``grant`` / ``transfer``) → the rules check field that answers it.
GRANT_FIELDS = (
    ("initiative", "grant_initiative"), ("reciprocal_obligation", "grant_reciprocal"),
    ("authority_specifies_detail", "grant_specifies_detail"), ("payment_proportional_to_delivery", "grant_proportional"),
    ("sanction", "grant_sanction"), ("standard_terms_open_to_all", "grant_standard_terms"),
)
GRANT_ENUMS = {"initiative", "sanction"}
TRANSFER_FIELDS = (
    ("receiver_has_powers", "transfer_powers"), ("receiver_financial_independence", "transfer_independence"),
    ("transferor_relinquishes_responsibility", "transfer_relinquishes"),
)

TRI = {"yes": True, "no": False}
TRI_BACK = {True: "yes", False: "no"}


def _tri(value: str | None) -> bool | None:
    return TRI.get(value or "")


def _num(value: Decimal | int | None) -> str | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _put(target: dict, key: str, value: Any) -> None:
    if value is not None and value != "" and value != []:
        target[key] = value


def party_from_form(form, prefix: str, entities: dict[str, LegalEntity]) -> dict[str, Any]:
    chosen = getattr(form, f"{prefix}_entity").data
    if chosen and chosen != "other" and chosen in entities:
        e = entities[chosen]
        return {
            "name": e.name, "entity_id": e.org_number, "legal_type": e.legal_type.value,
            "is_contracting_authority": e.is_contracting_authority, "is_central_government": e.is_central_government,
        }
    out: dict[str, Any] = {
        "name": (getattr(form, f"{prefix}_name").data or "").strip() or None,
        "entity_id": (getattr(form, f"{prefix}_entity_id").data or "").strip() or None,
    }
    _put(out, "legal_type", getattr(form, f"{prefix}_legal_type").data or None)
    _put(out, "is_contracting_authority", _tri(getattr(form, f"{prefix}_is_ca").data))
    _put(out, "is_central_government", _tri(getattr(form, f"{prefix}_is_central").data))
    return out


def parse_related(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Lines "date; amount; same need" → related purchases, and a message per bad line."""
    items, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace(",", ";").split(";")] if ";" in line else line.split()
        try:
            when = dt.date.fromisoformat(parts[0]) if "-" in parts[0] else dt.datetime.strptime(parts[0], "%d.%m.%Y").date()
            amount = Decimal(parts[1].replace(" ", "").replace("\xa0", ""))
            if amount < 0 or not amount.is_finite():
                raise ValueError
            same = parts[2].lower() in ("yes", "ja", "true", "1") if len(parts) > 2 else None
        except (ValueError, IndexError, ArithmeticError):
            problems.append(str(number))
            continue
        item: dict[str, Any] = {"value_nok": _num(amount), "date": when.isoformat()}
        _put(item, "same_need", same)
        items.append(item)
    return items, problems


def facts_from_form(form, entities: dict[str, LegalEntity], extra: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Build a facts document (schema version 1). Returns the facts and the numbers of unreadable lines."""
    f = form
    facts: dict[str, Any] = dict(extra or {})
    facts["schema_version"] = 1
    facts["reference_date"] = f.reference_date.data.isoformat() if f.reference_date.data else None
    facts["buyer"] = party_from_form(f, "buyer", entities)
    facts["supplier"] = party_from_form(f, "supplier", entities)
    # A private company cannot be controlled as in-house: the form hides those questions, and their answers
    # (typed before the supplier was chosen) are not sent, so the engine does not ask them either.
    in_house = facts["supplier"].get("legal_type") != "private"
    if in_house:
        if f.supplier_activity_pct.data is not None:
            facts["supplier"]["activity_for_controllers_pct"] = _num(f.supplier_activity_pct.data)
        _put(facts["supplier"], "activity_basis", f.supplier_activity_basis.data or None)
        _put(facts["supplier"], "projection_reason", f.supplier_projection_reason.data or None)
        _put(facts["supplier"], "direct_private_capital", _tri(f.supplier_private_capital.data))
        _put(facts["supplier"], "private_capital_required_by_law_noncontrolling", _tri(f.supplier_private_capital_by_law.data))

    rel: dict[str, Any] = {}
    _put(rel, "control", f.control.data or None)
    joint = {}
    _put(joint, "representation_all", _tri(f.joint_representation_all.data))
    _put(joint, "joint_decisive_influence", _tri(f.joint_decisive_influence.data))
    _put(joint, "no_contrary_interests", _tri(f.joint_no_contrary_interests.data))
    _put(rel, "joint_control", joint or None)
    _put(rel, "inverse_or_sister", _tri(f.inverse_or_sister.data))
    if in_house:
        facts["relationship"] = rel
    else:
        facts.pop("relationship", None)  # no in-house claim: the engine asks nothing about control

    value: dict[str, Any] = {}
    for name in ("base_nok", "options_nok", "extensions_nok", "monthly_nok", "framework_max_nok"):
        _put(value, name, _num(getattr(f, name).data))
    _put(value, "duration_months", f.duration_months.data)
    contract: dict[str, Any] = {"value": value}
    _put(contract, "pecuniary", _tri(f.pecuniary.data))
    _put(contract, "category", f.category.data or None)
    _put(contract, "cpv", [c.strip() for c in (f.cpv.data or "").split(",") if c.strip()])
    facts["contract"] = contract

    related, problems = parse_related(f.related_purchases.data)
    facts["related_purchases"] = related

    facts.pop("cooperation", None)
    if f.cooperation_claimed.data:
        parties = []
        for prefix in ("buyer", "supplier"):
            p: dict[str, Any] = {"name": facts[prefix].get("name") or prefix, "entity_id": facts[prefix].get("entity_id") or prefix}
            p["public_service_task"] = (getattr(f, f"{prefix}_task").data or "").strip() or None
            p["contributions"] = [c.strip() for c in (getattr(f, f"{prefix}_contributions").data or "").split(",") if c.strip()]
            p["payment_only"] = _tri(getattr(f, f"{prefix}_payment_only").data)
            share = getattr(f, f"{prefix}_market_pct").data
            p["open_market_share_pct"] = _num(share) if share is not None else None
            parties.append(p)
        coop: dict[str, Any] = {"parties": parties}
        _put(coop, "private_party_in_contract", _tri(f.private_party.data))
        _put(coop, "common_objectives_documented", _tri(f.common_objectives.data))
        _put(coop, "public_interest_only", _tri(f.public_interest_only.data))
        _put(coop, "pricing", f.pricing.data or None)
        _put(coop, "activity_basis", f.coop_activity_basis.data or None)
        _put(coop, "projection_reason", f.coop_projection_reason.data or None)
        _put(coop, "private_operator_advantaged", f.private_advantaged.data or None)
        _put(coop, "third_party_subcontracting", _tri(f.subcontracting.data))
        facts["cooperation"] = coop

    facts.pop("nav", None)
    if f.nav_buyer.data:
        nav: dict[str, Any] = {}
        _put(nav, "contracting_side", f.nav_side.data or None)
        _put(nav, "measure_code", f.nav_measure.data or None)
        _put(nav, "mode", f.nav_mode.data or None)
        _put(nav, "price_type", f.nav_price_type.data or None)
        _put(nav, "needs_assessment_done", _tri(f.nav_needs_assessment.data))
        _put(nav, "labour_market_need_documented", _tri(f.nav_labour_market_need.data))
        facts["nav"] = nav

    # Claims: a ticked box sends the block (even empty: the claim is made, its conditions unknown).
    facts.pop("grant", None)
    if f.grant_claimed.data:
        grant: dict[str, Any] = {}
        for key, name in GRANT_FIELDS:
            value = getattr(f, name).data
            _put(grant, key, (value or None) if key in GRANT_ENUMS else _tri(value))
        facts["grant"] = grant
    facts.pop("transfer", None)
    if f.transfer_claimed.data:
        transfer: dict[str, Any] = {}
        for key, name in TRANSFER_FIELDS:
            _put(transfer, key, _tri(getattr(f, name).data))
        facts["transfer"] = transfer

    participant: dict[str, Any] = {}
    _put(participant, "age", f.participant_age.data)
    integration: dict[str, Any] = {}
    _put(integration, "status", f.participant_status.data or None)
    _put(integration, "right_start_date", f.participant_right_start.data.isoformat() if f.participant_right_start.data else None)
    _put(integration, "has_upper_secondary", _tri(f.participant_upper_secondary.data))
    _put(integration, "min_level_reached", _tri(f.participant_min_level.data))
    _put(participant, "integration", integration or None)
    if participant:
        facts["participant"] = participant
    else:
        facts.pop("participant", None)

    docs: dict[str, Any] = {}
    _put(docs, "protocol", _tri(f.doc_protocol.data))
    _put(docs, "exemption_assessment", _tri(f.doc_exemption.data))
    _put(docs, "coop_agreement_written", _tri(f.doc_coop_agreement.data))
    if docs:
        facts["docs"] = docs
    else:
        facts.pop("docs", None)
    return facts, problems


# Facts handled by the form; everything else in an imported document is carried along unchanged.
_FORM_KEYS = {"schema_version", "reference_date", "buyer", "supplier", "relationship", "contract", "related_purchases",
              "cooperation", "nav", "participant", "docs", "grant", "transfer"}


def form_data_from_facts(facts: dict[str, Any], entities_by_org: dict[str, LegalEntity]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Form field values for a facts document, and the facts the form cannot show (kept as ``extra``)."""
    g = lambda d, *path: _dig(d, path)  # noqa: E731
    data: dict[str, Any] = {}
    ref = g(facts, "reference_date")
    data["reference_date"] = _date(ref)
    for prefix in ("buyer", "supplier"):
        party = g(facts, prefix) or {}
        entity = entities_by_org.get(str(party.get("entity_id") or ""))
        data[f"{prefix}_entity"] = str(entity.id) if entity else "other"
        data[f"{prefix}_name"] = party.get("name") or ""
        data[f"{prefix}_entity_id"] = party.get("entity_id") or ""
        data[f"{prefix}_legal_type"] = party.get("legal_type") or ""
        data[f"{prefix}_is_ca"] = TRI_BACK.get(party.get("is_contracting_authority"), "")
        data[f"{prefix}_is_central"] = TRI_BACK.get(party.get("is_central_government"), "")
    data["supplier_activity_pct"] = _dec(g(facts, "supplier", "activity_for_controllers_pct"))
    data["supplier_activity_basis"] = g(facts, "supplier", "activity_basis") or ""
    data["supplier_projection_reason"] = g(facts, "supplier", "projection_reason") or ""
    data["supplier_private_capital"] = TRI_BACK.get(g(facts, "supplier", "direct_private_capital"), "")
    data["supplier_private_capital_by_law"] = TRI_BACK.get(g(facts, "supplier", "private_capital_required_by_law_noncontrolling"), "")
    data["control"] = g(facts, "relationship", "control") or ""
    data["joint_representation_all"] = TRI_BACK.get(g(facts, "relationship", "joint_control", "representation_all"), "")
    data["joint_decisive_influence"] = TRI_BACK.get(g(facts, "relationship", "joint_control", "joint_decisive_influence"), "")
    data["joint_no_contrary_interests"] = TRI_BACK.get(g(facts, "relationship", "joint_control", "no_contrary_interests"), "")
    data["inverse_or_sister"] = TRI_BACK.get(g(facts, "relationship", "inverse_or_sister"), "")
    data["pecuniary"] = TRI_BACK.get(g(facts, "contract", "pecuniary"), "")
    data["category"] = g(facts, "contract", "category") or ""
    cpv = g(facts, "contract", "cpv")
    data["cpv"] = ", ".join(str(c) for c in cpv) if isinstance(cpv, list) else ""
    for name in ("base_nok", "options_nok", "extensions_nok", "monthly_nok", "framework_max_nok"):
        data[name] = _dec(g(facts, "contract", "value", name))
    months = g(facts, "contract", "value", "duration_months")
    data["duration_months"] = months if isinstance(months, int) and not isinstance(months, bool) else None
    lines = []
    for item in g(facts, "related_purchases") or []:
        if isinstance(item, dict):
            same = {True: "yes", False: "no"}.get(item.get("same_need"), "")
            lines.append(f"{item.get('date', '')}; {item.get('value_nok', '')}; {same}".rstrip("; "))
    data["related_purchases"] = "\n".join(lines)
    coop = g(facts, "cooperation")
    data["cooperation_claimed"] = isinstance(coop, dict)
    if isinstance(coop, dict):
        parties = coop.get("parties") if isinstance(coop.get("parties"), list) else []
        for prefix, party in zip(("buyer", "supplier"), parties):
            if not isinstance(party, dict):
                continue
            data[f"{prefix}_task"] = party.get("public_service_task") or ""
            contributions = party.get("contributions")
            data[f"{prefix}_contributions"] = ", ".join(contributions) if isinstance(contributions, list) else ""
            data[f"{prefix}_payment_only"] = TRI_BACK.get(party.get("payment_only"), "")
            data[f"{prefix}_market_pct"] = _dec(party.get("open_market_share_pct"))
        data["private_party"] = TRI_BACK.get(coop.get("private_party_in_contract"), "")
        data["common_objectives"] = TRI_BACK.get(coop.get("common_objectives_documented"), "")
        data["public_interest_only"] = TRI_BACK.get(coop.get("public_interest_only"), "")
        data["pricing"] = coop.get("pricing") or ""
        data["coop_activity_basis"] = coop.get("activity_basis") or ""
        data["coop_projection_reason"] = coop.get("projection_reason") or ""
        data["private_advantaged"] = coop.get("private_operator_advantaged") or ""
        data["subcontracting"] = TRI_BACK.get(coop.get("third_party_subcontracting"), "")
    nav = g(facts, "nav")
    data["nav_buyer"] = isinstance(nav, dict)
    if isinstance(nav, dict):
        data["nav_side"] = nav.get("contracting_side") or ""
        data["nav_measure"] = nav.get("measure_code") or ""
        data["nav_mode"] = nav.get("mode") or ""
        data["nav_price_type"] = nav.get("price_type") or ""
        data["nav_needs_assessment"] = TRI_BACK.get(nav.get("needs_assessment_done"), "")
        data["nav_labour_market_need"] = TRI_BACK.get(nav.get("labour_market_need_documented"), "")
    for block, fields in (("grant", GRANT_FIELDS), ("transfer", TRANSFER_FIELDS)):
        claim = g(facts, block)
        data[f"{block}_claimed"] = isinstance(claim, dict)
        for key, name in fields:
            value = claim.get(key) if isinstance(claim, dict) else None
            if key in GRANT_ENUMS and block == "grant":
                data[name] = value if isinstance(value, str) else ""
            else:
                data[name] = TRI_BACK.get(value, "") if isinstance(value, bool) else ""
    age = g(facts, "participant", "age")
    data["participant_age"] = age if isinstance(age, int) and not isinstance(age, bool) else None
    data["participant_status"] = g(facts, "participant", "integration", "status") or ""
    data["participant_right_start"] = _date(g(facts, "participant", "integration", "right_start_date"))
    data["participant_upper_secondary"] = TRI_BACK.get(g(facts, "participant", "integration", "has_upper_secondary"), "")
    data["participant_min_level"] = TRI_BACK.get(g(facts, "participant", "integration", "min_level_reached"), "")
    data["doc_protocol"] = TRI_BACK.get(g(facts, "docs", "protocol"), "")
    data["doc_exemption"] = TRI_BACK.get(g(facts, "docs", "exemption_assessment"), "")
    data["doc_coop_agreement"] = TRI_BACK.get(g(facts, "docs", "coop_agreement_written"), "")
    extra = {k: v for k, v in facts.items() if k not in _FORM_KEYS}
    return data, extra


def _dig(d: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _dec(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        d = Decimal(str(value))
        return d if d.is_finite() else None
    except ArithmeticError:
        return None
