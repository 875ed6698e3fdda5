"""What every seat move on an offer shares: the locks, the two seat ledgers, ending a request, the walk down
the waiting list, and the notices to the two units. Used by ``offers.py``, ``requests.py`` and ``expiry.py``, and
by :func:`purchases.services.cancel` (:func:`give_back_purchase`: a cancelled purchase gives an accepted request's
seats back to its offer).

Locking. Every write that moves seats takes ``begin_write`` and then locks, in this order: the course row,
the offer row, the request row(s), and (through :func:`purchases.services.confirm`) the budget row; a cancel
locks its purchase row first (no seat service locks a purchase), then the same order. The
course lock serialises everything that counts seats on one course: direct purchases, requests, answers and
expiry. Services flush; the caller commits (or rolls back when a service raises: nothing is half-written).

Holds. A request holds its seats until the provider answers or ``hold_expires_at``: the end of the
``HoldDays.answer``-th working day (``CONTRACTS_HOLD_WORKING_DAYS``) after the request, Norwegian public holidays
skipped, never past the end of the offer's request deadline. A hold is counted in both ledgers
(``course.seats_held``, ``offer.seats_held``).

Waiting list. When seats free up, the waiting list is walked in order and the first entry whose seats fit is
*offered* them: the seats are held for it for ``HoldDays.take`` working days
(``CONTRACTS_WAITLIST_OFFER_WORKING_DAYS``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, formats
from ..audit import SYSTEM, Actor
from ..auth.models import Role
from ..calendar import add_working_days
from ..config import DEFAULTS
from ..courses.models import Course
from ..db import begin_write, lock
from ..errors import NotFound, PermissionDenied
from ..notifications import services as notify
from .models import HOLDING_STATUSES, OPEN_REQUEST_STATUSES, CapacityOffer, CapacityRequest, OfferStatus, RequestStatus
from .states import offer_target, request_target


@dataclass(frozen=True)
class HoldDays:
    """Working days seats are held: for the provider to answer a request, and for a waiting-list entry to take
    freed seats. Views, jobs and commands pass ``HoldDays.from_config(app.config)``."""

    answer: int = int(DEFAULTS["HOLD_WORKING_DAYS"])
    take: int = int(DEFAULTS["WAITLIST_OFFER_WORKING_DAYS"])

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> HoldDays:
        return cls(answer=int(config["HOLD_WORKING_DAYS"]), take=int(config["WAITLIST_OFFER_WORKING_DAYS"]))


def hold_until(offer: CapacityOffer, now: dt.datetime, working_days: int) -> dt.datetime:
    """End of the ``working_days``-th working day from now, but never past the offer's request deadline."""
    return min(formats.end_of_day(add_working_days(formats.local_date(now), working_days)),
               formats.end_of_day(offer.request_deadline))


# --- locks ----------------------------------------------------------------------------------------------

def lock_offer(session: Session, offer_id: int) -> tuple[Course, CapacityOffer]:
    """Lock the offer's course, then the offer (the fixed order). NotFound if there is no such offer."""
    begin_write(session)
    course_id = session.scalar(select(CapacityOffer.course_id).where(CapacityOffer.id == offer_id))
    if course_id is None:
        raise NotFound(_("No such offer."))
    course = lock(session, Course, course_id)
    return course, lock(session, CapacityOffer, offer_id)


def lock_request(session: Session, request_id: int) -> tuple[Course, CapacityOffer, CapacityRequest]:
    """Lock the request's course, offer and then the request. NotFound if there is no such request."""
    begin_write(session)
    offer_id = session.scalar(select(CapacityRequest.offer_id).where(CapacityRequest.id == request_id))
    if offer_id is None:
        raise NotFound(_("No such request."))
    course, offer = lock_offer(session, offer_id)
    return course, offer, lock(session, CapacityRequest, request_id)


def open_requests(session: Session, offer_id: int) -> list[CapacityRequest]:
    """The offer's open requests, read fresh and locked (the offer is locked already, so this cannot deadlock)."""
    stmt = (select(CapacityRequest).where(CapacityRequest.offer_id == offer_id, CapacityRequest.status.in_(OPEN_REQUEST_STATUSES))
            .order_by(CapacityRequest.id).execution_options(populate_existing=True))
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=CapacityRequest)
    return list(session.scalars(stmt).all())


def own_offer(offer: CapacityOffer, actor: Actor) -> None:
    if offer.provider_unit_id != actor.unit_id:
        raise PermissionDenied(_("Only the unit that published the offer can change it."))


# --- the seat ledgers -----------------------------------------------------------------------------------

def hold(course: Course, offer: CapacityOffer, seats: int) -> None:
    course.seats_held = course.seats_held + seats
    offer.seats_held = offer.seats_held + seats


def release(course: Course, offer: CapacityOffer, req: CapacityRequest) -> None:
    if req.status in HOLDING_STATUSES:
        course.seats_held = course.seats_held - req.seats
        offer.seats_held = offer.seats_held - req.seats


def not_open(req: CapacityRequest) -> str:
    """Why an answer to a request that has moved on is refused."""
    return _("The request is no longer open (it is %(status)s).", status=req.status.label.lower())


def end_request(session: Session, course: Course, offer: CapacityOffer, req: CapacityRequest, action: str,
                now: dt.datetime, *, reason: str | None = None, actor: Actor = SYSTEM, refusal: str | None = None) -> None:
    """``decline``, ``withdraw`` or ``expire`` an open request: its held seats go back to the offer."""
    before = req.status
    status = request_target(before, action, message=refusal)
    release(course, offer, req)
    req.status = status
    req.hold_expires_at = None
    if reason:
        req.answer_reason = reason
    req.updated_at = now
    session.flush()
    audit.record(session, actor, f"capacity.request_{status.value}", req, at=now, before={"status": before},
                 after={"status": status, "reason": reason})


def hold_request(session: Session, offer: CapacityOffer, req: CapacityRequest, action: str, now: dt.datetime,
                 working_days: int, *, actor: Actor, event: str, refusal: str | None = None) -> None:
    """``offer`` (waiting → offered) or ``take`` (offered → held): the request holds its seats until the end of the
    ``working_days``-th working day; audited as ``event``."""
    before = req.status
    req.status = request_target(before, action, message=refusal)
    req.hold_expires_at = hold_until(offer, now, working_days)
    req.updated_at = now
    session.flush()
    audit.record(session, actor, event, req, at=now, before={"status": before},
                 after={"status": req.status, "hold_expires_at": req.hold_expires_at})


def advance_waiting_list(session: Session, course: Course, offer: CapacityOffer, now: dt.datetime,
                         days: HoldDays) -> list[CapacityRequest]:
    """Offer freed seats to the waiting list in order: each entry whose seats fit gets them, time-limited."""
    if offer.status != OfferStatus.published or formats.local_date(now) > offer.request_deadline:
        return []
    waiting = session.scalars(
        select(CapacityRequest).where(CapacityRequest.offer_id == offer.id, CapacityRequest.status == RequestStatus.waiting)
        .order_by(CapacityRequest.position, CapacityRequest.id)
    ).all()
    offered = []
    for req in waiting:
        if offer.seats_available <= 0:
            break
        if req.seats > offer.seats_available:
            continue
        hold(course, offer, req.seats)
        hold_request(session, offer, req, "offer", now, days.take, actor=SYSTEM, event="capacity.waitlist_offered")
        tell_requester(session, req, offer, "capacity.waitlist_offered", now, until=formats.datetime(req.hold_expires_at))
        offered.append(req)
    return offered


def give_back_purchase(session: Session, course: Course, purchase: Any, *, actor: Actor, now: dt.datetime,
                       days: HoldDays | None = None) -> CapacityOffer | None:
    """A cancelled purchase that an accepted request made gives its seats back to the offer, like a released hold:
    ``seats_taken`` down, a filled offer published again while its request deadline has not passed, and the
    waiting list offered the freed seats (:func:`advance_waiting_list`). Audited as ``capacity.seats_given_back``.

    Called by :func:`purchases.services.cancel` (which imports this when called: capacity imports purchases, not
    the other way round) with the purchase locked and then ``course`` locked, its ``seats_confirmed`` already
    given back and flushed; this locks the offer and the request, in the fixed order (course, offer, request),
    before cancel locks the budget line. Returns the offer, or None for a purchase no request made (nothing to do).
    """
    row = session.execute(select(CapacityRequest.id, CapacityRequest.offer_id)
                          .where(CapacityRequest.purchase_id == purchase.id)).first()
    if row is None:
        return None
    offer = lock(session, CapacityOffer, row.offer_id)
    req = lock(session, CapacityRequest, row.id)
    before = {"status": offer.status, "seats_taken": offer.seats_taken}
    offer.seats_taken = offer.seats_taken - min(req.seats, offer.seats_taken)
    if offer.status == OfferStatus.filled and formats.local_date(now) <= offer.request_deadline:
        offer.status = offer_target(offer.status, "reopen")
    offer.updated_at = now
    session.flush()
    offered = advance_waiting_list(session, course, offer, now, days or HoldDays())
    audit.record(session, actor, "capacity.seats_given_back", offer, at=now, before=before,
                 after={"status": offer.status, "seats_taken": offer.seats_taken, "seats": req.seats, "request_id": req.id,
                        "purchase_id": purchase.id, "offered_to": [r.id for r in offered]})
    return offer


# --- notices --------------------------------------------------------------------------------------------

def request_link(req: CapacityRequest) -> str:
    """The request's page (stored with a notice; the same path the ``capacity.request_detail`` route serves)."""
    return f"/capacity/requests/{req.id}"


def notice_params(req: CapacityRequest, offer: CapacityOffer, **extra) -> dict[str, Any]:
    return {"unit": req.requester_unit.name, "seats": req.seats, "course": offer.course.title, **extra}


def tell_provider(session: Session, req: CapacityRequest, offer: CapacityOffer, kind: str, now: dt.datetime, **extra) -> None:
    notify.notify_unit(session, offer.provider_unit_id, (Role.provider_coordinator,), kind, notice_params(req, offer, **extra),
                       link=request_link(req), now=now)


def tell_requester(session: Session, req: CapacityRequest, offer: CapacityOffer, kind: str, now: dt.datetime, **extra) -> None:
    notify.notify_users(session, [req.created_by_id], kind, notice_params(req, offer, **extra), link=request_link(req), now=now)
