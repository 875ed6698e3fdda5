"""Job 7: data retention. Participant references and consent data are anonymised ``CONTRACTS_RETENTION_MONTHS``
(default 12) months after the seat ended.

When a seat "ended":
* a seat purchase that was confirmed or completed: its end date;
* a cancelled purchase or a refused override: the day it was cancelled or refused (``updated_at``);
* a request for free seats that was accepted: its period's end (its purchase carries its own copy, handled above);
  declined, withdrawn or expired: the day that happened (``updated_at``).
Open purchases and requests (awaiting an override, held, waiting, offered) are never touched.

The same job prunes its own bookkeeping: succeeded job runs and sent (or sink) e-mails older than
``HISTORY_DAYS``. An old window is never claimed again (the scheduler only claims the current one), so
forgetting it is safe; failed runs and failed e-mails stay until an admin has seen them. And the API's stored
answers to ``Idempotency-Key`` writes older than ``CONTRACTS_API_IDEMPOTENCY_DAYS`` (each holds a whole answer),
and login counters whose window ran out and that remember no successful login (``auth.throttle.forget_expired``).

Anonymising blanks the reference and the consent (flag and date) and sets ``anonymised_at``; the CEFR level
stays for statistics (it identifies nobody without the reference). Each purchase or request gets one audit
event with how many participants were anonymised.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..api import idempotency
from ..auth import throttle
from ..audit import SYSTEM
from ..capacity.models import CapacityRequest, RequestParticipant, RequestStatus
from ..formats import local_date, start_of_day
from ..db import begin_write
from ..purchases.models import Participant, PurchaseStatus, SeatPurchase
from ..rules.dates import add_months

ANONYMISED_REFERENCE = ""
HISTORY_DAYS = 90
BATCH = 500  # records per commit, so a first run over years of data does not hold the write lock for long


def _anonymise(session: Session, model, owner, ids: list[int], object_type: str, now: dt.datetime, audit_after: dict) -> int:
    """Anonymise the participants of ``ids`` (purchases or requests; ``owner`` is the participant's column naming
    them): one statement counts them per record, one updates them, and one audit event per record is added.
    Returns how many participants were anonymised."""
    counts = dict(session.execute(
        select(owner, func.count()).where(owner.in_(ids), model.anonymised_at.is_(None)).group_by(owner)).all())
    if not counts:
        return 0
    session.execute(update(model).where(owner.in_(list(counts)), model.anonymised_at.is_(None))
                    .values(reference=ANONYMISED_REFERENCE, consent=False, consent_date=None, anonymised_at=now)
                    .execution_options(synchronize_session="fetch"))
    # one event per record, as audit.record writes it, in one multi-row insert (no ORM objects to flush one by one)
    session.execute(insert(audit.AuditEvent), [
        audit.event_values(SYSTEM, "retention.participants_anonymised", object_type=object_type, object_id=record_id, at=now,
                           after={"participants": counts[record_id], **audit_after})
        for record_id in ids if record_id in counts])
    return sum(counts.values())


def run(session: Session, now: dt.datetime) -> dict:
    months = current_app.config["RETENTION_MONTHS"]
    cutoff = add_months(local_date(now), -months)  # ended on or before this day → anonymise
    cutoff_at = start_of_day(cutoff + dt.timedelta(days=1))
    begin_write(session)

    ended_purchase = or_(
        SeatPurchase.status.in_([PurchaseStatus.confirmed, PurchaseStatus.completed]) & (SeatPurchase.end_date <= cutoff),
        SeatPurchase.status.in_([PurchaseStatus.cancelled, PurchaseStatus.override_refused]) & (SeatPurchase.updated_at < cutoff_at),
    )
    purchase_ids = session.scalars(
        select(SeatPurchase.id).join(Participant, Participant.purchase_id == SeatPurchase.id)
        .where(ended_purchase, Participant.anonymised_at.is_(None)).distinct().order_by(SeatPurchase.id)
    ).all()
    ended_request = or_(
        (CapacityRequest.status == RequestStatus.accepted) & (CapacityRequest.end_date <= cutoff),
        CapacityRequest.status.in_([RequestStatus.declined, RequestStatus.withdrawn, RequestStatus.expired])
        & (CapacityRequest.updated_at < cutoff_at),
    )
    request_ids = session.scalars(
        select(CapacityRequest.id).join(RequestParticipant, RequestParticipant.request_id == CapacityRequest.id)
        .where(ended_request, RequestParticipant.anonymised_at.is_(None)).distinct().order_by(CapacityRequest.id)
    ).all()

    # In batches: a few statements per BATCH records (never one per record), a commit after each, so a first run
    # over years of national data stays well under a minute and does not hold the write lock for long.
    people = 0
    after = {"retention_months": months, "ended_on_or_before": cutoff}
    for ids, model, owner, object_type in ((purchase_ids, Participant, Participant.purchase_id, "seat_purchase"),
                                           (request_ids, RequestParticipant, RequestParticipant.request_id, "capacity_request")):
        for i in range(0, len(ids), BATCH):
            people += _anonymise(session, model, owner, list(ids[i:i + BATCH]), object_type, now, after)
            session.commit()
            begin_write(session)
    pruned_runs, pruned_mail = _prune(session, now)
    pruned_answers = idempotency.forget_old(
        session, before=now - dt.timedelta(days=current_app.config["API_IDEMPOTENCY_DAYS"]))
    pruned_counters = throttle.forget_expired(session, throttle.Limits.from_settings(current_app.config), now=now)
    left = session.scalar(select(func.count()).select_from(Participant).where(Participant.anonymised_at.is_(None))) or 0
    return {"purchases": len(purchase_ids), "requests": len(request_ids), "participants": people,
            "participants_kept": left, "cutoff": cutoff.isoformat(), "pruned_runs": pruned_runs, "pruned_emails": pruned_mail,
            "pruned_api_answers": pruned_answers, "pruned_login_counters": pruned_counters}


def _prune(session: Session, now: dt.datetime) -> tuple[int, int]:
    from ..notifications.models import OutboxMessage, OutboxStatus
    from .models import JobRun, RunStatus

    before = now - dt.timedelta(days=HISTORY_DAYS)
    runs = session.execute(delete(JobRun).where(JobRun.status == RunStatus.succeeded, JobRun.started_at < before)
                           .execution_options(synchronize_session=False)).rowcount
    mails = session.execute(delete(OutboxMessage).where(OutboxMessage.status.in_([OutboxStatus.sent, OutboxStatus.sink]),
                                                        OutboxMessage.created_at < before)
                            .execution_options(synchronize_session=False)).rowcount
    return runs or 0, mails or 0
