"""Agreements: the state changes of drafting (every save a version, optimistic locking) and legal review with the
two-person rule. Signing, options, the date-driven lifecycle and termination are in :mod:`.lifecycle`.

Services take the session, the actor and the time, flush and never commit. Status changes go through the
transition table in :mod:`.states` only. Reads are in :mod:`.queries`, input parsing in :mod:`.parsing`, and the
documents in :mod:`contracts_app.documents`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .. import audit, formats, rules
from ..audit import Actor
from ..db import begin_write, lock
from ..documents import services as documents
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..auth.models import Membership, Role, User
from ..auth.permissions import Principal
from ..notifications.services import notify_users, users_with_roles
from ..organisations.models import Side, Unit, UnitKind
from ..rulecheck.services import current_table
from ..rules.vocab import Verdict
from . import access
from . import facts as facts_module
from .diff import diff
from .models import (
    Agreement, AgreementCoveredUnit, AgreementParty, AgreementVersion, ReviewComment, ReviewDecision, ReviewDecisionKind,
)
from .parsing import completeness_errors, parse_new_draft, parse_step
from .queries import COOP_PARTY_FIELDS, PARTY_FIELDS, SECTIONS, STEPS, drafters, get, snapshot, step_values
from .states import EDITABLE, AgreementStatus, check_transition

S = AgreementStatus


class EditConflict(Conflict):
    """Someone else saved the draft after this user opened it. Carries both sides so nothing is lost."""

    def __init__(self, agreement: Agreement, step: str, mine: dict[str, Any], theirs: dict[str, Any]):
        super().__init__(_("Someone else saved this agreement while you were editing it. Compare the values and save again."))
        self.agreement, self.step, self.mine, self.theirs = agreement, step, mine, theirs
        self.current_version = agreement.version
        self.fields = diff(theirs, mine)


# --- the engine ------------------------------------------------------------------------------------------


def assess(session: Session, a: Agreement, *, today: dt.date) -> dict[str, Any]:
    """Facts from the agreement and the engine's answer: ``{"facts", "assessment"}`` or ``{"facts", "errors"}``."""
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
    session.refresh(a, ["parties", "covered"])
    _reassess(session, a, formats.local_date(now))
    v = AgreementVersion(
        agreement_id=a.id, number=a.version, snapshot=snapshot(a), note=note[:200], verdict=a.verdict,
        created_by_id=actor.user_id, created_at=now,
    )
    session.add(v)
    session.flush()
    return v


# --- who is told -----------------------------------------------------------------------------------------------

# Who decides for a party's unit: renewal, termination, signing (the same roles the agreement jobs tell).
DECIDERS = (Role.provider_coordinator, Role.budget_owner)
# The most reviewers a message names; the rest are counted.
NAMED_REVIEWERS = 5


def link(a: Agreement) -> str:
    """The agreement's page, as a notice links it (services do not build URLs with the request)."""
    return f"/agreements/{a.id}"


def tell(session: Session, a: Agreement, user_ids, kind: str, params: dict[str, Any], *, actor: Actor, now: dt.datetime,
         dedupe_key: str | None = None) -> int:
    """One notice per person for one event on ``a``; the actor is never told of their own act."""
    who = {uid for uid in user_ids if uid is not None and uid != actor.user_id}
    if not who:
        return 0
    return notify_users(session, sorted(who), kind, {"title": a.title, **params}, link=link(a), now=now, dedupe_key=dedupe_key)


def deciders_of(session: Session, a: Agreement, *, parties=None) -> list[int]:
    """Provider coordinators and budget owners of the units acting for the parties (all, or ``parties``)."""
    return users_with_roles(session, [p.unit_id for p in (a.parties if parties is None else parties) if p.unit_id], DECIDERS)


def eligible_reviewers(session: Session, a: Agreement) -> list[tuple[int, str]]:
    """(id, name) of the active legal reviewers who can review ``a`` — the scope of :func:`.access.can_review`: a
    reviewer at a party's acting unit, or at a unit (not a Nav office) of a party's legal person — without its
    drafters (the two-person rule of :func:`_check_reviewer`). By name."""
    unit_ids = sorted({p.unit_id for p in a.parties if p.unit_id})
    entity_ids = sorted({p.legal_entity_id for p in a.parties if p.legal_entity_id})
    where = []
    if unit_ids:
        where.append(Membership.unit_id.in_(unit_ids))
    if entity_ids:
        where.append(and_(Unit.legal_entity_id.in_(entity_ids), Unit.kind != UnitKind.nav_office))
    if not where:
        return []
    reviewers = (select(Membership.user_id).join(Unit, Unit.id == Membership.unit_id)
                 .where(Membership.role == Role.legal_reviewer, or_(*where)))
    rows = session.execute(select(User.id, User.name).where(User.id.in_(reviewers), User.is_active.is_(True))
                           .order_by(User.name, User.id)).all()
    excluded = drafters(session, a)
    return [(uid, name) for uid, name in rows if uid not in excluded]


def named(people: list[tuple[int, str]]) -> str:
    """"Ada, Bo and 3 more": the names of the first few people and how many more there are."""
    names = ", ".join(name for _uid, name in people[:NAMED_REVIEWERS])
    more = len(people) - NAMED_REVIEWERS
    return _("%(names)s and %(n)d more", names=names, n=more) if more > 0 else names


def no_reviewer_message(a: Agreement) -> str:
    """Why an agreement cannot go to legal review, and what an administrator must do about it."""
    where = ", ".join(f"{p.unit.name} ({p.name})" if p.unit is not None else p.name for p in a.parties)
    return _(
        "No legal reviewer other than its drafters can review this agreement, so it cannot be sent to legal review. "
        "An administrator must give the legal reviewer role to someone who has not drafted it, at one of the parties' "
        "units or at a unit (not a Nav office) of a party's legal person: %(where)s.", where=where)


# --- who is acting ---------------------------------------------------------------------------------------------


def principal_of(session: Session, actor: Actor) -> tuple[Principal, Unit | None]:
    """The actor's roles at their unit (as on every request: :meth:`User.roles_at`) and the unit, for the
    object-level checks of :mod:`.access` inside a service (the same rules as the pages)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    roles = frozenset(user.roles_at(actor.unit_id)) if user is not None else frozenset()
    unit = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
    return Principal(actor.user_id, actor.unit_id, roles), unit


# --- parties ------------------------------------------------------------------------------------------------


def _actor_unit_is_party(session: Session, actor: Actor, parties: list[dict[str, Any]]) -> bool:
    if actor.unit_id is None:
        return False
    unit = session.get(Unit, actor.unit_id)
    entity_ids = {unit.legal_entity_id} if unit is not None and unit.kind != UnitKind.nav_office else set()
    return any(p.get("unit_id") == actor.unit_id or (p.get("legal_entity_id") in entity_ids and p.get("legal_entity_id")) for p in parties)


def _write_covered(a: Agreement, unit_ids: list[int]) -> None:
    keep = {c.unit_id: c for c in a.covered}
    a.covered[:] = [keep.get(u) or AgreementCoveredUnit(unit_id=u) for u in sorted(set(unit_ids))]


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
    kind, title, parsed = parse_new_draft(session, data, errors)
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


def _visible_to(session: Session, actor: Actor):
    """``visible(agreement)``: whether the actor may see it (an agreement they cannot see is answered as unknown)."""
    p, unit = principal_of(session, actor)
    return lambda other: access.can_view(p, unit, other)


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
        raise Conflict(_("An agreement that is %(status)s cannot be edited.", status=a.status.label))
    errors: list[dict] = []
    values, parties = parse_step(session, a, step, data, errors, visible=_visible_to(session, actor), today=formats.local_date(now))
    if step == "parties" and not errors and not _actor_unit_is_party(session, actor, parties):
        # the create-time rule, on every edit: a draft cannot be moved out of its drafter's sight
        errors.append({"path": "parties", "message": _("Your unit must remain one of the parties.")})
    if expected_version is not None and expected_version != a.version:
        mine = {**{k: audit.jsonable(v) for k, v in values.items()}}
        if parties is not None:
            keys = PARTY_FIELDS if step == "parties" else COOP_PARTY_FIELDS
            mine["parties"] = [{k: audit.jsonable(p.get(k)) for k in keys} for p in parties]
        raise EditConflict(a, step, mine, step_values(a, step))
    if errors:
        raise ValidationFailed(_("The step was not saved. Correct the fields marked below; the saved draft is unchanged."), errors=errors)
    before = step_values(a, step)
    covered = values.pop("covered_unit_ids", None)
    for k, v in values.items():
        setattr(a, k, v)
    if step == "parties":
        _write_parties(a, parties)
        if covered is not None:
            _write_covered(a, covered)
    elif step == "cooperation":
        for p, row in zip(a.parties, parties):
            for k, v in row.items():
                setattr(p, k, v)
    session.flush()
    session.refresh(a, ["parties", "covered"])
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
    reviewers = eligible_reviewers(session, a)
    if not reviewers:
        raise Conflict(no_reviewer_message(a))
    before, again = a.status, a.submitted_version is not None
    check_transition(a.status, S.in_review, "submit")
    a.status = S.in_review
    a.submitted_version = a.version
    a.updated_at = now
    session.flush()
    audit.record(session, actor, "agreement.submitted", a, at=now, before={"status": before},
                 after={"status": a.status, "version": a.version, "reviewers": [uid for uid, _name in reviewers]})
    tell(session, a, [uid for uid, _name in reviewers], "agreement.resubmitted" if again else "agreement.submitted",
         {"version": a.version}, actor=actor, now=now)
    return a


def _check_reviewer(session: Session, a: Agreement, actor: Actor) -> None:
    if actor.user_id in drafters(session, a):
        raise PermissionDenied(_("You drafted this agreement: another legal reviewer must review it (two-person rule)."))


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
    tell(session, a, drafters(session, a), "agreement.changes_requested", {"note": note[:500]}, actor=actor, now=now)
    return a


def approve(
    session: Session, agreement_id: int, *, reviewer_verdict: str | None, reasoning: str | None, note: str | None,
    actor: Actor, now: dt.datetime, today: dt.date,
) -> ReviewDecision:
    """Approve the version under review: freeze facts, ruleset, verdict and the document (SHA-256).

    ``reviewer_verdict`` is the reviewer's own conclusion (None = agrees with the engine). When it differs from the
    engine's verdict, ``reasoning`` must explain why; it is shown on the agreement and in its documents."""
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
    if reviewer_verdict and reviewer_verdict not in Verdict.values():
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
    tell(session, a, drafters(session, a), "agreement.approved", {"version": a.version}, actor=actor, now=now)
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
    tell(session, a, comment_recipients(session, a), "agreement.commented", {"name": _author_name(session, actor)}, actor=actor, now=now)
    return c


def comment_recipients(session: Session, a: Agreement) -> set[int]:
    """Who hears of a comment: the drafters, and the other side of the conversation so far — everyone who has
    commented on the agreement or decided on it in legal review."""
    commenters = select(ReviewComment.author_id).where(ReviewComment.agreement_id == a.id)
    deciders = select(ReviewDecision.reviewer_id).where(ReviewDecision.agreement_id == a.id)
    return drafters(session, a) | set(session.scalars(commenters.union(deciders)).all())


def _author_name(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    return user.name if user is not None else "?"


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
