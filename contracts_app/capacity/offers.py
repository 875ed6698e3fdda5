"""Offers of free seats: publish, edit, pause, resume, withdraw; and the price of an offer's seats.

An offer can never promise more than the course's free seats that other active offers do not already promise
(checked under the course lock). Every change to an offer first expires what is due on it
(:func:`expiry.expire_offer_due`) and afterwards offers freed seats to its waiting list.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, formats
from ..audit import Actor
from ..budget import services as budget_services
from ..courses.models import Course
from ..courses.pricing import PricingError, Rate, Schedule, quote
from ..db import begin_write, lock
from ..errors import TransitionNotAllowed, ValidationFailed
from ..organisations.models import LegalEntity
from .expiry import expire_offer_due
from .models import OPEN_REQUEST_STATUSES, CapacityOffer, CapacityRequest, OfferEntity, OfferStatus, Visibility
from .queries import promised_elsewhere
from .seats import HoldDays, advance_waiting_list, end_request, lock_offer, open_requests, own_offer, tell_requester
from .states import offer_target

MAX_OFFER_SEATS = 1000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What a provider may do to its offer by hand (the other moves of the table follow from requests and the clock),
# with the audit action each one records.
PROVIDER_ACTIONS = {"pause": "capacity.offer_paused", "resume": "capacity.offer_resumed", "withdraw": "capacity.offer_withdrawn"}


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


def price_for(course: Course, unit_price: Decimal | None, start: dt.date, end: dt.date, seats: int = 1):
    """The quote for ``seats`` seats from ``start`` to ``end`` at the offer's price (or the course's)."""
    rates = [Rate(min(course.start_date, start), unit_price)] if unit_price is not None else [
        Rate(r.valid_from, r.amount) for r in course.rates]
    return quote(course.price_unit, rates, start=start, end=end, seats=seats,
                 schedule=Schedule(course.hours_per_week, course.weekdays))


def course_search_fields(course: Course) -> dict[str, Any]:
    """The course's fields an offer keeps a copy of for search (triggers keep them in step afterwards)."""
    return {"course_kind": course.kind, "course_format": course.format, "course_cefr_min": course.cefr_min,
            "course_cefr_max": course.cefr_max, "course_municipality": course.municipality_number,
            "course_part_time": course.part_time, "course_active": course.is_active, "course_seats_free": course.seats_free}


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
                             start=formats.date(course.start_date), end=formats.date(course.end_date)),
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
                    "The offer price cannot be higher than the course's price (%(price)s).", price=formats.money(highest))})
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
    begin_write(session)
    course = lock(session, Course, data.course_id) if data.course_id else None
    errors, unit_price, seat_price = _offer_errors(session, unit_id, data, course, formats.local_date(now), None)
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


def update_offer(session: Session, offer_id: int, data: OfferInput, *, actor: Actor, now: dt.datetime,
                 days: HoldDays = HoldDays()) -> CapacityOffer:
    course, offer = lock_offer(session, offer_id)
    own_offer(offer, actor)
    offer_target(offer.status, "edit", message=_("A withdrawn, filled or expired offer cannot be changed."))
    data.course_id = offer.course_id
    errors, unit_price, seat_price = _offer_errors(session, actor.unit_id, data, course, formats.local_date(now), offer)
    if not errors and data.period_start and data.period_end:
        outside = session.scalar(select(func.count()).select_from(CapacityRequest).where(
            CapacityRequest.offer_id == offer.id, CapacityRequest.status.in_(OPEN_REQUEST_STATUSES),
            (CapacityRequest.start_date < data.period_start) | (CapacityRequest.end_date > data.period_end)))
        if outside:
            errors.append({"path": "period_start", "message": ngettext(
                "%(num)d open request falls outside the new period: answer it first.",
                "%(num)d open requests fall outside the new period: answer them first.", outside)})
    if errors:
        raise ValidationFailed(_("The offer was not saved."), errors=errors)
    before = _offer_summary(offer)
    _apply_offer(offer, data, unit_price, seat_price, now)
    session.flush()
    audit.record(session, actor, "capacity.offer_updated", offer, at=now, before=before, after=_offer_summary(offer))
    advance_waiting_list(session, course, offer, now, days)
    return offer


def change_offer_status(session: Session, offer_id: int, action: str, *, reason: str = "", actor: Actor, now: dt.datetime,
                        days: HoldDays = HoldDays()) -> CapacityOffer:
    """``pause``, ``resume`` or ``withdraw`` (with a reason; open requests end and their seats are released)."""
    course, offer = lock_offer(session, offer_id)
    own_offer(offer, actor)
    expire_offer_due(session, course, offer, now, days)
    before = offer.status
    refusal = _("The offer cannot be changed that way now (it is %(status)s).", status=before.label.lower())
    if action not in PROVIDER_ACTIONS:
        raise TransitionNotAllowed(before, action=action, message=refusal)
    target = offer_target(before, action, message=refusal)
    reason = (reason or "").strip()
    if action == "withdraw" and not 3 <= len(reason) <= 2000:
        raise ValidationFailed(_("The offer was not withdrawn."), errors=[{"path": "reason", "message": _("Give a reason (3–2000 characters).")}])
    offer.status = target
    if action == "withdraw":
        for req in open_requests(session, offer.id):
            end_request(session, course, offer, req, "decline", now, reason=_("The offer was withdrawn: %(reason)s", reason=reason), actor=actor)
            tell_requester(session, req, offer, "capacity.offer_withdrawn", now, reason=reason)
    offer.updated_at = now
    session.flush()
    audit.record(session, actor, PROVIDER_ACTIONS[action], offer, at=now,
                 before={"status": before}, after={"status": offer.status, "reason": reason or None})
    if offer.status == OfferStatus.published:
        advance_waiting_list(session, course, offer, now, days)
    return offer
