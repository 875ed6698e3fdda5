"""Requests for offered seats: request (a hold, or a place on the waiting list), accept, decline, withdraw, take
seats offered from the waiting list, reorder the waiting list.

A request that does not fit the seats available joins the offer's waiting list; the requester takes seats offered
from it (the request is then held for the provider's answer like any other) or lets them go to the next in line.
A provider may reorder the list with a reason; it is audited. Accepting makes the seat purchase through
:func:`purchases.services.confirm` with ``held_seats``, in the same locked transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, formats
from ..agreements.queries import covering_agreement
from ..audit import Actor
from ..budget import services as budget_services
from ..budget.models import Budget
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..organisations.models import LegalEntity, Unit
from ..purchases import services as purchase_services
from .expiry import expire_offer_due
from .models import CapacityOffer, CapacityRequest, OfferStatus, RequestParticipant, RequestStatus
from .queries import visible_to
from .seats import (
    HoldDays,
    advance_waiting_list,
    end_request,
    hold,
    hold_request,
    hold_until,
    lock_offer,
    lock_request,
    not_open,
    open_requests,
    own_offer,
    tell_provider,
    tell_requester,
)
from .states import offer_target, request_target


class AgreementRequired(Conflict):
    """Accepting would make a purchase between two legal persons that no valid agreement covers."""

    def __init__(self, message: str, *, request: CapacityRequest, buyer: LegalEntity, provider: LegalEntity,
                 assessment: dict[str, Any] | None):
        super().__init__(message)
        self.request = request
        self.buyer = buyer
        self.provider = provider
        self.assessment = assessment


@dataclass
class RequestInput:
    offer_id: int
    requester_unit_id: int
    budget_id: int | None
    side: str | None
    seats: Any
    start_date: dt.date | None
    end_date: dt.date | None
    participants: list[purchase_services.ParticipantInput] = field(default_factory=list)
    message: str = ""
    # The requester ticked "the start date is in the past, and that is right" (purchase_services.check_start).
    past_start_confirmed: bool = False
    # The requester chose the waiting list although some (too few) seats are free now.
    join_waiting_list: bool = False


def _purchase_input(req_or_data, course_id: int, unit_price, held: int = 0) -> purchase_services.PurchaseInput:
    d = req_or_data
    participants = d.participants
    if participants and isinstance(participants[0], RequestParticipant):
        participants = [purchase_services.ParticipantInput(p.reference, p.cefr_level, p.consent, p.consent_date) for p in participants]
    side = d.side.value if hasattr(d.side, "value") else d.side
    return purchase_services.PurchaseInput(
        course_id=course_id, buyer_unit_id=d.requester_unit_id, budget_id=d.budget_id, side=side, seats=d.seats,
        start_date=d.start_date, end_date=d.end_date, participants=list(participants), unit_price=unit_price, held_seats=held,
        # Checked when the request was made; accepting it later, after its start, is no new decision on the date.
        past_start_confirmed=getattr(d, "past_start_confirmed", True),
    )


def request_errors(session: Session, data: RequestInput, offer: CapacityOffer, today: dt.date):
    """Field errors of a request (and the side, budget and quote when valid). Used by the preview too."""
    course = offer.course
    buyer = session.get(Unit, data.requester_unit_id)
    budget = session.get(Budget, data.budget_id) if data.budget_id else None
    errors: list[dict] = []
    seats = data.seats
    if isinstance(seats, int) and not isinstance(seats, bool) and seats > offer.seats_offered:
        errors.append({"path": "seats", "message": _("The offer has %(n)d seats: request at most that many.", n=offer.seats_offered)})
    elif isinstance(seats, int) and 0 < offer.seats_available < seats and not data.join_waiting_list:
        # Some seats but too few: say how many, and let the requester choose the waiting list (no seats held)
        # rather than putting them there silently.
        errors.append({"path": "join_waiting_list", "message": _(
            "Only %(n)d of the seats are free now. Request at most %(n)d, or tick the box to put the request for "
            "%(seats)d seats on the waiting list.", n=offer.seats_available, seats=seats)})
    if data.start_date and not offer.period_start <= data.start_date <= offer.period_end:
        errors.append({"path": "start_date", "message": _(
            "Start within the offer's period, %(start)s–%(end)s.", start=formats.date(offer.period_start), end=formats.date(offer.period_end))})
    else:
        purchase_services.check_start(data.start_date, today, data.past_start_confirmed, errors)
    if data.end_date and data.end_date > offer.period_end:
        errors.append({"path": "end_date", "message": _("The offer's seats can be used until %(end)s.", end=formats.date(offer.period_end))})
    if len(data.message or "") > 2000:
        errors.append({"path": "message", "message": _("At most 2000 characters.")})
    pdata = _purchase_input(data, course.id, offer.unit_price)
    more, side = purchase_services.validate_purchase(session, pdata, course, budget, buyer)
    taken = {e["path"] for e in errors}
    errors += [e for e in more if e["path"] not in taken]
    q = purchase_services.quote_purchase(course, pdata, errors) if not errors else None
    return errors, side, budget, q


def request_seats(session: Session, data: RequestInput, *, actor: Actor, now: dt.datetime, days: HoldDays = HoldDays()) -> CapacityRequest:
    """Hold the seats (or join the waiting list) and notify the provider. Refuses with a reason, writing nothing."""
    today = formats.local_date(now)
    course, offer = lock_offer(session, data.offer_id)
    buyer = session.get(Unit, data.requester_unit_id)
    if not visible_to(offer, buyer):
        raise NotFound(_("No such offer."))
    if offer.provider_unit_id == data.requester_unit_id:
        raise Conflict(_("A unit cannot request seats on its own offer."))
    expire_offer_due(session, course, offer, now, days)
    if offer.status != OfferStatus.published:
        raise Conflict(_("The offer is not open for requests (it is paused, withdrawn, filled or expired)."))
    if today > offer.request_deadline:
        raise Conflict(_("The request deadline was %(date)s.", date=formats.date(offer.request_deadline)))
    errors, side, budget, q = request_errors(session, data, offer, today)
    if errors:
        raise ValidationFailed(_("The request was not sent."), errors=errors)
    check = budget_services.check(budget, q.total, on=today)
    if not check.allowed:
        raise purchase_services.BudgetRefused(check.refusal, stopped=check.stopped_by is not None)
    req = CapacityRequest(
        offer_id=offer.id, requester_unit_id=buyer.id, budget_id=budget.id, side=side, seats=data.seats,
        start_date=data.start_date, end_date=data.end_date, unit_price=offer.unit_price, quoted_amount=q.total,
        message=(data.message or "").strip() or None, created_by_id=actor.user_id, created_at=now, updated_at=now,
        participants=[RequestParticipant(reference=p.reference.strip(), cefr_level=p.cefr_level or None, consent=p.consent,
                                         consent_date=p.consent_date) for p in data.participants],
    )
    # A request's first state: it holds the seats when they are available, else it joins the waiting list.
    if offer.seats_available >= data.seats:
        req.status = RequestStatus.held
        req.hold_expires_at = hold_until(offer, now, days.answer)
        hold(course, offer, data.seats)
    else:
        req.status = RequestStatus.waiting
        req.position = (session.scalar(select(func.max(CapacityRequest.position)).where(
            CapacityRequest.offer_id == offer.id, CapacityRequest.status == RequestStatus.waiting)) or 0) + 1
    session.add(req)
    session.flush()
    audit.record(session, actor, "capacity.request_created", req, at=now, after=_request_summary(req))
    if req.status == RequestStatus.held:
        tell_provider(session, req, offer, "capacity.request_received", now, until=formats.datetime(req.hold_expires_at))
    else:
        tell_provider(session, req, offer, "capacity.request_waiting", now)
    return req


def _request_summary(r: CapacityRequest) -> dict[str, Any]:
    return audit.snapshot(r, ["offer_id", "requester_unit_id", "budget_id", "side", "seats", "start_date", "end_date",
                              "quoted_amount", "status", "position", "hold_expires_at", "purchase_id"])


def _own_request(req: CapacityRequest, actor: Actor) -> None:
    if req.requester_unit_id != actor.unit_id:
        raise PermissionDenied(_("Only the requesting unit can do this."))


def accept(session: Session, request_id: int, *, actor: Actor, now: dt.datetime) -> CapacityRequest:
    """The provider accepts a held request: it becomes a confirmed seat purchase with its budget commitment, in
    this same locked transaction (seats move from held to confirmed). Blocked when no valid agreement covers
    the two legal persons (:class:`AgreementRequired`), or by the requester's budget (``BudgetRefused``)."""
    course, offer, req = lock_request(session, request_id)
    own_offer(offer, actor)
    if req.status == RequestStatus.held and req.hold_expires_at is not None and req.hold_expires_at <= now:
        raise Conflict(_("The hold expired at %(at)s: the seats are released and the request can no longer be accepted.",
                         at=formats.datetime(req.hold_expires_at)))
    target = request_target(req.status, "accept", message=not_open(req))
    buyer_entity = req.requester_unit.entity_for_side(req.side)
    provider_entity = course.provider_unit.legal_entity
    if buyer_entity.id != provider_entity.id:  # within one legal person it is an internal order
        agreement = covering_agreement(session, buyer=req.requester_unit, side=req.side, provider=course.provider_unit, on=req.start_date)
        if agreement is None:
            assessment = purchase_services.assess(session, buyer=req.requester_unit, side=req.side, course=course,
                                                  amount=req.quoted_amount, start=req.start_date, end=req.end_date)
            raise AgreementRequired(
                _("No valid agreement between %(buyer)s and %(provider)s covers %(date)s. Seats cannot be sold between two "
                  "legal persons without one: make an agreement (or document a direct award) first. The request stays held "
                  "until %(until)s.", buyer=buyer_entity.name, provider=provider_entity.name, date=formats.date(req.start_date),
                  until=formats.datetime(req.hold_expires_at)),
                request=req, buyer=buyer_entity, provider=provider_entity, assessment=assessment,
            )
    pdata = _purchase_input(req, course.id, req.unit_price, held=req.seats)
    purchase = purchase_services.confirm(session, pdata, actor=actor, now=now, today=formats.local_date(now))  # links the agreement
    offer.seats_held = offer.seats_held - req.seats
    offer.seats_taken = offer.seats_taken + req.seats
    before = req.status
    req.status = target
    req.purchase_id = purchase.id
    req.hold_expires_at = None
    req.answered_by_id, req.answered_at, req.updated_at = actor.user_id, now, now
    if offer.seats_taken >= offer.seats_offered:
        offer.status = offer_target(offer.status, "fill")
        offer.updated_at = now
        for other in open_requests(session, offer.id):
            if other.id != req.id:
                end_request(session, course, offer, other, "expire", now, reason=_("All seats of the offer were taken."))
    session.flush()
    audit.record(session, actor, "capacity.request_accepted", req, at=now, before={"status": before},
                 after={"status": req.status, "purchase_id": purchase.id, "amount": purchase.amount})
    tell_requester(session, req, offer, "capacity.request_accepted", now)
    return req


def decline(session: Session, request_id: int, *, reason: str, actor: Actor, now: dt.datetime, days: HoldDays = HoldDays()) -> CapacityRequest:
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 2000:
        raise ValidationFailed(_("The request was not declined."), errors=[{"path": "reason", "message": _("Give a reason (3–2000 characters).")}])
    course, offer, req = lock_request(session, request_id)
    own_offer(offer, actor)
    end_request(session, course, offer, req, "decline", now, reason=reason, actor=actor, refusal=not_open(req))
    req.answered_by_id, req.answered_at = actor.user_id, now
    tell_requester(session, req, offer, "capacity.request_declined", now, reason=reason)
    advance_waiting_list(session, course, offer, now, days)
    return req


def withdraw(session: Session, request_id: int, *, actor: Actor, now: dt.datetime, days: HoldDays = HoldDays()) -> CapacityRequest:
    course, offer, req = lock_request(session, request_id)
    _own_request(req, actor)
    end_request(session, course, offer, req, "withdraw", now, actor=actor, refusal=not_open(req))
    tell_provider(session, req, offer, "capacity.request_withdrawn", now)
    advance_waiting_list(session, course, offer, now, days)
    return req


def take_offered(session: Session, request_id: int, *, actor: Actor, now: dt.datetime, days: HoldDays = HoldDays()) -> CapacityRequest:
    """The requester takes seats offered from the waiting list: the request is held for the provider's answer."""
    course, offer, req = lock_request(session, request_id)
    _own_request(req, actor)
    if req.status == RequestStatus.offered and req.hold_expires_at is not None and req.hold_expires_at <= now:
        raise Conflict(_("The offer from the waiting list expired at %(at)s.", at=formats.datetime(req.hold_expires_at)))
    hold_request(session, offer, req, "take", now, days.answer, actor=actor, event="capacity.request_taken", refusal=not_open(req))
    tell_provider(session, req, offer, "capacity.waitlist_taken", now, until=formats.datetime(req.hold_expires_at))
    return req


def move_in_waiting_list(session: Session, request_id: int, position: Any, *, reason: str, actor: Actor, now: dt.datetime,
                         days: HoldDays = HoldDays()) -> CapacityRequest:
    """Move a waiting request to ``position`` (1 = first). Needs a reason; the old and new order are audited."""
    reason = (reason or "").strip()
    errors = []
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        errors.append({"path": "position", "message": _("Give a place in the list (1 is first).")})
    if not 10 <= len(reason) <= 2000:
        errors.append({"path": "reason", "message": _("Explain why the order changes (10–2000 characters).")})
    if errors:
        raise ValidationFailed(_("The waiting list was not changed."), errors=errors)
    course, offer, req = lock_request(session, request_id)
    own_offer(offer, actor)
    request_target(req.status, "move", message=not_open(req))
    waiting = [r for r in open_requests(session, offer.id) if r.status == RequestStatus.waiting]
    waiting.sort(key=lambda r: (r.position, r.id))
    before = [r.id for r in waiting]
    waiting.remove(req)
    waiting.insert(min(position, len(waiting) + 1) - 1, req)
    for i, r in enumerate(waiting, start=1):
        r.position = i
        r.updated_at = now
    session.flush()
    audit.record(session, actor, "capacity.waiting_list_reordered", offer, at=now, before={"order": before},
                 after={"order": [r.id for r in waiting], "moved": req.id, "reason": reason})
    advance_waiting_list(session, course, offer, now, days)
    return req
