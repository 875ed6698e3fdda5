"""Agreements: form and JSON input → validated values. What the wizard, the API and the tests send is parsed
here into the values a service writes, with an error per field (``{"path", "message"}``) for what is wrong.

Reads the session only to resolve the units, legal entities and parent agreements the input names; writes nothing.
Also the check of a whole draft before legal review (:func:`completeness_errors`).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from stdnum.no import orgnr

from .. import formats
from ..budget.services import parse_money
from ..errors import NotFound
from ..money import MONEY_MAX, round_money
from ..organisations.models import LegalEntity, Side, Unit, UnitKind
from ..rules.dates import add_months
from ..rules.schema import ACTIVITY_BASIS, ADVANTAGED, LEGAL_TYPES, PRICING, PROJECTION_REASONS
from .facts import months_between
from .models import Agreement, AgreementKind, PartyRole
from .states import IN_FORCE

OPTION_SCHEMES = {"none": [], "2+1": [12], "1+1+1": [12, 12], "custom": None}
# Base period (months) of the preset schemes, used to propose an end date.
SCHEME_BASE = {"2+1": 24, "1+1+1": 12}
PARTY_ROLES = frozenset(r.value for r in PartyRole)
_CPV = re.compile(r"^\d{8}-\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CPV_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7)
# A period longer than this (unless the maximum duration says more) is a typo, not an agreement.
HORIZON_MONTHS = 120
EARLIEST_START = dt.date(2000, 1, 1)


# --- values -------------------------------------------------------------------------------------------------


def _text(value: Any, limit: int = 10000) -> str | None:
    text = ("" if value is None else str(value)).strip()
    return text[:limit] or None


def _bool(value: Any) -> bool | None:
    if value in (True, "yes", "true", "1"):
        return True
    if value in (False, "no", "false", "0"):
        return False
    return None


def _decimal(value: Any, path: str, errors: list[dict], *, low: Decimal = Decimal(0), high: Decimal = MONEY_MAX,
             message: str | None = None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).replace(" ", "").replace("\xa0", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        errors.append({"path": path, "message": message or _("Enter a number.")})
        return None
    if not d.is_finite() or d < low or d > high:
        errors.append({"path": path, "message": message or _("Enter an amount between 0 and 999 999 999 999.")})
        return None
    return round_money(d)


def _amount(value: Any, path: str, errors: list[dict], *, allow_zero: bool = False) -> Decimal | None:
    """An amount in kroner as people write it (``800 000``, ``12500,50``); no exponents (``1e9`` is a typo)."""
    if value is None or value == "":
        return None
    if not isinstance(value, (Decimal, int)) and re.search(r"[^\d\s\xa0.,-]", str(value)):
        errors.append({"path": path, "message": _("Enter an amount in kroner, for example 12500 or 12500,50.")})
        return None
    return parse_money(value, path, errors, allow_zero=allow_zero)


def _int(value: Any, path: str, errors: list[dict], low: int, high: int, message: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        errors.append({"path": path, "message": message})
        return None
    if not low <= n <= high:
        errors.append({"path": path, "message": message})
        return None
    return n


def _date(value: Any, path: str, errors: list[dict]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append({"path": path, "message": _("Enter a date as dd.mm.yyyy.")})
        return None


def parse_option_plan(scheme: str | None, custom: Any, errors: list[dict]) -> list[int]:
    scheme = scheme or "none"
    if scheme not in OPTION_SCHEMES:
        errors.append({"path": "option_scheme", "message": _("Choose an option scheme.")})
        return []
    if scheme != "custom":
        return list(OPTION_SCHEMES[scheme])
    if isinstance(custom, list):
        parts = custom
    else:
        parts = [p for p in re.split(r"[+,;\s]+", str(custom or "")) if p]
    plan = []
    for p in parts:
        try:
            months = int(p)
        except (TypeError, ValueError):
            months = 0
        if not 1 <= months <= 120:
            errors.append({"path": "custom_options", "message": _("Write each option's length in months (1–120), e.g. 12, 12.")})
            return []
        plan.append(months)
    if not plan:
        errors.append({"path": "custom_options", "message": _("Write each option's length in months (1–120), e.g. 12, 12.")})
    return plan


def cpv_check_digit(digits: str) -> int:
    """The CPV check digit of an 8-digit code: weights 3, 7, 1 repeated, sum modulo 10 (80580000 → 3).

    Verified against the codes of the education and training list (80…) and ~130 codes of the EU list. The EU's
    own list has a few codes whose printed check digit departs from this rule (e.g. 85210000-3, 09100000-0;
    acknowledged by the Publications Office), which is one reason only 80… codes are accepted here."""
    return sum(int(d) * w for d, w in zip(digits, _CPV_WEIGHTS)) % 10


def cpv_valid(code: str) -> bool:
    return bool(_CPV.match(code)) and cpv_check_digit(code[:8]) == int(code[-1])


# --- parties ------------------------------------------------------------------------------------------------


def _resolve_party(session: Session, i: int, d: dict[str, Any], errors: list[dict], kind: AgreementKind) -> dict[str, Any] | None:
    path = f"parties[{i}]"
    out: dict[str, Any] = {"role": d.get("role") or ("partner" if kind == AgreementKind.cooperation else ("buyer" if i == 0 else "supplier"))}
    if out["role"] not in PARTY_ROLES:
        errors.append({"path": f"{path}.role", "message": _("Choose the party's role.")})
    unit_id = d.get("unit_id") or None
    entity_id = d.get("legal_entity_id") or None
    side = d.get("nav_side") or None
    unit = entity = None
    if unit_id:
        unit = session.get(Unit, int(unit_id))
        if unit is None:
            errors.append({"path": f"{path}.unit_id", "message": _("Unknown unit.")})
            return None
        if unit.kind == UnitKind.nav_office:
            if side not in ("state", "municipal"):
                errors.append({"path": f"{path}.nav_side", "message": _("Say which side of the Nav office is party: state or municipal.")})
                return None
        else:
            side = None
        entity = unit.entity_for_side(Side(side) if side else None)
    elif entity_id:
        entity = session.get(LegalEntity, int(entity_id))
        if entity is None:
            errors.append({"path": f"{path}.legal_entity_id", "message": _("Unknown legal entity.")})
            return None
        side = None
    out.update(unit_id=unit.id if unit else None, legal_entity_id=entity.id if entity else None, nav_side=side)
    if entity is not None:
        out.update(name=entity.name, org_number=entity.org_number, legal_type=entity.legal_type.value)
    else:
        name = _text(d.get("name"), 200)
        number = re.sub(r"\s", "", str(d.get("org_number") or ""))
        if not name:
            errors.append({"path": f"{path}.name", "message": _("Enter the party's name, or choose a registered organisation.")})
        if not number:
            errors.append({"path": f"{path}.org_number", "message": _("Enter the party's organisation number (9 digits).")})
        elif not orgnr.is_valid(number):
            errors.append({"path": f"{path}.org_number", "message": _("%(number)s is not a valid organisation number.", number=number)})
        legal_type = d.get("legal_type") or None
        if legal_type is not None and legal_type not in LEGAL_TYPES:
            errors.append({"path": f"{path}.legal_type", "message": _("Choose a legal type.")})
        out.update(name=name, org_number=number, legal_type=legal_type)
    email = _text(d.get("contact_email"), 200)
    if email and not _EMAIL.match(email):
        errors.append({"path": f"{path}.contact_email", "message": _("Enter a valid e-mail address.")})
    out.update(contact_name=_text(d.get("contact_name"), 200), contact_email=email, contact_phone=_text(d.get("contact_phone"), 40))
    return out


def parse_parties(session: Session, rows: list[dict[str, Any]], kind: AgreementKind, errors: list[dict]) -> list[dict[str, Any]]:
    rows = [r for r in rows if any(r.get(k) for k in ("unit_id", "legal_entity_id", "name", "org_number"))]
    if len(rows) < 2:
        errors.append({"path": "parties", "message": _("An agreement needs at least two parties.")})
    parsed = [_resolve_party(session, i, r, errors, kind) for i, r in enumerate(rows)]
    good = [p for p in parsed if p is not None and p.get("org_number")]
    numbers = [p["org_number"] for p in good]
    if kind != AgreementKind.internal_order and len(set(numbers)) < len(numbers):
        errors.append({"path": "parties", "message": _("Each party must be a different legal entity (an internal order is the exception).")})
    if kind == AgreementKind.internal_order and len(set(numbers)) > 1:
        errors.append({"path": "parties", "message": _("An internal order is made within one legal entity: all parties must have the same organisation number.")})
    return [p for p in parsed if p is not None]


def parse_new_draft(session: Session, data: dict[str, Any], errors: list[dict]) -> tuple[AgreementKind, str | None, list[dict[str, Any]]]:
    """Kind, title and parties of a new draft."""
    try:
        kind = AgreementKind(data.get("kind") or "")
    except ValueError:
        errors.append({"path": "kind", "message": _("Choose the kind of agreement.")})
        kind = AgreementKind.cooperation
    title = _text(data.get("title"), 200)
    if not title:
        errors.append({"path": "title", "message": _("Give the agreement a title.")})
    return kind, title, parse_parties(session, list(data.get("parties") or []), kind, errors)


# --- wizard steps -------------------------------------------------------------------------------------------


def _parent(session: Session, a: Agreement, raw: Any, errors: list[dict], visible) -> int | None:
    """A call-off is made under a framework or purchase agreement that is signed or active; other kinds have none.
    One the user may not see is answered exactly as one that does not exist (nothing tells them it is there)."""
    if a.kind != AgreementKind.call_off:
        return None
    parent = session.get(Agreement, int(raw)) if str(raw or "").isdigit() else None
    if parent is None or not visible(parent):
        errors.append({"path": "parent_id", "message": _("Choose the agreement this order is made under.")})
        return None
    if parent.id == a.id or parent.kind != AgreementKind.procurement or parent.status not in IN_FORCE:
        errors.append({"path": "parent_id", "message": _("Choose a framework or purchase agreement that is signed or active.")})
        return None
    return parent.id


def parse_covered_units(session: Session, raw: Any, parties: list[dict[str, Any]], errors: list[dict]) -> list[int]:
    """The further units whose purchases the agreement covers: each must belong to the legal person of a party that
    buys under it (a Nav office through either of its two legal persons)."""
    from .access import BUYING_ROLES

    ids = []
    for value in raw if isinstance(raw, (list, tuple)) else [raw] if raw not in (None, "") else []:
        if not str(value).isdigit():
            errors.append({"path": "covered_unit_ids", "message": _("Unknown unit.")})
            continue
        ids.append(int(value))
    buying = {p.get("legal_entity_id") for p in parties if p.get("role") in BUYING_ROLES and p.get("legal_entity_id")}
    acting = {p.get("unit_id") for p in parties if p.get("unit_id")}
    out = []
    for unit_id in sorted(set(ids)):
        unit = session.get(Unit, unit_id)
        if unit is None:
            errors.append({"path": "covered_unit_ids", "message": _("Unknown unit.")})
        elif unit.id in acting:
            continue  # a party's acting unit is covered anyway
        elif not {unit.legal_entity_id, unit.municipal_entity_id} & buying:
            errors.append({"path": "covered_unit_ids", "message": _(
                "%(unit)s does not belong to a party that buys under the agreement: only units of a buying party's "
                "legal person can be covered.", unit=unit.name)})
        else:
            out.append(unit.id)
    return out


def parse_step(session: Session, a: Agreement, step: str, data: dict[str, Any], errors: list[dict], *,
               visible, today: dt.date | None = None) -> tuple[dict[str, Any], list | None]:
    """Validated agreement-level values for the step, and the parties (parsed rows, or party-level values).
    ``visible(agreement)`` says whether the acting user may see another agreement (a call-off's parent); ``today``
    (the Norwegian date) bounds the start date and makes a period wholly in the past a warning to confirm."""
    values: dict[str, Any] = {}
    parties = None
    if step == "parties":
        try:
            values["kind"] = AgreementKind(data.get("kind") or a.kind.value)
        except ValueError:
            errors.append({"path": "kind", "message": _("Choose the kind of agreement.")})
            values["kind"] = a.kind
        parties = parse_parties(session, list(data.get("parties") or []), values["kind"], errors)
        # checked on every save of the parties, also when the list is not sent: a party may have left
        raw = data["covered_unit_ids"] if "covered_unit_ids" in data else a.covered_unit_ids
        values["covered_unit_ids"] = parse_covered_units(session, raw, parties, errors)
    elif step == "subject":
        values["title"] = _text(data.get("title"), 200)
        if not values["title"]:
            errors.append({"path": "title", "message": _("Give the agreement a title.")})
        values["subject"] = _text(data.get("subject"))
        raw = data.get("cpv_codes")
        codes = raw if isinstance(raw, list) else [c.strip() for c in re.split(r"[,;\s]+", str(raw or "")) if c.strip()]
        for c in codes:
            if not _CPV.match(c):
                errors.append({"path": "cpv_codes", "message": _("%(code)s is not a CPV code (8 digits, dash, check digit).", code=c)})
            elif not c.startswith("80"):
                errors.append({"path": "cpv_codes", "message": _("%(code)s is not in the education and training list (80…).", code=c)})
            elif not cpv_valid(c):
                errors.append({"path": "cpv_codes", "message": _(
                    "%(code)s has the wrong check digit: the code %(digits)s ends in -%(check)d (e.g. 80580000-3).",
                    code=c, digits=c[:8], check=cpv_check_digit(c[:8]))})
        values["cpv_codes"] = codes
        values["measure_code"] = _text(data.get("measure_code"), 80)
        values["procurement_case_ref"] = _text(data.get("procurement_case_ref"), 80)
        values["procurement_notice_ref"] = _text(data.get("procurement_notice_ref"), 80)
        values["parent_id"] = _parent(session, a, data.get("parent_id"), errors, visible)
    elif step == "period":
        start = _date(data.get("start_date"), "start_date", errors)
        end = _date(data.get("end_date"), "end_date", errors)
        scheme = data.get("option_scheme") or "none"
        plan = parse_option_plan(scheme, data.get("custom_options"), errors)
        maximum = _int(data.get("max_duration_months"), "max_duration_months", errors, 1, 1200,
                       _("Enter the maximum duration in whole months (1–1200)."))
        if start and (start < EARLIEST_START or (today and start > add_months(today, HORIZON_MONTHS))):
            errors.append({"path": "start_date", "message": _(
                "Enter a start date from 01.01.2000 and at most 10 years from today.")})
            start = None
        if start and end is None and scheme in SCHEME_BASE:
            end = add_months(start, SCHEME_BASE[scheme]) - dt.timedelta(days=1)
        horizon = max(HORIZON_MONTHS, maximum or 0)
        if start and end and end < start:
            errors.append({"path": "end_date", "message": _("The end date cannot be before the start date.")})
        elif start and end and end == start:
            errors.append({"path": "end_date", "message": _("The end date must be after the start date.")})
        elif start and end and end > add_months(start, horizon) - dt.timedelta(days=1):
            errors.append({"path": "end_date", "message": _(
                "The base period can last at most %(months)d months (10 years, or the maximum duration if it is longer): "
                "end on %(last)s at the latest.", months=horizon, last=formats.date(add_months(start, horizon) - dt.timedelta(days=1)))})
        elif start and end and plan:
            total = months_between(start, end) + sum(plan)
            if maximum is None:
                errors.append({"path": "max_duration_months", "message": _("Give the maximum duration, options included.")})
            elif total > maximum:
                errors.append({"path": "max_duration_months", "message": _(
                    "The period with all options is %(total)d months, more than the maximum duration of %(max)d months.",
                    total=total, max=maximum)})
        elif start and end and maximum is not None and months_between(start, end) > maximum:
            errors.append({"path": "max_duration_months", "message": _("The period is longer than the maximum duration.")})
        if not plan and scheme != "custom" and a.options_value:
            errors.append({"path": "option_scheme", "message": _(
                "The agreement has an option value of %(value)s: with no options there can be no option value. "
                "Clear the option value in the value step first, or choose the options it is for.",
                value=formats.money(a.options_value))})
        if start and end and today and not errors:
            last = add_months(end, sum(plan)) - dt.timedelta(days=1) if plan else end
            if last < today and not _bool(data.get("confirm_past")):
                errors.append({"path": "confirm_past", "message": _(
                    "The whole period, options included, ended on %(end)s: it is in the past. Check the dates, or tick "
                    "the box to confirm that you are registering an agreement that has already ended.",
                    end=formats.date(last))})
        values.update(start_date=start, end_date=end, option_scheme=scheme, option_plan=plan, max_duration_months=maximum)
    elif step == "value":
        # Money as everywhere else (budget.services.parse_money): at most two decimals, never rounded silently.
        values["estimated_value"] = _amount(data.get("estimated_value"), "estimated_value", errors)
        option_value = _amount(data.get("options_value"), "options_value", errors, allow_zero=True)
        if option_value is not None:
            if not a.option_plan and option_value > 0:
                errors.append({"path": "options_value", "message": _(
                    "The agreement has no options, so there is no option value: leave the field empty, or choose the "
                    "options in the period step first.")})
            elif a.option_plan and option_value == 0:
                errors.append({"path": "options_value", "message": _(
                    "The agreement has options: give their value, an amount greater than zero.")})
            elif option_value == 0:
                option_value = None  # no options, nothing to count
        values["options_value"] = option_value
        values["price_terms"] = _text(data.get("price_terms"))
    elif step == "cooperation":
        for key in ("common_objectives", "governance", "cost_sharing", "market_share_monitoring", "subcontracting_note", "review_and_exit"):
            values[key] = _text(data.get(key))
        for key, allowed in (("pricing", PRICING), ("activity_basis", ACTIVITY_BASIS), ("projection_reason", PROJECTION_REASONS),
                             ("private_operator_advantaged", ADVANTAGED)):
            v = data.get(key) or None
            if v is not None and v not in allowed:
                errors.append({"path": key, "message": _("Choose one of the answers.")})
                v = None
            values[key] = v
        values["public_interest_only"] = _bool(data.get("public_interest_only"))
        values["third_party_subcontracting"] = _bool(data.get("third_party_subcontracting"))
        parties = []
        rows = list(data.get("parties") or [])
        for i, _p in enumerate(a.parties):
            row = rows[i] if i < len(rows) else {}
            share = _decimal(row.get("open_market_share_pct"), f"parties[{i}].open_market_share_pct", errors, high=Decimal(100),
                             message=_("Enter a percentage between 0 and 100."))
            parties.append({
                "statutory_task": _text(row.get("statutory_task")),
                "contributions": _text(row.get("contributions")),
                "payment_only": _bool(row.get("payment_only")),
                "open_market_share_pct": share,
            })
    else:
        raise NotFound(_("No such step."))
    return values, parties


# --- the whole draft -------------------------------------------------------------------------------------------


def completeness_errors(a: Agreement) -> list[dict]:
    """What must be filled in before the agreement can go to legal review."""
    errors = []
    if len(a.parties) < 2:
        errors.append({"path": "parties", "message": _("An agreement needs at least two parties.")})
    if not (a.subject or "").strip():
        errors.append({"path": "subject", "message": _("Describe the subject of the agreement.")})
    if a.start_date is None or a.end_date is None:
        errors.append({"path": "start_date", "message": _("Give the start and end dates.")})
    if a.estimated_value is None:
        errors.append({"path": "estimated_value", "message": _("Give the estimated value.")})
    if a.option_plan and a.options_value is None:
        errors.append({"path": "options_value", "message": _("The agreement has options: give their value.")})
    elif not a.option_plan and a.options_value:
        errors.append({"path": "options_value", "message": _("The agreement has no options, so there is no option value.")})
    bad = [c for c in a.cpv_codes or [] if not cpv_valid(c)]
    if bad:
        errors.append({"path": "cpv_codes", "message": _("Correct the CPV codes: %(codes)s.", codes=", ".join(bad))})
    if a.kind == AgreementKind.call_off and a.parent_id is None:
        errors.append({"path": "parent_id", "message": _("Choose the agreement this order is made under.")})
    if a.kind == AgreementKind.cooperation:
        if not (a.common_objectives or "").strip():
            errors.append({"path": "common_objectives", "message": _("Describe the common objectives.")})
        for i, p in enumerate(a.parties):
            if not (p.statutory_task or "").strip():
                errors.append({"path": f"parties[{i}].statutory_task", "message": _("%(name)s: give its statutory task.", name=p.name)})
            if not (p.contributions or "").strip():
                errors.append({"path": f"parties[{i}].contributions", "message": _("%(name)s: give its concrete contribution.", name=p.name)})
    return errors
