"""Labels for the agreement's sections and the fields a version diff names (translated). Kinds, statuses and
party roles carry their own labels (:class:`~contracts_app.vocab.LabelledEnum`)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from .models import PartyRole

SECTIONS = {
    "parties": _l("Parties"),
    "subject": _l("Subject"),
    "period": _l("Period and options"),
    "value": _l("Value and price terms"),
    "cooperation": _l("Cooperation"),
    "general": _l("General"),
}
FIELDS = {
    "kind": _l("Kind"), "covered_unit_ids": _l("Further units covered"), "title": _l("Title"), "subject": _l("Subject"), "cpv_codes": _l("CPV codes"),
    "measure_code": _l("Nav measure"), "procurement_case_ref": _l("Procurement case number"),
    "procurement_notice_ref": _l("Notice reference"), "parent_id": _l("Made under the agreement"), "start_date": _l("Start date"), "end_date": _l("End date"),
    "option_scheme": _l("Options"), "option_plan": _l("Option lengths (months)"), "max_duration_months": _l("Maximum duration (months)"),
    "estimated_value": _l("Estimated value (NOK excl. VAT)"), "options_value": _l("Value of the options (NOK)"),
    "price_terms": _l("Price terms"), "common_objectives": _l("Common objectives"), "governance": _l("Governance and joint strategy"),
    "cost_sharing": _l("Cost sharing"), "pricing": _l("Pricing between the parties"), "activity_basis": _l("Basis for the market shares"),
    "projection_reason": _l("Why projections are used for the market shares"),
    "market_share_monitoring": _l("How the market shares are monitored"), "public_interest_only": _l("Governed only by public-interest considerations"),
    "third_party_subcontracting": _l("Core service subcontracted to a third party"), "subcontracting_note": _l("Subcontracting"),
    "private_operator_advantaged": _l("Private operator advantaged"), "review_and_exit": _l("Review and exit"),
    "role": _l("role"), "legal_entity_id": _l("registered organisation"), "unit_id": _l("unit"), "nav_side": _l("Nav side"),
    "name": _l("name"), "org_number": _l("organisation number"), "legal_type": _l("legal type"), "contact_name": _l("contact person"),
    "contact_email": _l("contact e-mail"), "contact_phone": _l("contact phone"), "statutory_task": _l("statutory task"),
    "contributions": _l("contributions"), "payment_only": _l("contributes only money"),
    "open_market_share_pct": _l("share sold on the open market (%)"), "position": _l("position"),
}
_PARTY = re.compile(r"^parties\[(\d+)\]\.(\w+)$")


def section_label(value) -> str:
    return str(SECTIONS.get(value, value))


def field_label(path: str) -> str:
    if path in FIELDS:
        return str(FIELDS[path])
    m = _PARTY.match(path)
    if m:
        return str(_l("Party %(n)s", n=int(m.group(1)) + 1)) + ": " + str(FIELDS.get(m.group(2), m.group(2)))
    if path.startswith("parties"):
        return str(_l("Parties"))
    return path


def template_globals() -> dict:
    return {
        "section_label": section_label, "party_role_label": PartyRole.label_of, "agreement_field_label": field_label,
    }
