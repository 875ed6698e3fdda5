"""Seats lost to the clock: holds and waiting-list offers that ran out, offers past their deadline or period,
and the reminders a day before.

:func:`expire_due` is the scheduler's job (``capacity.offers``, ``capacity.holds``) and ``flask capacity expire``;
:func:`expire_offer_due` also runs, for one offer, inside every change to it, so a stale hold never blocks a
seat. Both are idempotent: a second run finds nothing to do.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, formats
from ..audit import SYSTEM
from ..auth.models import Role
from ..courses.models import Course
from ..db import begin_write
from ..notifications import services as notify
from .models import ACTIVE_OFFER_STATUSES, HOLDING_STATUSES, CapacityOffer, CapacityRequest, RequestStatus
from .seats import HoldDays, advance_waiting_list, end_request, lock_offer, notice_params, open_requests, request_link, tell_provider
from .states import offer_target


def expire_offer_due(session: Session, course: Course, offer: CapacityOffer, now: dt.datetime, days: HoldDays) -> int:
    """With the course and offer locked: release holds that ran out, end an offer past its deadline, and offer
    freed seats to the waiting list. Returns how many requests expired."""
    today = formats.local_date(now)
    n = 0
    offer_over = offer.status in ACTIVE_OFFER_STATUSES and (today > offer.request_deadline or today > offer.period_end)
    for req in open_requests(session, offer.id):
        due = req.status in HOLDING_STATUSES and req.hold_expires_at is not None and req.hold_expires_at <= now
        if due or offer_over:
            was_held = req.status == RequestStatus.held
            end_request(session, course, offer, req, "expire", now, reason=None if due else _("The offer's request deadline passed."))
            if was_held:
                tell_provider(session, req, offer, "capacity.request_expired", now)
            n += 1
    if offer_over:
        offer.status = offer_target(offer.status, "expire")
        offer.updated_at = now
        session.flush()
        audit.record(session, SYSTEM, "capacity.offer_expired", offer, at=now, after={"status": offer.status})
    elif n:
        advance_waiting_list(session, course, offer, now, days)
    return n


def expire_due(session: Session, *, now: dt.datetime, days: HoldDays = HoldDays()) -> dict[str, int]:
    """The scheduler's job: expire due holds and waiting-list offers, and offers past their deadline or period,
    offer by offer under the usual locks. Idempotent: a second run finds nothing to do."""
    today = formats.local_date(now)
    begin_write(session)
    offer_ids = set(session.scalars(select(CapacityRequest.offer_id).where(
        CapacityRequest.status.in_(HOLDING_STATUSES), CapacityRequest.hold_expires_at <= now)).all())
    offer_ids |= set(session.scalars(select(CapacityOffer.id).where(
        CapacityOffer.status.in_(ACTIVE_OFFER_STATUSES),
        (CapacityOffer.request_deadline < today) | (CapacityOffer.period_end < today))).all())
    requests = offers = 0
    for offer_id in sorted(offer_ids):
        course, offer = lock_offer(session, offer_id)
        was = offer.status
        requests += expire_offer_due(session, course, offer, now, days)
        offers += int(was != offer.status)
    return {"requests": requests, "offers": offers}


def remind_expiring(session: Session, *, now: dt.datetime, within: dt.timedelta = dt.timedelta(hours=24)) -> dict[str, int]:
    """Before seats are lost to the clock: tell the provider's coordinators that a held request runs out within a
    day (answer it), and the requester that seats offered from the waiting list do (take them). Once per hold — the
    dedupe key carries the hold's end, so hourly runs tell nobody twice, and a new hold gets its own reminder."""
    due = session.scalars(select(CapacityRequest).where(
        CapacityRequest.status.in_(HOLDING_STATUSES), CapacityRequest.hold_expires_at > now,
        CapacityRequest.hold_expires_at <= now + within).order_by(CapacityRequest.id)).all()
    providers = requesters = 0
    for req in due:
        offer = req.offer
        key = f"capacity.hold_expiring|r{req.id}|{req.hold_expires_at.astimezone(dt.timezone.utc).isoformat()}"
        params = notice_params(req, offer, until=formats.datetime(req.hold_expires_at))
        if req.status == RequestStatus.held:
            providers += notify.notify_unit(session, offer.provider_unit_id, (Role.provider_coordinator,), "capacity.hold_expiring",
                                            params, link=request_link(req), now=now, dedupe_key=key)
        else:
            requesters += notify.notify_users(session, [req.created_by_id], "capacity.offered_expiring", params,
                                              link=request_link(req), now=now, dedupe_key=key)
    return {"providers": providers, "requesters": requesters}
