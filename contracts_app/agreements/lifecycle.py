"""Agreements after approval: signing (each party for itself, or on paper by a jurist or an administrator),
the date-driven lifecycle (active, expired), termination and options.

Services take the session, the actor and the time, flush and never commit. Status changes go through the
transition table in :mod:`.states` only.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, formats
from ..audit import Actor
from ..db import begin_write, lock
from ..documents import uploads
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..notifications.services import legal_reviewers_of
from ..rules.dates import add_months
from . import access
from .models import (
    Agreement, AgreementOption, AgreementSignature, ReviewDecision, ReviewDecisionKind, SignatureMethod,
)
from .queries import drafters, exercised_options, max_end, next_option
from .services import _new_version, deciders_of, principal_of, tell
from .states import IN_FORCE, OPTIONS_ALLOWED, AgreementStatus, check_transition

S = AgreementStatus


# --- signing and lifecycle ------------------------------------------------------------------------------------


def record_signature(
    session: Session, agreement_id: int, *, party_id: int, signer_name: str, signer_role: str, signed_on: dt.date | None,
    pdf: bytes | None = None, pdf_filename: str | None = None, actor: Actor, now: dt.datetime, today: dt.date,
) -> Agreement:
    """One party signed. When every party has signed the agreement is signed, and active at once if it has started.

    Only for one's own side: a member of the unit acting for the party records its signature; a legal reviewer or an
    administrator may record any party's paper signature, and must attach the signed PDF. Anyone else is refused
    (PermissionDenied), so one party can never sign for another."""
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
        method = None
    else:
        principal, unit = principal_of(session, actor)
        method = access.signing_method(principal, unit, party)
        if method is None:
            raise PermissionDenied(_(
                "You can record the signature only of a party your unit acts for. A legal reviewer or an administrator "
                "can record another party's signature on paper, with the signed PDF."))
    name, role = (signer_name or "").strip(), (signer_role or "").strip()
    if not 2 <= len(name) <= 200:
        errors.append({"path": "signer_name", "message": _("Enter the name of the person who signed.")})
    if not 2 <= len(role) <= 200:
        errors.append({"path": "signer_role", "message": _("Enter the signer's role, e.g. head of unit.")})
    if signed_on is None:
        errors.append({"path": "signed_on", "message": _("Enter the date of signing.")})
    elif signed_on > today:
        errors.append({"path": "signed_on", "message": _("The date of signing cannot be in the future.")})
    else:
        approved_at = session.scalar(select(func.max(ReviewDecision.created_at)).where(
            ReviewDecision.agreement_id == a.id, ReviewDecision.decision == ReviewDecisionKind.approved))
        approved_on = formats.local_date(approved_at) if approved_at is not None else None
        if approved_on is not None and signed_on < approved_on:
            errors.append({"path": "signed_on", "message": _(
                "The agreement was approved on %(approved)s: the date of signing must be between that day and today.",
                approved=formats.date(approved_on))})
    if pdf is not None and (problem := uploads.pdf_problem(pdf)):
        errors.append({"path": "pdf", "message": problem})
    elif pdf is None and method == SignatureMethod.on_paper:
        errors.append({"path": "pdf", "message": _(
            "%(name)s is not your unit's party: attach the PDF %(name)s signed to record its signature on paper.", name=party.name)})
    if party is not None and session.scalar(select(AgreementSignature.id).where(
            AgreementSignature.agreement_id == a.id, AgreementSignature.party_id == party.id)):
        errors.append({"path": "party_id", "message": _("%(name)s has already signed.", name=party.name)})
    if errors:
        raise ValidationFailed(_("The signature was not recorded."), errors=errors)
    sig = AgreementSignature(
        agreement_id=a.id, party_id=party.id, signer_name=name, signer_role=role, signed_on=signed_on, pdf=pdf or None,
        pdf_filename=uploads.clean_filename(pdf_filename) if pdf else None,
        pdf_sha256=hashlib.sha256(pdf).hexdigest() if pdf else None, recorded_by_id=actor.user_id, recorded_at=now,
        method=method,
    )
    session.add(sig)
    session.flush()
    audit.record(session, actor, "agreement.party_signed", a, at=now, after={"party": party.org_number, "signer": name, "role": role,
                                                                               "signed_on": signed_on, "pdf_sha256": sig.pdf_sha256,
                                                                               "method": method})
    signed = set(session.scalars(select(AgreementSignature.party_id).where(AgreementSignature.agreement_id == a.id)))
    everyone = all(p.id in signed for p in a.parties)
    # the drafters, and those who sign for the other parties (every party's, once all have signed)
    others = a.parties if everyone else [p for p in a.parties if p.id != party.id]
    told = drafters(session, a) | set(deciders_of(session, a, parties=others))
    if not everyone:
        tell(session, a, told, "agreement.party_signed", {"party": party.name}, actor=actor, now=now)
        return a
    _move(session, a, S.signed, "sign", actor, now)
    tell(session, a, told, "agreement.signed", {"party": party.name}, actor=actor, now=now)
    if a.start_date is not None and a.start_date <= today:
        _move(session, a, S.active, "activate", actor, now)
        # the notice the date job sends (jobs/agreements.py), with its key: nobody is told twice
        tell(session, a, in_force_recipients(session, a), "agreement.activated", {"start": a.start_date.isoformat()},
             actor=actor, now=now, dedupe_key=f"agreement.activated:{a.id}")
        if a.end_date is not None and a.end_date < today:
            _move(session, a, S.expired, "expire", actor, now)
            tell(session, a, in_force_recipients(session, a), "agreement.expired", {"end": a.end_date.isoformat()},
                 actor=actor, now=now, dedupe_key=f"agreement.expired:{a.id}:{a.end_date.isoformat()}")
    return a


def in_force_recipients(session: Session, a: Agreement) -> set[int]:
    """Who hears that an agreement became active or expired: the parties' coordinators and budget owners and the
    legal reviewers of the parties' legal persons (the recipients of the date job, jobs/agreements.py)."""
    return set(deciders_of(session, a)) | set(legal_reviewers_of(session, [p.legal_entity_id for p in a.parties]))


def _move(session: Session, a: Agreement, target: AgreementStatus, action: str, actor: Actor, now: dt.datetime, **extra) -> None:
    before = a.status
    check_transition(before, target, action)
    a.status = target
    a.updated_at = now
    session.flush()
    audit.record(session, actor, f"agreement.{action}", a, at=now, before={"status": before}, after={"status": target, **extra})


def apply_date_transitions(session: Session, today: dt.date, actor: Actor, *, now: dt.datetime) -> list[tuple[int, str, str]]:
    """Signed agreements whose start date has come become active; active ones past their end date expire.

    For the scheduler: idempotent (a second run finds nothing to do) and safe with two schedulers, because each
    agreement row is locked and re-checked before it is changed. Returns (id, from, to) for every change."""
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
    tell(session, a, deciders_of(session, a), "agreement.terminated", {"date": on.isoformat(), "reason": reason[:500]},
         actor=actor, now=now)
    return a


# --- options ----------------------------------------------------------------------------------------------


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
                         end=formats.date(new_end), limit=formats.date(limit)))
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
