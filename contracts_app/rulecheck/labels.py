"""Plain-language labels for verdicts, regimes and fact paths in the assessment panel."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

VERDICTS = {
    "below_scope": _l("Below the lower limit of the Procurement Act"),
    "procurement_required": _l("The procurement rules apply"),
    "exempt": _l("Exempt from the procurement rules"),
    "not_procurement_grant": _l("A grant, not a procurement"),
    "needs_assessment": _l("Needs a legal assessment"),
}

REGIMES = {
    "part_I": _l("FOA part I"),
    "part_I_II": _l("FOA parts I and II (national announcement on Doffin)"),
    "part_I_III": _l("FOA parts I and III (EEA procedure)"),
    "part_I_II_plus_III_special": _l("FOA parts I and II plus the part III rules for special services"),
    "part_I_VI": _l("FOA parts I and VI (health and social services)"),
}

FACTS = {
    "reference_date": _l("Reference date"),
    "buyer.is_contracting_authority": _l("Buyer is a contracting authority"),
    "buyer.is_central_government": _l("Buyer is central government"),
    "supplier.is_contracting_authority": _l("Supplier is a contracting authority"),
    "supplier.activity_for_controllers_pct": _l("Share of the supplier's activity performed for its controllers"),
    "supplier.direct_private_capital": _l("Direct private capital in the supplier"),
    "supplier.activity_basis": _l("Basis for the supplier's activity share"),
    "supplier.projection_reason": _l("Why projections are used for the supplier's activity share"),
    "cooperation.activity_basis": _l("Basis for the market shares"),
    "cooperation.projection_reason": _l("Why projections are used for the market shares"),
    "relationship.control": _l("The buyer's control over the supplier"),
    "relationship.joint_control.representation_all": _l("All controlling authorities are represented"),
    "relationship.joint_control.joint_decisive_influence": _l("Joint decisive influence"),
    "relationship.joint_control.no_contrary_interests": _l("No contrary interests"),
    "contract.pecuniary": _l("For payment"),
    "contract.category": _l("What is bought"),
    "contract.value.base_nok": _l("Value for the fixed term"),
    "contract.value.duration_months": _l("Duration in months"),
    "cooperation.private_party_in_contract": _l("A private party is party to the agreement"),
    "cooperation.common_objectives_documented": _l("Common objectives are documented"),
    "cooperation.public_interest_only": _l("Governed only by public-interest considerations"),
    "cooperation.private_operator_advantaged": _l("Is a private operator placed in a better position?"),
    "nav.contracting_side": _l("Which side of the Nav office buys"),
    "nav.needs_assessment_done": _l("Needs assessment done"),
    "participant.integration.status": _l("Participant's status under the Integration Act"),
}

#: The threshold table's figures in words (lower-case: they also stand inside sentences); the one place they are named.
THRESHOLD_NAMES = {
    "lower_limit": _l("lower limit of the Procurement Act"),
    "national": _l("national threshold"),
    "eea_goods_services_central": _l("EEA threshold for goods and services, central government"),
    "eea_goods_services_other": _l("EEA threshold for goods and services, other contracting authorities"),
    "eea_works": _l("EEA threshold for works"),
    "eea_special_health_social": _l("EEA threshold for special services"),
    "small_lot": _l("small lots exempt from part III"),
    "protocol_trigger": _l("procurement protocol required from"),
}


def threshold_name(key: str) -> str:
    return str(THRESHOLD_NAMES.get(key, key))


PARTY_FACTS = {
    "public_service_task": _l("statutory public task"),
    "contributions": _l("contributions"),
    "payment_only": _l("contributes only money"),
    "open_market_share_pct": _l("share sold on the open market"),
    "entity_id": _l("organisation number"),
}

_PARTY = re.compile(r"^cooperation\.parties\[(\d+)\]\.(\w+)$")


def verdict_label(value: str) -> str:
    return str(VERDICTS.get(value, value))


def regime_label(value: str) -> str:
    return str(REGIMES.get(value, value))


def fact_label(path: str) -> str:
    if path in FACTS:
        return str(FACTS[path])
    m = _PARTY.match(path)
    if m and m.group(2) in PARTY_FACTS:
        who = _l("Buyer") if m.group(1) == "0" else _l("Supplier") if m.group(1) == "1" else _l("Party %(n)s", n=int(m.group(1)) + 1)
        return f"{who}: {PARTY_FACTS[m.group(2)]}"
    return path


def template_globals() -> dict:
    from .questions import ask, clean_message, shown_findings

    return {"verdict_label": verdict_label, "regime_label": regime_label, "fact_label": fact_label,
            "threshold_name": threshold_name, "missing_questions": ask, "finding_text": clean_message,
            "shown_findings": shown_findings}
