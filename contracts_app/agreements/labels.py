"""Labels for the agreement's sections, the fields a version diff names and the values it shows (translated).
Kinds, statuses and party roles carry their own labels (:class:`~contracts_app.vocab.LabelledEnum`); the coded
answers of the wizard (option schemes, pricing, market-share basis …) have theirs here, for the forms and the diff."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from flask_babel import gettext, lazy_gettext as _l, ngettext

from .. import formats
from ..organisations.models import LegalType, Side
from ..vocab import MeasureCode
from .models import AgreementKind, PartyRole

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

# The coded answers of the wizard, value → label (the forms' choices and the diff's values).
OPTION_SCHEMES = {
    "none": _l("No options"), "2+1": _l("2+1 (two years plus one optional year)"),
    "1+1+1": _l("1+1+1 (one year plus two optional years)"), "custom": _l("Custom"),
}
PRICING = {
    "own_costs_each": _l("Each party bears its own costs"), "cost_reimbursement": _l("Reimbursement of costs"),
    "market_price_margin": _l("Market price with a margin"),
}
ACTIVITY_BASES = {
    "avg_turnover_3y": _l("Average turnover, last three years"), "alt_measure_3y": _l("Other activity measure, last three years"),
    "projection": _l("Business projection"),
}
PROJECTION_REASONS = {
    "new_entity": _l("A new entity (less than three years of figures)"), "new_activity": _l("A new activity"),
    "reorganisation": _l("A reorganisation"), "none": _l("None of these: three years of figures exist"),
}
PRIVATE_ADVANTAGED = {"no": _l("No"), "yes": _l("Yes"), "unknown": _l("Unknown — needs a legal assessment")}
_CODED = {
    "option_scheme": OPTION_SCHEMES, "pricing": PRICING, "activity_basis": ACTIVITY_BASES,
    "projection_reason": PROJECTION_REASONS, "private_operator_advantaged": PRIVATE_ADVANTAGED,
}
_ENUMS = {"kind": AgreementKind, "role": PartyRole, "nav_side": Side, "legal_type": LegalType, "measure_code": MeasureCode}
_DATES = {"start_date", "end_date"}
_MONEY = {"estimated_value", "options_value"}
#: Fields holding ids, and the kind of thing they name (the names come from :func:`.queries.diff_names`).
ID_FIELDS = {"covered_unit_ids": "unit", "unit_id": "unit", "legal_entity_id": "legal_entity", "parent_id": "agreement"}
_OPTION_NOTE = re.compile(r"^option (\d+)( undone)?$")
NONE_SHOWN = "—"


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


def field_key(path: str) -> str:
    """The field a diff path names: ``parties[1].role`` → ``role``."""
    m = _PARTY.match(path)
    return m.group(2) if m else path


def field_value(path: str, value: Any, names: Mapping[tuple[str, int], str] | None = None) -> str:
    """A value of a version snapshot as people read it: dates ``12.01.2026``, amounts ``kr 12 345,00``,
    codes by their labels, ids by the names in ``names`` ((kind, id) → name), yes/no in words."""
    key = field_key(path)
    if value is None or value == "" or value == []:
        return NONE_SHOWN
    if key in ID_FIELDS:
        kind = ID_FIELDS[key]
        ids = value if isinstance(value, list) else [value]
        return ", ".join((names or {}).get((kind, _int(i)), gettext("no. %(id)s", id=i)) for i in ids)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if key in _DATES:
        try:
            return formats.date(dt.date.fromisoformat(str(value)[:10]))
        except ValueError:
            return str(value)
    if key in _MONEY:
        try:
            return formats.money(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return str(value)
    if key == "open_market_share_pct":
        try:
            return formats.percent(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return str(value)
    if key == "max_duration_months":
        n = _int(value)
        return ngettext("%(num)d month", "%(num)d months", n) if n is not None else str(value)
    if key == "option_plan" and isinstance(value, list):
        return gettext("%(plan)s months", plan=" + ".join(str(v) for v in value))
    if key in _ENUMS:
        return _ENUMS[key].label_of(value)
    if key in _CODED:
        return str(_CODED[key].get(value, value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):  # not expected in a snapshot: never show JSON
        return "; ".join(f"{field_label(str(k))}: {field_value(str(k), v, names)}" for k, v in value.items())
    return str(value)


def version_note(note: str | None) -> str:
    """What a version records, in words: the wizard step saved, the agreement created, an option exercised or undone."""
    if not note:
        return NONE_SHOWN
    if note == "created":
        return gettext("Created")
    if note in SECTIONS:
        return gettext("%(section)s changed", section=section_label(note))
    m = _OPTION_NOTE.match(note)
    if m:
        n = int(m.group(1))
        return gettext("Option %(n)d undone", n=n) if m.group(2) else gettext("Option %(n)d exercised", n=n)
    return note


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def diff_rows(changes) -> list[tuple[str, str, str]]:
    """The version diff as (field label, old value, new value) in words, for the page; one query per kind of id."""
    from ..db import get_session
    from .queries import diff_names

    names = diff_names(get_session(), changes)
    return [(field_label(path), field_value(path, old, names), field_value(path, new, names)) for path, old, new in changes]


def template_globals() -> dict:
    return {
        "section_label": section_label, "party_role_label": PartyRole.label_of, "agreement_field_label": field_label,
        "agreement_field_value": field_value, "agreement_version_note": version_note, "agreement_diff_rows": diff_rows,
        "measure_label": MeasureCode.label_of, "option_scheme_label": lambda v: str(OPTION_SCHEMES.get(v, v)),
    }
