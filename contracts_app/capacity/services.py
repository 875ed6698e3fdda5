"""Capacity offers and requests: publish, request (hold or waiting list), answer, withdraw, expire.

Locking. Every write that moves seats takes ``begin_write`` and then locks, in this order: the course row,
the offer row, the request row(s), and (through :func:`purchases.services.confirm`) the budget row. The
course lock serialises everything that counts seats on one course: direct purchases, requests, answers and
expiry. Services flush; the caller commits (or rolls back when a service raises: nothing is half-written).

Holds. A request holds its seats until the provider answers or ``hold_expires_at`` (the end of the
``CONTRACTS_HOLD_WORKING_DAYS``-th working day after the request, Norwegian public holidays skipped, never
past the end of the offer's request deadline). Expired holds are released by :func:`expire_due` — called
by the scheduler and, for one offer, before any change to that offer — so a stale hold never blocks a seat.

Waiting list. A request that does not fit the seats available joins the offer's waiting list. When seats
free up, the waiting list is walked in order and the first entry whose seats fit is *offered* them: the
seats are held for it for ``CONTRACTS_WAITLIST_OFFER_WORKING_DAYS`` working days, and the requester takes
them (the request is then held for the provider's answer like any other) or lets them go to the next in
line. A provider may reorder the list with a reason; it is audited.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import current_app, has_app_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..agreements.queries import covering_agreement
from ..audit import SYSTEM, Actor
from ..calendar import add_working_days
from ..auth.models import Role
from ..budget import services as budget_services
from ..budget.models import Budget
from ..clock import OSLO, local_date
from .labels import capacity_status_label
from ..courses.models import Course
from ..courses.pricing import PricingError, Rate, Schedule, quote
from ..db import begin_write, lock
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..i18n import date as fmt_date
from ..i18n import money as fmt_money
from ..notifications import services as notify
from ..organisations.models import LegalEntity, Unit
from ..purchases import services as purchase_services
from ..purchases.models import SeatPurchase
from .models import (
    HOLDING_STATUSES,
    OPEN_REQUEST_STATUSES,
    CapacityOffer,
    CapacityRequest,
    OfferEntity,
    OfferStatus,
    RequestParticipant,
    RequestStatus,
    Visibility,
)

MAX_OFFER_SEATS = 1000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ACTIVE_OFFER_STATUSES = (OfferStatus.published, OfferStatus.paused)


class AgreementRequired(Conflict):
    """Accepting would make a purchase between two legal persons that no valid agreement covers."""

    def __init__(self, message: str, *, request: CapacityRequest, buyer: LegalEntity, provider: LegalEntity,
                 assessment: dict[str, Any] | None):
        super().__init__(message)
        self.request = request
        self.buyer = buyer
        self.provider = provider
        self.assessment = assessment


# --- settings and small helpers -------------------------------------------------------------------------

def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default)) if has_app_context() else default


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of ``day`` in Norway, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), OSLO).astimezone(dt.timezone.utc)




def hold_until(offer: CapacityOffer, now: dt.datetime, working_days: int) -> dt.datetime:
    """End of the ``working_days``-th working day from now, but never past the offer's request deadline."""
    return min(end_of_day(add_working_days(local_date(now), working_days)), end_of_day(offer.request_deadline))


def unit_entity_ids(unit: Unit) -> set[int]:
    """The legal persons a unit can act for (a Nav office: the State and its municipality)."""
    ids = {unit.legal_entity_id}
    if unit.municipal_entity_id:
        ids.add(unit.municipal_entity_id)
    return ids


def visible_to(offer: CapacityOffer, unit: Unit | None) -> bool:
    if unit is None:
        return False
    if offer.provider_unit_id == unit.id:
        return True
    if offer.visibility == Visibility.all_public:
        return True
    return bool(unit_entity_ids(unit) & {e.legal_entity_id for e in offer.visible_to})


def _course_rates(course: Course, unit_price: Decimal | None, start: dt.date) -> list[Rate]:
    if unit_price is not None:
        return [Rate(min(course.start_date, start), unit_price)]
    return [Rate(r.valid_from, r.amount) for r in course.rates]


def price_for(course: Course, unit_price: Decimal | None, start: dt.date, end: dt.date, seats: int = 1):
    """The quote for ``seats`` seats from ``start`` to ``end`` at the offer's price (or the course's)."""
    return quote(course.price_unit, _course_rates(course, unit_price, start), start=start, end=end, seats=seats,
                 schedule=Schedule(course.hours_per_week, course.weekdays))


def _request_link(req: CapacityRequest) -> str | None:
    try:
        return url_for("capacity.request_detail", request_id=req.id)
    except RuntimeError:  # outside a request (scheduler): a plain path
        return f"/capacity/requests/{req.id}"


def _notice_params(req: CapacityRequest, offer: CapacityOffer, **extra) -> dict[str, Any]:
    return {"unit": req.requester_unit.name, "seats": req.seats, "course": offer.course.title, **extra}


def _tell_provider(session: Session, req: CapacityRequest, offer: CapacityOffer, kind: str, now: dt.datetime, **extra) -> None:
    notify.notify_unit(session, offer.provider_unit_id, (Role.provider_coordinator,), kind, _notice_params(req, offer, **extra),
                       link=_request_link(req), now=now)


def _tell_requester(session: Session, req: CapacityRequest, offer: CapacityOffer, kind: str, now: dt.datetime, **extra) -> None:
    notify.notify_users(session, [req.created_by_id], kind, _notice_params(req, offer, **extra), link=_request_link(req), now=now)


def _status_text(status) -> str:
    return capacity_status_label(status).lower()


def _until(at: dt.datetime) -> str:
    return at.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


# --- offers ---------------------------------------------------------------------------------------------

@dataclass
class OfferInput:
    course_id: int | None
    seats_offered: Any
    period_start: dt.date | None
    period_end: dt.date | None
    request_deadline: dt.date | None
    unit_price: Any = None  # text or Decimal; empty = the course's price
    visibility: str = Visibility.all_public.value
    entity_ids: list[int] = field(default_factory=list)
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    notes: str = ""


def promised_elsewhere(session: Session, course_id: int, except_offer_id: int | None = None) -> int:
    """Seats other active offers on the course still promise (neither held nor taken)."""
    stmt = select(func.coalesce(func.sum(CapacityOffer.seats_offered - CapacityOffer.seats_held - CapacityOffer.seats_taken), 0)).where(
        CapacityOffer.course_id == course_id, CapacityOffer.status.in_(ACTIVE_OFFER_STATUSES)
    )
    if except_offer_id is not None:
        stmt = stmt.where(CapacityOffer.id != except_offer_id)
    return int(session.scalar(stmt) or 0)


def _offer_errors(session: Session, unit_id: int, data: OfferInput, course: Course | None, today: dt.date,
                  offer: CapacityOffer | None) -> tuple[list[dict], Decimal | None, Decimal | None]:
    errors: list[dict] = []
    if course is None or course.provider_unit_id != unit_id or not course.is_active:
        errors.append({"path": "course_id", "message": _("Choose one of your unit's active courses.")})
        return errors, None, None
    seats = data.seats_offered
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= MAX_OFFER_SEATS:
        errors.append({"path": "seats_offered", "message": _("Offer between 1 and %(n)d seats.", n=MAX_OFFER_SEATS)})
        seats = None
    start, end, deadline = data.period_start, data.period_end, data.request_deadline
    if start is None:
        errors.append({"path": "period_start", "message": _("Enter the first day the seats can be used.")})
    if end is None:
        errors.append({"path": "period_end", "message": _("Enter the last day the seats can be used.")})
    if deadline is None:
        errors.append({"path": "request_deadline", "message": _("Enter the last day to request seats.")})
    if start and end:
        if end < start:
            errors.append({"path": "period_end", "message": _("The end date cannot be before the start date.")})
        elif start < course.start_date or end > course.end_date:
            errors.append({
                "path": "period_start" if start < course.start_date else "period_end",
                "message": _("The course runs from %(start)s to %(end)s: choose dates inside that period.",
                             start=fmt_date(course.start_date), end=fmt_date(course.end_date)),
            })
        elif end < today:
            errors.append({"path": "period_end", "message": _("The period has already ended.")})
    if deadline and end and start and not errors:
        if deadline < today:
            errors.append({"path": "request_deadline", "message": _("The request deadline cannot be in the past.")})
        elif deadline > end:
            errors.append({"path": "request_deadline", "message": _("The request deadline must be on or before the last day of the period.")})
    unit_price = None
    if data.unit_price not in (None, ""):
        unit_price = budget_services.parse_money(data.unit_price, "unit_price", errors)
        if unit_price is not None and course.rates and start:
            highest = max((r.amount for r in course.rates if end is None or r.valid_from <= end), default=None)
            if highest is not None and unit_price > highest:
                errors.append({"path": "unit_price", "message": _(
                    "The offer price cannot be higher than the course's price (%(price)s).", price=fmt_money(highest))})
    try:
        visibility = Visibility(data.visibility)
    except ValueError:
        errors.append({"path": "visibility", "message": _("Choose who may request the seats.")})
        visibility = None
    if visibility == Visibility.named:
        ids = set(data.entity_ids or [])
        found = set(session.scalars(select(LegalEntity.id).where(LegalEntity.id.in_(ids))).all()) if ids else set()
        if not ids:
            errors.append({"path": "entity_ids", "message": _("Name at least one organisation that may request the seats.")})
        elif found != ids:
            errors.append({"path": "entity_ids", "message": _("Choose organisations from the list.")})
    name = (data.contact_name or "").strip()
    if not 2 <= len(name) <= 200:
        errors.append({"path": "contact_name", "message": _("Enter the contact person's name.")})
    email = (data.contact_email or "").strip()
    if not _EMAIL.match(email) or len(email) > 200:
        errors.append({"path": "contact_email", "message": _("Enter a valid e-mail address.")})
    if len((data.contact_phone or "").strip()) > 40:
        errors.append({"path": "contact_phone", "message": _("At most 40 characters.")})
    if len(data.notes or "") > 4000:
        errors.append({"path": "notes", "message": _("At most 4000 characters.")})
    if seats is not None:
        in_use = (offer.seats_held + offer.seats_taken) if offer else 0
        room = course.seats_free - promised_elsewhere(session, course.id, offer.id if offer else None)
        if offer is not None and seats < in_use:
            errors.append({"path": "seats_offered", "message": _(
                "%(n)d seats are already held or taken through this offer: offer at least that many.", n=in_use)})
        elif seats - in_use > room:
            errors.append({"path": "seats_offered", "message": _(
                "Only %(n)d seats are free on the course that no other offer promises: offer at most %(max)d.",
                n=max(room, 0), max=max(room, 0) + in_use)})
    seat_price = None
    if not errors:
        try:
            seat_price = price_for(course, unit_price, start, end).total
        except PricingError as exc:
            for e in exc.errors:
                errors.append({"path": "period_start", "message": e.message_nb})
    return errors, unit_price, seat_price


def course_search_fields(course: Course) -> dict[str, Any]:
    """The course's fields an offer keeps a copy of for search (triggers keep them in step afterwards)."""
    return {"course_kind": course.kind, "course_format": course.format, "course_cefr_min": course.cefr_min,
            "course_cefr_max": course.cefr_max, "course_municipality": course.municipality_number,
            "course_part_time": course.part_time, "course_active": course.is_active, "course_seats_free": course.seats_free}


def _offer_summary(o: CapacityOffer) -> dict[str, Any]:
    return audit.snapshot(o, ["course_id", "seats_offered", "seats_held", "seats_taken", "period_start", "period_end",
                              "request_deadline", "unit_price", "seat_price", "visibility", "status"])


def _apply_offer(offer: CapacityOffer, data: OfferInput, unit_price, seat_price, now) -> None:
    offer.seats_offered = data.seats_offered
    offer.period_start, offer.period_end, offer.request_deadline = data.period_start, data.period_end, data.request_deadline
    offer.unit_price, offer.seat_price = unit_price, seat_price
    offer.visibility = Visibility(data.visibility)
    wanted = set(data.entity_ids or []) if offer.visibility == Visibility.named else set()
    offer.visible_to = [e for e in offer.visible_to if e.legal_entity_id in wanted] + [
        OfferEntity(legal_entity_id=i) for i in sorted(wanted - {e.legal_entity_id for e in offer.visible_to})
    ]
    offer.contact_name = data.contact_name.strip()
    offer.contact_email = data.contact_email.strip().lower()
    offer.contact_phone = (data.contact_phone or "").strip() or None
    offer.notes = (data.notes or "").strip() or None
    offer.updated_at = now


def publish_offer(session: Session, unit_id: int, data: OfferInput, *, actor: Actor, now: dt.datetime) -> CapacityOffer:
    """Publish free seats on one of the unit's courses. Never more than the course's free seats that no other
    offer already promises (checked under the course lock)."""
    today = local_date(now)
    begin_write(session)
    course = lock(session, Course, data.course_id) if data.course_id else None
    errors, unit_price, seat_price = _offer_errors(session, unit_id, data, course, today, None)
    if errors:
        raise ValidationFailed(_("The offer was not published."), errors=errors)
    offer = CapacityOffer(course_id=course.id, provider_unit_id=unit_id, seats_held=0, seats_taken=0,
                          status=OfferStatus.published, created_by_id=actor.user_id, created_at=now, visible_to=[],
                          **course_search_fields(course))
    _apply_offer(offer, data, unit_price, seat_price, now)
    session.add(offer)
    session.flush()
    audit.record(session, actor, "capacity.offer_published", offer, at=now, after=_offer_summary(offer))
    return offer


def _lock_offer(session: Session, offer_id: int) -> tuple[Course, CapacityOffer]:
    """Lock the offer's course, then the offer (the fixed order). NotFound if there is no such offer."""
    begin_write(session)
    course_id = session.scalar(select(CapacityOffer.course_id).where(CapacityOffer.id == offer_id))
    if course_id is None:
        raise NotFound(_("No such offer."))
    course = lock(session, Course, course_id)
    return course, lock(session, CapacityOffer, offer_id)


def _own_offer(offer: CapacityOffer, actor: Actor) -> None:
    if offer.provider_unit_id != actor.unit_id:
        raise PermissionDenied(_("Only the unit that published the offer can change it."))


def update_offer(session: Session, offer_id: int, data: OfferInput, *, actor: Actor, now: dt.datetime) -> CapacityOffer:
    course, offer = _lock_offer(session, offer_id)
    _own_offer(offer, actor)
    if offer.status not in ACTIVE_OFFER_STATUSES:
        raise Conflict(_("A withdrawn, filled or expired offer cannot be changed."))
    data.course_id = offer.course_id
    errors, unit_price, seat_price = _offer_errors(session, actor.unit_id, data, course, local_date(now), offer)
    if not errors and data.period_start and data.period_end:
        outside = session.scalar(select(func.count()).select_from(CapacityRequest).where(
            CapacityRequest.offer_id == offer.id, CapacityRequest.status.in_(OPEN_REQUEST_STATUSES),
            (CapacityRequest.start_date < data.period_start) | (CapacityRequest.end_date > data.period_end)))
        if outside:
            errors.append({"path": "period_start", "message": _(
                "%(n)d open request(s) fall outside the new period: answer them first.", n=outside)})
    if errors:
        raise ValidationFailed(_("The offer was not saved."), errors=errors)
    before = _offer_summary(offer)
    _apply_offer(offer, data, unit_price, seat_price, now)
    session.flush()
    audit.record(session, actor, "capacity.offer_updated", offer, at=now, before=before, after=_offer_summary(offer))
    _advance_waiting_list(session, course, offer, now)
    return offer


def change_offer_status(session: Session, offer_id: int, action: str, *, reason: str = "", actor: Actor, now: dt.datetime) -> CapacityOffer:
    """``pause``, ``resume`` or ``withdraw`` (with a reason; open requests end and their seats are released)."""
    course, offer = _lock_offer(session, offer_id)
    _own_offer(offer, actor)
    expire_offer_due(session, course, offer, now)
    before = offer.status
    reason = (reason or "").strip()
    if action == "pause" and offer.status == OfferStatus.published:
        offer.status = OfferStatus.paused
    elif action == "resume" and offer.status == OfferStatus.paused:
        offer.status = OfferStatus.published
    elif action == "withdraw" and offer.status in ACTIVE_OFFER_STATUSES:
        if not 3 <= len(reason) <= 2000:
            raise ValidationFailed(_("The offer was not withdrawn."), errors=[{"path": "reason", "message": _("Give a reason (3–2000 characters).")}])
        offer.status = OfferStatus.withdrawn
        for req in _open_requests(session, offer.id):
            _end_request(session, course, offer, req, RequestStatus.declined, now, reason=_("The offer was withdrawn: %(reason)s", reason=reason), actor=actor)
            _tell_requester(session, req, offer, "capacity.offer_withdrawn", now, reason=reason)
    else:
        raise Conflict(_("The offer cannot be changed that way now (it is %(status)s).", status=_status_text(offer.status)))
    offer.updated_at = now
    session.flush()
    audit.record(session, actor, f"capacity.offer_{action}d" if action != "withdraw" else "capacity.offer_withdrawn", offer, at=now,
                 before={"status": before}, after={"status": offer.status, "reason": reason or None})
    if offer.status == OfferStatus.published:
        _advance_waiting_list(session, course, offer, now)
    return offer


# --- requests -------------------------------------------------------------------------------------------

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


def _purchase_input(req_or_data, course_id: int, unit_price, held: int = 0) -> purchase_services.PurchaseInput:
    d = req_or_data
    participants = d.participants
    if participants and isinstance(participants[0], RequestParticipant):
        participants = [purchase_services.ParticipantInput(p.reference, p.cefr_level, p.consent, p.consent_date) for p in participants]
    side = d.side.value if hasattr(d.side, "value") else d.side
    return purchase_services.PurchaseInput(
        course_id=course_id, buyer_unit_id=d.requester_unit_id, budget_id=d.budget_id, side=side, seats=d.seats,
        start_date=d.start_date, end_date=d.end_date, participants=list(participants), unit_price=unit_price, held_seats=held,
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
    if data.start_date and not offer.period_start <= data.start_date <= offer.period_end:
        errors.append({"path": "start_date", "message": _(
            "Start within the offer's period, %(start)s–%(end)s.", start=fmt_date(offer.period_start), end=fmt_date(offer.period_end))})
    elif data.start_date and data.start_date < today:
        errors.append({"path": "start_date", "message": _("The start date cannot be in the past.")})
    if data.end_date and data.end_date > offer.period_end:
        errors.append({"path": "end_date", "message": _("The offer's seats can be used until %(end)s.", end=fmt_date(offer.period_end))})
    if len(data.message or "") > 2000:
        errors.append({"path": "message", "message": _("At most 2000 characters.")})
    pdata = _purchase_input(data, course.id, offer.unit_price)
    more, side = purchase_services.validate_purchase(session, pdata, course, budget, buyer)
    taken = {e["path"] for e in errors}
    errors += [e for e in more if e["path"] not in taken]
    q = purchase_services.quote_purchase(course, pdata, errors) if not errors else None
    return errors, side, budget, q


def request_seats(session: Session, data: RequestInput, *, actor: Actor, now: dt.datetime) -> CapacityRequest:
    """Hold the seats (or join the waiting list) and notify the provider. Refuses with a reason, writing nothing."""
    today = local_date(now)
    course, offer = _lock_offer(session, data.offer_id)
    buyer = session.get(Unit, data.requester_unit_id)
    if not visible_to(offer, buyer):
        raise NotFound(_("No such offer."))
    if offer.provider_unit_id == data.requester_unit_id:
        raise Conflict(_("A unit cannot request seats on its own offer."))
    expire_offer_due(session, course, offer, now)
    if offer.status != OfferStatus.published:
        raise Conflict(_("The offer is not open for requests (it is paused, withdrawn, filled or expired)."))
    if today > offer.request_deadline:
        raise Conflict(_("The request deadline was %(date)s.", date=fmt_date(offer.request_deadline)))
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
    if offer.seats_available >= data.seats:
        req.status = RequestStatus.held
        req.hold_expires_at = hold_until(offer, now, _setting("HOLD_WORKING_DAYS", 5))
        _hold(course, offer, data.seats)
    else:
        req.status = RequestStatus.waiting
        req.position = (session.scalar(select(func.max(CapacityRequest.position)).where(
            CapacityRequest.offer_id == offer.id, CapacityRequest.status == RequestStatus.waiting)) or 0) + 1
    session.add(req)
    session.flush()
    audit.record(session, actor, "capacity.request_created", req, at=now, after=_request_summary(req))
    if req.status == RequestStatus.held:
        _tell_provider(session, req, offer, "capacity.request_received", now, until=_until(req.hold_expires_at))
    else:
        _tell_provider(session, req, offer, "capacity.request_waiting", now)
    return req


def _request_summary(r: CapacityRequest) -> dict[str, Any]:
    return audit.snapshot(r, ["offer_id", "requester_unit_id", "budget_id", "side", "seats", "start_date", "end_date",
                              "quoted_amount", "status", "position", "hold_expires_at", "purchase_id"])


def _hold(course: Course, offer: CapacityOffer, seats: int) -> None:
    course.seats_held = course.seats_held + seats
    offer.seats_held = offer.seats_held + seats


def _release(course: Course, offer: CapacityOffer, req: CapacityRequest) -> None:
    if req.status in HOLDING_STATUSES:
        course.seats_held = course.seats_held - req.seats
        offer.seats_held = offer.seats_held - req.seats


def _open_requests(session: Session, offer_id: int) -> list[CapacityRequest]:
    """The offer's open requests, read fresh and locked (the offer is locked already, so this cannot deadlock)."""
    stmt = (select(CapacityRequest).where(CapacityRequest.offer_id == offer_id, CapacityRequest.status.in_(OPEN_REQUEST_STATUSES))
            .order_by(CapacityRequest.id).execution_options(populate_existing=True))
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=CapacityRequest)
    return list(session.scalars(stmt).all())


def _end_request(session: Session, course: Course, offer: CapacityOffer, req: CapacityRequest, status: RequestStatus,
                 now: dt.datetime, *, reason: str | None = None, actor: Actor = SYSTEM) -> None:
    before = req.status
    _release(course, offer, req)
    req.status = status
    req.hold_expires_at = None
    if reason:
        req.answer_reason = reason
    req.updated_at = now
    session.flush()
    audit.record(session, actor, f"capacity.request_{status.value}", req, at=now, before={"status": before},
                 after={"status": status, "reason": reason})


def _lock_request(session: Session, request_id: int) -> tuple[Course, CapacityOffer, CapacityRequest]:
    begin_write(session)
    offer_id = session.scalar(select(CapacityRequest.offer_id).where(CapacityRequest.id == request_id))
    if offer_id is None:
        raise NotFound(_("No such request."))
    course, offer = _lock_offer(session, offer_id)
    return course, offer, lock(session, CapacityRequest, request_id)


def _status_conflict(req: CapacityRequest) -> Conflict:
    return Conflict(_("The request is no longer open (it is %(status)s).", status=_status_text(req.status)))


def accept(session: Session, request_id: int, *, actor: Actor, now: dt.datetime) -> CapacityRequest:
    """The provider accepts a held request: it becomes a confirmed seat purchase with its budget commitment, in
    this same locked transaction (seats move from held to confirmed). Blocked when no valid agreement covers
    the two legal persons (:class:`AgreementRequired`), or by the requester's budget (``BudgetRefused``)."""
    course, offer, req = _lock_request(session, request_id)
    _own_offer(offer, actor)
    if req.status == RequestStatus.held and req.hold_expires_at is not None and req.hold_expires_at <= now:
        raise Conflict(_("The hold expired at %(at)s: the seats are released and the request can no longer be accepted.",
                         at=_until(req.hold_expires_at)))
    if req.status != RequestStatus.held:
        raise _status_conflict(req)
    buyer_entity = req.requester_unit.entity_for_side(req.side)
    provider_entity = course.provider_unit.legal_entity
    agreement = None
    if buyer_entity.id != provider_entity.id:  # within one legal person it is an internal order
        agreement = covering_agreement(session, buyer_entity_id=buyer_entity.id, provider_entity_id=provider_entity.id, on=req.start_date)
        if agreement is None:
            assessment = purchase_services.assess(session, buyer=req.requester_unit, side=req.side, course=course,
                                                  amount=req.quoted_amount, start=req.start_date, end=req.end_date)
            raise AgreementRequired(
                _("No valid agreement between %(buyer)s and %(provider)s covers %(date)s. Seats cannot be sold between two "
                  "legal persons without one: make an agreement (or document a direct award) first. The request stays held "
                  "until %(until)s.", buyer=buyer_entity.name, provider=provider_entity.name, date=fmt_date(req.start_date),
                  until=_until(req.hold_expires_at)),
                request=req, buyer=buyer_entity, provider=provider_entity, assessment=assessment,
            )
    pdata = _purchase_input(req, course.id, req.unit_price, held=req.seats)
    purchase = purchase_services.confirm(session, pdata, actor=actor, now=now, today=local_date(now))  # links the agreement
    offer.seats_held = offer.seats_held - req.seats
    offer.seats_taken = offer.seats_taken + req.seats
    before = req.status
    req.status = RequestStatus.accepted
    req.purchase_id = purchase.id
    req.hold_expires_at = None
    req.answered_by_id, req.answered_at, req.updated_at = actor.user_id, now, now
    if offer.seats_taken >= offer.seats_offered:
        offer.status = OfferStatus.filled
        offer.updated_at = now
        for other in _open_requests(session, offer.id):
            if other.id != req.id:
                _end_request(session, course, offer, other, RequestStatus.expired, now, reason=_("All seats of the offer were taken."))
    session.flush()
    audit.record(session, actor, "capacity.request_accepted", req, at=now, before={"status": before},
                 after={"status": req.status, "purchase_id": purchase.id, "amount": purchase.amount})
    _tell_requester(session, req, offer, "capacity.request_accepted", now)
    return req


def decline(session: Session, request_id: int, *, reason: str, actor: Actor, now: dt.datetime) -> CapacityRequest:
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 2000:
        raise ValidationFailed(_("The request was not declined."), errors=[{"path": "reason", "message": _("Give a reason (3–2000 characters).")}])
    course, offer, req = _lock_request(session, request_id)
    _own_offer(offer, actor)
    if req.status not in OPEN_REQUEST_STATUSES:
        raise _status_conflict(req)
    _end_request(session, course, offer, req, RequestStatus.declined, now, reason=reason, actor=actor)
    req.answered_by_id, req.answered_at = actor.user_id, now
    _tell_requester(session, req, offer, "capacity.request_declined", now, reason=reason)
    _advance_waiting_list(session, course, offer, now)
    return req


def _own_request(req: CapacityRequest, actor: Actor) -> None:
    if req.requester_unit_id != actor.unit_id:
        raise PermissionDenied(_("Only the requesting unit can do this."))


def withdraw(session: Session, request_id: int, *, actor: Actor, now: dt.datetime) -> CapacityRequest:
    course, offer, req = _lock_request(session, request_id)
    _own_request(req, actor)
    if req.status not in OPEN_REQUEST_STATUSES:
        raise _status_conflict(req)
    _end_request(session, course, offer, req, RequestStatus.withdrawn, now, actor=actor)
    _tell_provider(session, req, offer, "capacity.request_withdrawn", now)
    _advance_waiting_list(session, course, offer, now)
    return req


def take_offered(session: Session, request_id: int, *, actor: Actor, now: dt.datetime) -> CapacityRequest:
    """The requester takes seats offered from the waiting list: the request is held for the provider's answer."""
    course, offer, req = _lock_request(session, request_id)
    _own_request(req, actor)
    if req.status == RequestStatus.offered and req.hold_expires_at is not None and req.hold_expires_at <= now:
        raise Conflict(_("The offer from the waiting list expired at %(at)s.", at=_until(req.hold_expires_at)))
    if req.status != RequestStatus.offered:
        raise _status_conflict(req)
    req.status = RequestStatus.held
    req.hold_expires_at = hold_until(offer, now, _setting("HOLD_WORKING_DAYS", 5))
    req.updated_at = now
    session.flush()
    audit.record(session, actor, "capacity.request_taken", req, at=now, before={"status": "offered"},
                 after={"status": req.status, "hold_expires_at": req.hold_expires_at})
    _tell_provider(session, req, offer, "capacity.waitlist_taken", now, until=_until(req.hold_expires_at))
    return req


def move_in_waiting_list(session: Session, request_id: int, position: Any, *, reason: str, actor: Actor, now: dt.datetime) -> CapacityRequest:
    """Move a waiting request to ``position`` (1 = first). Needs a reason; the old and new order are audited."""
    reason = (reason or "").strip()
    errors = []
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        errors.append({"path": "position", "message": _("Give a place in the list (1 is first).")})
    if not 10 <= len(reason) <= 2000:
        errors.append({"path": "reason", "message": _("Explain why the order changes (10–2000 characters).")})
    if errors:
        raise ValidationFailed(_("The waiting list was not changed."), errors=errors)
    course, offer, req = _lock_request(session, request_id)
    _own_offer(offer, actor)
    if req.status != RequestStatus.waiting:
        raise _status_conflict(req)
    waiting = [r for r in _open_requests(session, offer.id) if r.status == RequestStatus.waiting]
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
    _advance_waiting_list(session, course, offer, now)
    return req


def _advance_waiting_list(session: Session, course: Course, offer: CapacityOffer, now: dt.datetime) -> list[CapacityRequest]:
    """Offer freed seats to the waiting list in order: each entry whose seats fit gets them, time-limited."""
    if offer.status != OfferStatus.published or local_date(now) > offer.request_deadline:
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
        _hold(course, offer, req.seats)
        req.status = RequestStatus.offered
        req.hold_expires_at = hold_until(offer, now, _setting("WAITLIST_OFFER_WORKING_DAYS", 2))
        req.updated_at = now
        session.flush()
        audit.record(session, SYSTEM, "capacity.waitlist_offered", req, at=now, before={"status": "waiting"},
                     after={"status": req.status, "hold_expires_at": req.hold_expires_at})
        _tell_requester(session, req, offer, "capacity.waitlist_offered", now, until=_until(req.hold_expires_at))
        offered.append(req)
    return offered


# --- expiry ---------------------------------------------------------------------------------------------

def expire_offer_due(session: Session, course: Course, offer: CapacityOffer, now: dt.datetime) -> int:
    """With the course and offer locked: release holds that ran out, end an offer past its deadline, and offer
    freed seats to the waiting list. Returns how many requests expired."""
    today = local_date(now)
    n = 0
    offer_over = offer.status in ACTIVE_OFFER_STATUSES and (today > offer.request_deadline or today > offer.period_end)
    for req in _open_requests(session, offer.id):
        due = req.status in HOLDING_STATUSES and req.hold_expires_at is not None and req.hold_expires_at <= now
        if due or offer_over:
            was_held = req.status == RequestStatus.held
            _end_request(session, course, offer, req, RequestStatus.expired, now,
                         reason=None if due else _("The offer's request deadline passed."))
            if was_held:
                _tell_provider(session, req, offer, "capacity.request_expired", now)
            n += 1
    if offer_over:
        offer.status = OfferStatus.expired
        offer.updated_at = now
        session.flush()
        audit.record(session, SYSTEM, "capacity.offer_expired", offer, at=now, after={"status": offer.status})
    elif n:
        _advance_waiting_list(session, course, offer, now)
    return n


def expire_due(session: Session, *, now: dt.datetime) -> dict[str, int]:
    """The scheduler's job: expire due holds and waiting-list offers, and offers past their deadline or period,
    offer by offer under the usual locks. Idempotent: a second run finds nothing to do."""
    today = local_date(now)
    begin_write(session)
    offer_ids = set(session.scalars(select(CapacityRequest.offer_id).where(
        CapacityRequest.status.in_(HOLDING_STATUSES), CapacityRequest.hold_expires_at <= now)).all())
    offer_ids |= set(session.scalars(select(CapacityOffer.id).where(
        CapacityOffer.status.in_(ACTIVE_OFFER_STATUSES),
        (CapacityOffer.request_deadline < today) | (CapacityOffer.period_end < today))).all())
    requests = offers = 0
    for offer_id in sorted(offer_ids):
        course, offer = _lock_offer(session, offer_id)
        was = offer.status
        requests += expire_offer_due(session, course, offer, now)
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
        params = _notice_params(req, offer, until=_until(req.hold_expires_at))
        if req.status == RequestStatus.held:
            providers += notify.notify_unit(session, offer.provider_unit_id, (Role.provider_coordinator,), "capacity.hold_expiring",
                                            params, link=_request_link(req), now=now, dedupe_key=key)
        else:
            requesters += notify.notify_users(session, [req.created_by_id], "capacity.offered_expiring", params,
                                              link=_request_link(req), now=now, dedupe_key=key)
    return {"providers": providers, "requesters": requesters}


# --- reading --------------------------------------------------------------------------------------------

def purchase_of(session: Session, req: CapacityRequest) -> SeatPurchase | None:
    return session.get(SeatPurchase, req.purchase_id) if req.purchase_id else None
