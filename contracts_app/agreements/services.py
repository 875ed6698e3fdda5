"""Agreements: drafting (every save a version, optimistic locking), legal review with the two-person rule,
signing, options, date-driven lifecycle, termination, and the covering-agreement lookup for purchases.

Services take the session, the actor and the time, flush and never commit. Status changes go through the
transition table in :mod:`.states` only.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Date, bindparam, func, select
from sqlalchemy.orm import Session, aliased
from stdnum.no import orgnr

from .. import audit
from ..audit import Actor
from ..budget.services import parse_money
from ..clock import OSLO
from ..db import begin_write, core_connection, lock
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..i18n import date as fmt_date
from ..money import MONEY_MAX, round_money
from ..organisations.models import LegalEntity, Side, Unit, UnitKind
from ..rules.dates import add_months
from . import facts as facts_module
from .diff import diff
from .models import (
    Agreement, AgreementKind, AgreementOption, AgreementParty, AgreementSignature, AgreementVersion, ReviewComment,
    ReviewDecision, ReviewDecisionKind,
)
from .states import EDITABLE, IN_FORCE, OPTIONS_ALLOWED, AgreementStatus, check_transition

S = AgreementStatus
STEPS = ("parties", "subject", "period", "value", "cooperation")
SECTIONS = ("parties", "subject", "period", "value", "cooperation", "general")
OPTION_SCHEMES = {"none": [], "2+1": [12], "1+1+1": [12, 12], "custom": None}
# Base period (months) of the preset schemes, used to propose an end date.
SCHEME_BASE = {"2+1": 24, "1+1+1": 12}
PARTY_ROLES = ("buyer", "supplier", "partner")
PRICING = ("own_costs_each", "cost_reimbursement", "market_price_margin")
ACTIVITY_BASIS = ("avg_turnover_3y", "alt_measure_3y", "projection")
PROJECTION_REASONS = ("new_entity", "new_activity", "reorganisation", "none")
ADVANTAGED = ("no", "yes", "unknown")
VERDICTS = ("below_scope", "procurement_required", "exempt", "not_procurement_grant", "needs_assessment")
LEGAL_TYPES = ("state", "municipality", "county_municipality", "public_body", "mixed_company", "foundation", "private")
_CPV = re.compile(r"^\d{8}-\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Fields each wizard step writes (agreement-level); parties are handled separately.
STEP_FIELDS = {
    "parties": ["kind"],
    "subject": ["title", "subject", "cpv_codes", "measure_code", "procurement_case_ref", "procurement_notice_ref", "parent_id"],
    "period": ["start_date", "end_date", "option_scheme", "option_plan", "max_duration_months"],
    "value": ["estimated_value", "options_value", "price_terms"],
    "cooperation": [
        "common_objectives", "governance", "cost_sharing", "pricing", "activity_basis", "projection_reason", "market_share_monitoring",
        "public_interest_only", "third_party_subcontracting", "subcontracting_note", "private_operator_advantaged",
        "review_and_exit",
    ],
}
PARTY_FIELDS = ["role", "legal_entity_id", "unit_id", "nav_side", "name", "org_number", "legal_type", "contact_name",
                "contact_email", "contact_phone"]
COOP_PARTY_FIELDS = ["statutory_task", "contributions", "payment_only", "open_market_share_pct"]


class EditConflict(Conflict):
    """Someone else saved the draft after this user opened it. Carries both sides so nothing is lost."""

    def __init__(self, agreement: Agreement, step: str, mine: dict[str, Any], theirs: dict[str, Any]):
        super().__init__(_("Someone else saved this agreement while you were editing it. Compare the values and save again."))
        self.agreement, self.step, self.mine, self.theirs = agreement, step, mine, theirs
        self.current_version = agreement.version
        self.fields = diff(theirs, mine)


# --- reading -------------------------------------------------------------------------------------------------


def get(session: Session, agreement_id: int) -> Agreement:
    a = session.get(Agreement, agreement_id)
    if a is None:
        raise NotFound(_("No such agreement."))
    return a


def _jsonable(v: Any) -> Any:
    return audit.jsonable(v)


def party_snapshot(p: AgreementParty) -> dict[str, Any]:
    return {name: _jsonable(getattr(p, name)) for name in ["position", *PARTY_FIELDS, *COOP_PARTY_FIELDS]}


def snapshot(a: Agreement) -> dict[str, Any]:
    """The content of the agreement (not its status) as JSON: what a version records."""
    out = {name: _jsonable(getattr(a, name)) for step in STEP_FIELDS.values() for name in step}
    out["parties"] = [party_snapshot(p) for p in a.parties]
    return out


def step_values(a: Agreement, step: str) -> dict[str, Any]:
    snap = snapshot(a)
    out = {name: snap[name] for name in STEP_FIELDS[step]}
    if step == "parties":
        out["parties"] = [{k: p[k] for k in PARTY_FIELDS} for p in snap["parties"]]
    if step == "cooperation":
        out["parties"] = [{k: p[k] for k in COOP_PARTY_FIELDS} for p in snap["parties"]]
    return out


def versions(session: Session, agreement_id: int) -> list[AgreementVersion]:
    return session.scalars(
        select(AgreementVersion).where(AgreementVersion.agreement_id == agreement_id).order_by(AgreementVersion.number)
    ).all()


def version_diff(session: Session, agreement_id: int, a: int, b: int) -> list[tuple[str, Any, Any]]:
    found = {
        v.number: v for v in session.scalars(
            select(AgreementVersion).where(AgreementVersion.agreement_id == agreement_id, AgreementVersion.number.in_([a, b]))
        )
    }
    if a not in found or b not in found:
        raise NotFound(_("No such version."))
    return diff(found[a].snapshot, found[b].snapshot)


def drafters(session: Session, agreement: Agreement) -> set[int]:
    """Everyone who created the agreement or saved a version of it: they may not review it."""
    ids = set(session.scalars(
        select(AgreementVersion.created_by_id).where(AgreementVersion.agreement_id == agreement.id)
    ).all())
    ids.add(agreement.created_by_id)
    ids.discard(None)
    return ids


def current_approval(session: Session, agreement: Agreement) -> ReviewDecision | None:
    """The approval of the current version, or None when the current version is not approved."""
    if agreement.approved_version is None:
        return None
    return session.scalar(
        select(ReviewDecision).where(
            ReviewDecision.agreement_id == agreement.id,
            ReviewDecision.decision == ReviewDecisionKind.approved,
            ReviewDecision.version_number == agreement.approved_version,
        ).order_by(ReviewDecision.id.desc())
    )


def latest_approval(session: Session, agreement: Agreement) -> ReviewDecision | None:
    return session.scalar(
        select(ReviewDecision).where(
            ReviewDecision.agreement_id == agreement.id, ReviewDecision.decision == ReviewDecisionKind.approved
        ).order_by(ReviewDecision.id.desc())
    )


# --- the engine ------------------------------------------------------------------------------------------


def assess(session: Session, a: Agreement, *, today: dt.date) -> dict[str, Any]:
    """Facts from the agreement and the engine's answer: ``{"facts", "assessment"}`` or ``{"facts", "errors"}``."""
    from .. import rules
    from ..rulecheck.services import current_table

    facts = facts_module.agreement_facts(a, today=today)
    try:
        return {"facts": facts, "assessment": rules.evaluate(facts, current_table(session))}
    except rules.FactsError as exc:
        return {"facts": facts, "errors": exc.errors}


def _reassess(session: Session, a: Agreement, today: dt.date) -> None:
    result = assess(session, a, today=today)
    a.assessment = result
    a.verdict = result["assessment"]["verdict"] if "assessment" in result else None


def _new_version(session: Session, a: Agreement, *, actor: Actor, now: dt.datetime, note: str, first: bool = False) -> AgreementVersion:
    if not first:
        a.version = a.version + 1
    a.updated_at = now
    session.flush()
    session.refresh(a, ["parties"])
    _reassess(session, a, now.astimezone(OSLO).date())
    v = AgreementVersion(
        agreement_id=a.id, number=a.version, snapshot=snapshot(a), note=note[:200], verdict=a.verdict,
        created_by_id=actor.user_id, created_at=now,
    )
    session.add(v)
    session.flush()
    return v


# --- input parsing (values come from forms, the API or tests) ---------------------------------------------


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


def _parse_parties(session: Session, rows: list[dict[str, Any]], kind: AgreementKind, errors: list[dict]) -> list[dict[str, Any]]:
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


def _actor_unit_is_party(session: Session, actor: Actor, parties: list[dict[str, Any]]) -> bool:
    if actor.unit_id is None:
        return False
    unit = session.get(Unit, actor.unit_id)
    entity_ids = {unit.legal_entity_id} if unit is not None and unit.kind != UnitKind.nav_office else set()
    return any(p.get("unit_id") == actor.unit_id or (p.get("legal_entity_id") in entity_ids and p.get("legal_entity_id")) for p in parties)


def _write_parties(a: Agreement, parsed: list[dict[str, Any]]) -> None:
    old = {p.position: p for p in a.parties}
    keep = []
    for i, data in enumerate(parsed):
        p = old.get(i) or AgreementParty(position=i)
        same_party = p.org_number == data["org_number"]
        for k, v in data.items():
            setattr(p, k, Side(v) if k == "nav_side" and v else v)
        if not same_party and p.id is not None:  # another legal entity in this row: its cooperation answers do not carry over
            for k in COOP_PARTY_FIELDS:
                setattr(p, k, None)
        keep.append(p)
    a.parties[:] = keep


# --- drafting -------------------------------------------------------------------------------------------------


def create_draft(session: Session, data: dict[str, Any], *, actor: Actor, now: dt.datetime) -> Agreement:
    """A new draft (version 1) with its kind, title and parties. The actor's unit must be one of the parties."""
    errors: list[dict] = []
    try:
        kind = AgreementKind(data.get("kind") or "")
    except ValueError:
        errors.append({"path": "kind", "message": _("Choose the kind of agreement.")})
        kind = AgreementKind.cooperation
    title = _text(data.get("title"), 200)
    if not title:
        errors.append({"path": "title", "message": _("Give the agreement a title.")})
    parsed = _parse_parties(session, list(data.get("parties") or []), kind, errors)
    if not errors and not _actor_unit_is_party(session, actor, parsed):
        errors.append({"path": "parties", "message": _("Your unit must be one of the parties.")})
    if errors:
        raise ValidationFailed(_("The agreement was not created."), errors=errors)
    a = Agreement(kind=kind, status=S.draft, title=title, version=1, cpv_codes=[], option_plan=[], option_scheme="none",
                  created_by_id=actor.user_id, created_at=now, updated_at=now)
    session.add(a)
    _write_parties(a, parsed)
    session.flush()
    _new_version(session, a, actor=actor, now=now, note="created", first=True)
    audit.record(session, actor, "agreement.created", a, at=now, after={"kind": kind, "title": title, "parties": [p["org_number"] for p in parsed]})
    return a


def _parent(session: Session, a: Agreement, raw: Any, errors: list[dict]) -> int | None:
    """A call-off is made under a framework or purchase agreement that is signed or active; other kinds have none."""
    if a.kind != AgreementKind.call_off:
        return None
    parent = session.get(Agreement, int(raw)) if str(raw or "").isdigit() else None
    if parent is None:
        errors.append({"path": "parent_id", "message": _("Choose the agreement this order is made under.")})
        return None
    if parent.id == a.id or parent.kind != AgreementKind.procurement or parent.status not in IN_FORCE:
        errors.append({"path": "parent_id", "message": _("Choose a framework or purchase agreement that is signed or active.")})
        return None
    return parent.id


def _parse_step(session: Session, a: Agreement, step: str, data: dict[str, Any], errors: list[dict]) -> tuple[dict[str, Any], list | None]:
    """Validated agreement-level values for the step, and the parties (parsed rows, or party-level values)."""
    values: dict[str, Any] = {}
    parties = None
    if step == "parties":
        try:
            values["kind"] = AgreementKind(data.get("kind") or a.kind.value)
        except ValueError:
            errors.append({"path": "kind", "message": _("Choose the kind of agreement.")})
            values["kind"] = a.kind
        parties = _parse_parties(session, list(data.get("parties") or []), values["kind"], errors)
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
        values["cpv_codes"] = codes
        values["measure_code"] = _text(data.get("measure_code"), 80)
        values["procurement_case_ref"] = _text(data.get("procurement_case_ref"), 80)
        values["procurement_notice_ref"] = _text(data.get("procurement_notice_ref"), 80)
        values["parent_id"] = _parent(session, a, data.get("parent_id"), errors)
    elif step == "period":
        start = _date(data.get("start_date"), "start_date", errors)
        end = _date(data.get("end_date"), "end_date", errors)
        scheme = data.get("option_scheme") or "none"
        plan = parse_option_plan(scheme, data.get("custom_options"), errors)
        maximum = _int(data.get("max_duration_months"), "max_duration_months", errors, 1, 1200,
                       _("Enter the maximum duration in whole months (1–1200)."))
        if start and end is None and scheme in SCHEME_BASE:
            end = add_months(start, SCHEME_BASE[scheme]) - dt.timedelta(days=1)
        if start and end and end < start:
            errors.append({"path": "end_date", "message": _("The end date cannot be before the start date.")})
        elif start and end and plan:
            total = facts_module.months_between(start, end) + sum(plan)
            if maximum is None:
                errors.append({"path": "max_duration_months", "message": _("Give the maximum duration, options included.")})
            elif total > maximum:
                errors.append({"path": "max_duration_months", "message": _(
                    "The period with all options is %(total)d months, more than the maximum duration of %(max)d months.",
                    total=total, max=maximum)})
        elif start and end and maximum is not None and facts_module.months_between(start, end) > maximum:
            errors.append({"path": "max_duration_months", "message": _("The period is longer than the maximum duration.")})
        values.update(start_date=start, end_date=end, option_scheme=scheme, option_plan=plan, max_duration_months=maximum)
    elif step == "value":
        # Money as everywhere else (budget.services.parse_money): at most two decimals, never rounded silently.
        for key in ("estimated_value", "options_value"):
            raw = data.get(key)
            values[key] = None if raw in (None, "") else parse_money(raw, key, errors, allow_zero=True)
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


def save_step(
    session: Session, agreement_id: int, step: str, data: dict[str, Any], *, expected_version: int | None,
    actor: Actor, now: dt.datetime,
) -> Agreement:
    """Save one wizard step as a new version. Raises ValidationFailed (nothing saved; the draft stays as it was),
    EditConflict when ``expected_version`` is not the latest (someone else saved in between), or Conflict when the
    agreement can no longer be edited. Editing an approved agreement sends it back to draft (new review needed)."""
    if step not in STEPS:
        raise NotFound(_("No such step."))
    begin_write(session)
    a = lock(session, Agreement, agreement_id)
    if a is None:
        raise NotFound(_("No such agreement."))
    if a.status not in EDITABLE:
        raise Conflict(_("An agreement that is %(status)s cannot be edited.", status=status_text(a.status)))
    errors: list[dict] = []
    values, parties = _parse_step(session, a, step, data, errors)
    if expected_version is not None and expected_version != a.version:
        mine = {**{k: _jsonable(v) for k, v in values.items()}}
        if parties is not None:
            keys = PARTY_FIELDS if step == "parties" else COOP_PARTY_FIELDS
            mine["parties"] = [{k: _jsonable(p.get(k)) for k in keys} for p in parties]
        raise EditConflict(a, step, mine, step_values(a, step))
    if errors:
        raise ValidationFailed(_("The step was not saved. Correct the fields marked below; the saved draft is unchanged."), errors=errors)
    before = step_values(a, step)
    for k, v in values.items():
        setattr(a, k, v)
    if step == "parties":
        _write_parties(a, parties)
    elif step == "cooperation":
        for p, row in zip(a.parties, parties):
            for k, v in row.items():
                setattr(p, k, v)
    session.flush()
    session.refresh(a, ["parties"])
    after = step_values(a, step)
    if before == after:
        return a  # nothing changed: no new version
    if a.status == S.approved:
        check_transition(a.status, S.draft, "edit")
        a.status = S.draft
        a.approved_version = None
        audit.record(session, actor, "agreement.reopened", a, at=now, before={"status": "approved"}, after={"status": "draft"})
    _new_version(session, a, actor=actor, now=now, note=step)
    audit.record(session, actor, "agreement.saved", a, at=now, before={"version": a.version - 1, **before},
                 after={"version": a.version, **after})
    return a


# --- review -------------------------------------------------------------------------------------------------


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


def submit(session: Session, agreement_id: int, *, actor: Actor, now: dt.datetime) -> Agreement:
    begin_write(session)
    a = lock(session, Agreement, agreement_id)
    if a is None:
        raise NotFound(_("No such agreement."))
    if a.status not in (S.draft, S.changes_requested):
        raise Conflict(_("Only a draft, or one with changes requested, can be sent to legal review."))
    errors = completeness_errors(a)
    if errors:
        raise ValidationFailed(_("The agreement is not ready for legal review."), errors=errors)
    before = a.status
    check_transition(a.status, S.in_review, "submit")
    a.status = S.in_review
    a.submitted_version = a.version
    a.updated_at = now
    session.flush()
    audit.record(session, actor, "agreement.submitted", a, at=now, before={"status": before}, after={"status": a.status, "version": a.version})
    return a


def _check_reviewer(session: Session, a: Agreement, actor: Actor) -> None:
    if actor.user_id in drafters(session, a):
        raise PermissionDenied(_("You drafted this agreement: another legal reviewer must review it (two-person rule)."))


def may_review(session: Session, a: Agreement, user_id: int) -> bool:
    return a.status == S.in_review and user_id not in drafters(session, a)


def request_changes(session: Session, agreement_id: int, *, note: str, actor: Actor, now: dt.datetime) -> Agreement:
    begin_write(session)
    a = lock(session, Agreement, agreement_id)
    if a is None:
        raise NotFound(_("No such agreement."))
    if a.status != S.in_review:
        raise Conflict(_("The agreement is not in legal review."))
    _check_reviewer(session, a, actor)
    note = (note or "").strip()
    if not 3 <= len(note) <= 5000:
        raise ValidationFailed(_("The changes were not requested."), errors=[{"path": "note", "message": _("Say what must change (3–5000 characters).")}])
    check_transition(a.status, S.changes_requested, "request_changes")
    a.status = S.changes_requested
    a.updated_at = now
    session.add(ReviewDecision(agreement_id=a.id, version_number=a.version, decision=ReviewDecisionKind.changes_requested,
                               reviewer_id=actor.user_id, note=note, created_at=now))
    session.flush()
    audit.record(session, actor, "agreement.changes_requested", a, at=now, before={"status": "in_review"}, after={"status": a.status, "note": note})
    return a


def approve(
    session: Session, agreement_id: int, *, reviewer_verdict: str | None, reasoning: str | None, note: str | None,
    actor: Actor, now: dt.datetime, today: dt.date,
) -> ReviewDecision:
    """Approve the version under review: freeze facts, ruleset, verdict and the document (SHA-256).

    ``reviewer_verdict`` is the reviewer's own conclusion (None = agrees with the engine). When it differs from the
    engine's verdict, ``reasoning`` must explain why; it is shown on the agreement and in its documents."""
    from . import documents

    begin_write(session)
    a = lock(session, Agreement, agreement_id)
    if a is None:
        raise NotFound(_("No such agreement."))
    if a.status != S.in_review:
        raise Conflict(_("The agreement is not in legal review."))
    _check_reviewer(session, a, actor)
    if a.submitted_version != a.version:
        raise Conflict(_("The agreement changed after it was submitted. Ask for it to be submitted again."))
    result = assess(session, a, today=today)
    engine_verdict = result["assessment"]["verdict"] if "assessment" in result else None
    errors = []
    if reviewer_verdict and reviewer_verdict not in VERDICTS:
        errors.append({"path": "reviewer_verdict", "message": _("Choose a verdict.")})
    reasoning = (reasoning or "").strip() or None
    departs = bool(reviewer_verdict) and reviewer_verdict != engine_verdict
    if departs and (reasoning is None or len(reasoning) < 20):
        errors.append({"path": "reasoning", "message": _(
            "Your conclusion departs from the rules engine's verdict: explain your legal reasoning (at least 20 characters).")})
    if engine_verdict is None and not reviewer_verdict:
        errors.append({"path": "reviewer_verdict", "message": _("The engine could not assess the facts: give your own conclusion and reasoning.")})
    if errors:
        raise ValidationFailed(_("The agreement was not approved."), errors=errors)
    check_transition(a.status, S.approved, "approve")
    decision = ReviewDecision(
        agreement_id=a.id, version_number=a.version, decision=ReviewDecisionKind.approved, reviewer_id=actor.user_id,
        note=(note or "").strip() or None, facts=result["facts"], frozen_assessment=result.get("assessment"),
        ruleset=(result.get("assessment") or {}).get("ruleset"), engine_verdict=engine_verdict,
        reviewer_verdict=reviewer_verdict or engine_verdict, departure_reasoning=reasoning if departs else reasoning,
        created_at=now,
    )
    session.add(decision)
    a.status = S.approved
    a.approved_version = a.version
    a.assessment, a.verdict = result, engine_verdict
    a.updated_at = now
    session.flush()
    docs = documents.generate_for_agreement(session, a, decision=decision, actor=actor, now=now, at_approval=True)
    decision.document_sha256 = docs[0].sha256
    session.flush()
    audit.record(session, actor, "agreement.approved", a, at=now, before={"status": "in_review"}, after={
        "status": a.status, "version": a.version, "engine_verdict": engine_verdict, "reviewer_verdict": decision.reviewer_verdict,
        "ruleset": decision.ruleset, "document_sha256": decision.document_sha256, "departure_reasoning": decision.departure_reasoning,
    })
    return decision


def add_comment(
    session: Session, agreement_id: int, *, section: str, body: str, parent_id: int | None, actor: Actor, now: dt.datetime
) -> ReviewComment:
    a = get(session, agreement_id)
    errors = []
    if section not in SECTIONS:
        errors.append({"path": "section", "message": _("Choose a section.")})
    body = (body or "").strip()
    if not 1 <= len(body) <= 5000:
        errors.append({"path": "body", "message": _("Write a comment (at most 5000 characters).")})
    parent = None
    if parent_id:
        parent = session.get(ReviewComment, parent_id)
        if parent is None or parent.agreement_id != a.id:
            errors.append({"path": "parent_id", "message": _("Unknown comment.")})
        elif parent.parent_id is not None:
            parent = session.get(ReviewComment, parent.parent_id)  # replies go to the thread's first comment
        if parent is not None:
            section = parent.section
    if errors:
        raise ValidationFailed(_("The comment was not saved."), errors=errors)
    c = ReviewComment(agreement_id=a.id, section=section, parent_id=parent.id if parent else None, version_number=a.version,
                      author_id=actor.user_id, body=body, created_at=now)
    session.add(c)
    session.flush()
    audit.record(session, actor, "agreement.commented", a, at=now, after={"comment_id": c.id, "section": section, "reply_to": c.parent_id})
    return c


def resolve_comment(session: Session, comment_id: int, *, actor: Actor, now: dt.datetime, reopen: bool = False) -> ReviewComment:
    c = session.get(ReviewComment, comment_id)
    if c is None:
        raise NotFound(_("No such comment."))
    if c.parent_id is not None:
        raise Conflict(_("Resolve the thread from its first comment."))
    c.resolved_at, c.resolved_by_id = (None, None) if reopen else (now, actor.user_id)
    session.flush()
    audit.record(session, actor, "agreement.comment_reopened" if reopen else "agreement.comment_resolved",
                 object_type="agreement", object_id=c.agreement_id, at=now, after={"comment_id": c.id})
    return c


def comment_threads(session: Session, agreement_id: int) -> dict[str, list[ReviewComment]]:
    roots = session.scalars(
        select(ReviewComment).where(ReviewComment.agreement_id == agreement_id, ReviewComment.parent_id.is_(None)).order_by(ReviewComment.id)
    ).all()
    out: dict[str, list[ReviewComment]] = {s: [] for s in SECTIONS}
    for c in roots:
        out.setdefault(c.section, []).append(c)
    return out


# --- signing and lifecycle ------------------------------------------------------------------------------------


def record_signature(
    session: Session, agreement_id: int, *, party_id: int, signer_name: str, signer_role: str, signed_on: dt.date | None,
    pdf: bytes | None = None, pdf_filename: str | None = None, actor: Actor, now: dt.datetime, today: dt.date,
) -> Agreement:
    """One party signed. When every party has signed the agreement is signed, and active at once if it has started."""
    begin_write(session)
    a = lock(session, Agreement, agreement_id)
    if a is None:
        raise NotFound(_("No such agreement."))
    if a.status != S.approved:
        raise Conflict(_("Only an approved agreement can be signed."))
    errors = []
    party = next((p for p in a.parties if p.id == party_id), None)
    if party is None:
        errors.append({"path": "party_id", "message": _("Choose one of the parties.")})
    name, role = (signer_name or "").strip(), (signer_role or "").strip()
    if not 2 <= len(name) <= 200:
        errors.append({"path": "signer_name", "message": _("Enter the name of the person who signed.")})
    if not 2 <= len(role) <= 200:
        errors.append({"path": "signer_role", "message": _("Enter the signer's role, e.g. head of unit.")})
    if signed_on is None:
        errors.append({"path": "signed_on", "message": _("Enter the date of signing.")})
    elif signed_on > today:
        errors.append({"path": "signed_on", "message": _("The date of signing cannot be in the future.")})
    if pdf is not None and not pdf.startswith(b"%PDF"):
        errors.append({"path": "pdf", "message": _("The file is not a PDF.")})
    if party is not None and session.scalar(select(AgreementSignature.id).where(
            AgreementSignature.agreement_id == a.id, AgreementSignature.party_id == party.id)):
        errors.append({"path": "party_id", "message": _("%(name)s has already signed.", name=party.name)})
    if errors:
        raise ValidationFailed(_("The signature was not recorded."), errors=errors)
    sig = AgreementSignature(
        agreement_id=a.id, party_id=party.id, signer_name=name, signer_role=role, signed_on=signed_on, pdf=pdf or None,
        pdf_filename=(pdf_filename or "signert.pdf")[:200] if pdf else None,
        pdf_sha256=hashlib.sha256(pdf).hexdigest() if pdf else None, recorded_by_id=actor.user_id, recorded_at=now,
    )
    session.add(sig)
    session.flush()
    audit.record(session, actor, "agreement.party_signed", a, at=now, after={"party": party.org_number, "signer": name, "role": role,
                                                                               "signed_on": signed_on, "pdf_sha256": sig.pdf_sha256})
    signed = set(session.scalars(select(AgreementSignature.party_id).where(AgreementSignature.agreement_id == a.id)))
    if all(p.id in signed for p in a.parties):
        _move(session, a, S.signed, "sign", actor, now)
        if a.start_date is not None and a.start_date <= today:
            _move(session, a, S.active, "activate", actor, now)
            if a.end_date is not None and a.end_date < today:
                _move(session, a, S.expired, "expire", actor, now)
    return a


def signatures(session: Session, agreement_id: int) -> list[AgreementSignature]:
    return session.scalars(select(AgreementSignature).where(AgreementSignature.agreement_id == agreement_id).order_by(AgreementSignature.id)).all()


def _move(session: Session, a: Agreement, target: AgreementStatus, action: str, actor: Actor, now: dt.datetime, **extra) -> None:
    before = a.status
    check_transition(before, target, action)
    a.status = target
    a.updated_at = now
    session.flush()
    audit.record(session, actor, f"agreement.{action}", a, at=now, before={"status": before}, after={"status": target, **extra})


def apply_date_transitions(session: Session, today: dt.date, actor: Actor, now: dt.datetime | None = None) -> list[tuple[int, str, str]]:
    """Signed agreements whose start date has come become active; active ones past their end date expire.

    For the scheduler: idempotent (a second run finds nothing to do) and safe with two schedulers, because each
    agreement row is locked and re-checked before it is changed. Returns (id, from, to) for every change."""
    from .. import clock

    now = now or clock.now()
    begin_write(session)
    changed: list[tuple[int, str, str]] = []
    due = session.scalars(
        select(Agreement.id).where(
            ((Agreement.status == S.signed) & (Agreement.start_date <= today))
            | ((Agreement.status == S.active) & (Agreement.end_date < today))
        ).order_by(Agreement.id)
    ).all()
    for agreement_id in due:
        a = lock(session, Agreement, agreement_id)
        if a.status == S.signed and a.start_date is not None and a.start_date <= today:
            _move(session, a, S.active, "activate", actor, now)
            changed.append((a.id, "signed", "active"))
        if a.status == S.active and a.end_date is not None and a.end_date < today:
            _move(session, a, S.expired, "expire", actor, now)
            changed.append((a.id, "active", "expired"))
    return changed


def terminate(session: Session, agreement_id: int, *, reason: str, on: dt.date | None, actor: Actor, now: dt.datetime) -> Agreement:
    begin_write(session)
    a = lock(session, Agreement, agreement_id)
    if a is None:
        raise NotFound(_("No such agreement."))
    if a.status not in IN_FORCE:
        raise Conflict(_("Only a signed or active agreement can be terminated."))
    reason = (reason or "").strip()
    errors = []
    if not 10 <= len(reason) <= 5000:
        errors.append({"path": "reason", "message": _("Give the reason for the termination (10–5000 characters).")})
    if on is None:
        errors.append({"path": "terminated_on", "message": _("Enter the date the agreement ends.")})
    if errors:
        raise ValidationFailed(_("The agreement was not terminated."), errors=errors)
    a.termination_reason, a.terminated_on = reason, on
    _move(session, a, S.terminated, "terminate", actor, now, reason=reason, terminated_on=on)
    return a


# --- options ----------------------------------------------------------------------------------------------


def exercised_options(a: Agreement) -> list[AgreementOption]:
    return [o for o in a.options if o.undone_at is None]


def next_option(a: Agreement) -> tuple[int, int] | None:
    """(sequence, months) of the next option that can be exercised, or None."""
    done = len(exercised_options(a))
    plan = list(a.option_plan or [])
    return (done + 1, int(plan[done])) if done < len(plan) else None


def max_end(a: Agreement) -> dt.date | None:
    if a.start_date is None or a.max_duration_months is None:
        return None
    return add_months(a.start_date, a.max_duration_months) - dt.timedelta(days=1)


def exercise_option(session: Session, agreement_id: int, *, actor: Actor, now: dt.datetime) -> AgreementOption:
    begin_write(session)
    a = lock(session, Agreement, agreement_id)
    if a is None:
        raise NotFound(_("No such agreement."))
    if a.status not in OPTIONS_ALLOWED:
        raise Conflict(_("Options can be exercised only on a signed or active agreement."))
    nxt = next_option(a)
    if nxt is None:
        raise Conflict(_("The agreement has no option left to exercise."))
    sequence, months = nxt
    new_end = add_months(a.end_date + dt.timedelta(days=1), months) - dt.timedelta(days=1)
    limit = max_end(a)
    if limit is not None and new_end > limit:
        raise Conflict(_("The option would extend the agreement to %(end)s, beyond its maximum duration (%(limit)s).",
                         end=fmt_date(new_end), limit=fmt_date(limit)))
    option = AgreementOption(agreement_id=a.id, sequence=sequence, months=months, previous_end=a.end_date, new_end=new_end,
                             exercised_by_id=actor.user_id, exercised_at=now)
    session.add(option)
    before = a.end_date
    a.end_date = new_end
    session.flush()
    session.refresh(a, ["options"])
    _new_version(session, a, actor=actor, now=now, note=f"option {sequence}")
    audit.record(session, actor, "agreement.option_exercised", a, at=now, before={"end_date": before}, after={"end_date": new_end, "option": sequence})
    return option


def undo_option(session: Session, agreement_id: int, option_id: int, *, actor: Actor, now: dt.datetime) -> Agreement:
    begin_write(session)
    a = lock(session, Agreement, agreement_id)
    if a is None:
        raise NotFound(_("No such agreement."))
    if a.status not in OPTIONS_ALLOWED:
        raise Conflict(_("Options can be undone only on a signed or active agreement."))
    live = exercised_options(a)
    if not live or live[-1].id != option_id:
        raise Conflict(_("Only the latest exercised option can be undone."))
    option = live[-1]
    option.undone_at, option.undone_by_id = now, actor.user_id
    a.end_date = option.previous_end
    session.flush()
    session.refresh(a, ["options"])
    _new_version(session, a, actor=actor, now=now, note=f"option {option.sequence} undone")
    audit.record(session, actor, "agreement.option_undone", a, at=now, before={"end_date": option.new_end}, after={"end_date": a.end_date, "option": option.sequence})
    return a


# --- purchases under agreements ----------------------------------------------------------------------------


@functools.cache
def _covering_statement():
    """Built once: every seat purchase asks, and building the two-alias join costs more than running it."""
    buyer, provider = aliased(AgreementParty), aliased(AgreementParty)
    on = bindparam("on", type_=Date)
    return (
        select(Agreement)
        .join(buyer, buyer.agreement_id == Agreement.id)
        .join(provider, provider.agreement_id == Agreement.id)
        .where(
            Agreement.status.in_([S.signed, S.active]),
            buyer.legal_entity_id == bindparam("buyer"),
            provider.legal_entity_id == bindparam("provider"),
            # Two parties: within one legal person a purchase is an internal order, not one under an agreement
            # the legal person has with others (both aliases would otherwise match its one party row).
            buyer.legal_entity_id != provider.legal_entity_id,
            Agreement.start_date <= on,
            Agreement.end_date >= on,
        )
        .order_by(Agreement.end_date.desc(), Agreement.id.desc())
        .limit(1)
    )


def covering_agreement(session, *, buyer_entity_id: int, provider_entity_id: int, on: dt.date) -> "Agreement | None":
    """The agreement under which `buyer_entity_id` may buy seats from `provider_entity_id` on date `on`:
    status signed/active, both legal entities are parties, `on` within start..end (incl. exercised options).
    None when there is none (always within one legal person: an internal order). Picks the one ending last if
    several."""
    return session.scalars(_covering_statement(), {"buyer": buyer_entity_id, "provider": provider_entity_id, "on": on}).first()


@functools.cache
def _covering_id_statement():
    return _covering_statement().with_only_columns(Agreement.id)


def covering_agreement_id(session, *, buyer_entity_id: int, provider_entity_id: int, on: dt.date) -> int | None:
    """:func:`covering_agreement`'s id only: what a purchase records, without loading the agreement and its parties."""
    # Core execution: nothing to load into the session but an id (the purchase's hot path).
    return core_connection(session).execute(_covering_id_statement(), {"buyer": buyer_entity_id, "provider": provider_entity_id, "on": on}).scalar()


@dataclass
class ValueUse:
    used: Decimal
    estimated: Decimal | None
    pct: Decimal | None
    level: str | None  # None, "warning" (≥ 80 %), "exceeded" (≥ 100 %)
    purchases: int


def value_used(session: Session, a: Agreement) -> ValueUse:
    """Purchases under the agreement (actual cost when registered) against its estimated value incl. options."""
    from ..purchases.models import PurchaseStatus, SeatPurchase

    amount = func.coalesce(SeatPurchase.actual_amount, SeatPurchase.amount)
    used, n = session.execute(
        select(func.coalesce(func.sum(amount), 0), func.count()).where(
            SeatPurchase.agreement_id == a.id,
            SeatPurchase.status.in_([PurchaseStatus.confirmed, PurchaseStatus.completed]),
        )
    ).one()
    used = round_money(Decimal(str(used)))
    estimated = None
    if a.estimated_value is not None:
        estimated = a.estimated_value + (a.options_value or Decimal(0))
    pct = level = None
    if estimated:
        pct = (used * 100 / estimated).quantize(Decimal("0.1"))
        level = "exceeded" if used >= estimated else "warning" if used * 100 >= estimated * 80 else None
    return ValueUse(used, estimated, pct, level, n)


def status_text(status: AgreementStatus) -> str:
    from .labels import status_label

    return status_label(status)
