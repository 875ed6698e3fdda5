"""Seat purchases: preview, confirm (seats and money in one locked transaction), cancel, actual cost, and the
two-person override of a budget stop.

Lock before you count: :func:`confirm` starts a write transaction, locks the course row and then the budget
row, re-reads both, checks free seats, the budget and its stop, and only then writes the allocation and the
commitment. Either both happen or neither. Services flush; the view commits.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session, joinedload, object_session

from .. import audit, formats, rules
from ..agreements.queries import covering_agreement, covering_agreement_id
from ..audit import Actor
from ..auth.models import Role, User
from ..budget import services as budget_services
from ..budget.models import Budget
from ..courses.models import CEFR_LEVELS, Course
from ..courses.pricing import PricingError, Quote, Rate, Schedule, quote
from ..db import begin_write, lock
from ..documents import services as documents
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..notifications.services import notify_users, users_with_roles
from ..organisations.models import Side, Unit, UnitKind
from ..rulecheck.services import current_table
from . import facts as facts_module
from . import states
from .models import Participant, PurchaseStatus, SeatPurchase

MAX_SEATS_PER_PURCHASE = 50
_REFERENCE = re.compile(r"^[A-Za-z0-9ÆØÅæøå_.\-]{2,40}$")
_LONG_DIGITS = re.compile(r"\d{6,}")


class BudgetRefused(Conflict):
    """The budget (a stop, or nothing left under a hard stop) refuses the purchase. ``stopped``: a declared stop
    refused it. Either way the buyer can ask for an override (:func:`confirm` with ``override_reason``); another
    budget owner at the unit decides (:func:`decide_override`)."""

    def __init__(self, message: str, *, stopped: bool):
        super().__init__(message)
        self.stopped = stopped


@dataclass
class ParticipantInput:
    reference: str
    cefr_level: str | None = None
    consent: bool = False
    consent_date: dt.date | None = None


@dataclass
class PurchaseInput:
    course_id: int
    buyer_unit_id: int
    budget_id: int | None
    side: str | None
    seats: int
    start_date: dt.date | None
    end_date: dt.date | None
    participants: list[ParticipantInput] = field(default_factory=list)
    # A price per the course's price unit agreed for this purchase (a capacity offer's lower price); None =
    # the course's dated rates.
    unit_price: Decimal | None = None
    # Seats already held in the course's ledger for this purchase (an accepted capacity request): confirming
    # moves them from held to confirmed instead of taking free seats.
    held_seats: int = 0
    # The buyer ticked "the start date is in the past, and that is right" (see :func:`check_start`).
    past_start_confirmed: bool = False


@dataclass
class Preview:
    course: Course
    budget: Budget | None
    side: Side | None
    quote: Quote | None
    budget_check: budget_services.BudgetCheck | None
    assessment: dict[str, Any] | None
    agreement_warning: str | None
    errors: list[dict]
    agreement: Any = None  # the covering agreement (agreements.queries.covering_agreement), when there is one


def check_start(start_date: dt.date | None, today: dt.date, confirmed: bool, errors: list[dict]) -> None:
    """A start date in the past is allowed (a seat bought after the fact) only when the buyer confirms it: a
    typo in the year bought three months of a course nobody attended, without a word."""
    if start_date is not None and start_date < today and not confirmed:
        errors.append({"path": "confirm_past_start", "message": _(
            "The start date %(date)s is in the past. Check it, or tick the box to confirm that the seat really "
            "starts then.", date=formats.date(start_date))})


def check_participants(participants: list[ParticipantInput], seats: int, errors: list[dict]) -> None:
    if len(participants) != seats:
        errors.append({"path": "participants", "message": _("Give one participant reference per seat.")})
    start = len(errors)
    _check_participant_rows(participants, errors)
    # Each message names its row ("Deltaker 2: …"): in the error summary fifteen equal messages said nothing.
    row = {f"participants[{i}]": i + 1 for i in range(len(participants))}
    for e in errors[start:]:
        n = row[e["path"].split(".", 1)[0]]
        e["message"] = _("Participant %(n)d: %(message)s", n=n, message=e["message"])


def _check_participant_rows(participants: list[ParticipantInput], errors: list[dict]) -> None:
    seen = set()
    for i, p in enumerate(participants):
        ref = (p.reference or "").strip()
        if not _REFERENCE.match(ref):
            errors.append(
                {
                    "path": f"participants[{i}].reference",
                    "message": _("Use a pseudonymous reference of 2–40 letters, digits, dots, dashes or underscores."),
                }
            )
        elif _LONG_DIGITS.search(ref):
            errors.append(
                {
                    "path": f"participants[{i}].reference",
                    "message": _("The reference must not contain a national identity number or other long numbers."),
                }
            )
        elif ref.lower() in seen:
            errors.append({"path": f"participants[{i}].reference", "message": _("Each participant needs their own reference.")})
        seen.add(ref.lower())
        if p.cefr_level and p.cefr_level not in CEFR_LEVELS:
            errors.append({"path": f"participants[{i}].cefr_level", "message": _("Choose a CEFR level.")})
        if p.consent and p.consent_date is None:
            errors.append({"path": f"participants[{i}].consent_date", "message": _("Give the date consent was given.")})


def validate_purchase(session: Session, data: PurchaseInput, course: Course | None, budget: Budget | None, buyer: Unit | None) -> tuple[list[dict], Side | None]:
    errors: list[dict] = []
    if course is None or not course.is_active:
        errors.append({"path": "course_id", "message": _("The course is not available.")})
        return errors, None
    if buyer is None:
        errors.append({"path": "buyer_unit_id", "message": _("Unknown buying unit.")})
        return errors, None
    if not isinstance(data.seats, int) or not 1 <= data.seats <= MAX_SEATS_PER_PURCHASE:
        errors.append({"path": "seats", "message": _("Buy between 1 and %(n)d seats.", n=MAX_SEATS_PER_PURCHASE)})
    if data.start_date is None:
        errors.append({"path": "start_date", "message": _("Enter the start date.")})
    if data.end_date is None:
        errors.append({"path": "end_date", "message": _("Enter the end date.")})
    if data.start_date and data.end_date:
        if data.end_date < data.start_date:
            errors.append({"path": "end_date", "message": _("The end date cannot be before the start date.")})
        if data.start_date < course.start_date or data.end_date > course.end_date:
            errors.append(
                {
                    "path": "start_date" if data.start_date < course.start_date else "end_date",
                    "message": _(
                        "The course runs from %(start)s to %(end)s: choose dates inside that period.",
                        start=formats.date(course.start_date), end=formats.date(course.end_date),
                    ),
                }
            )
        if data.start_date.year != data.end_date.year:
            errors.append(
                {
                    "path": "end_date",
                    "message": _(
                        "A purchase is committed against one budget year. Buy until 31.12.%(year)s now and the rest "
                        "from 01.01.%(next)s against next year's budget.",
                        year=data.start_date.year, next=data.start_date.year + 1,
                    ),
                }
            )
    side = None
    if buyer.kind == UnitKind.nav_office:
        try:
            side = Side(data.side or (budget.side.value if budget else ""))
        except ValueError:
            errors.append({"path": "side", "message": _("Say which side of the Nav office buys: state or municipal.")})
    else:
        side = Side.municipal if buyer.legal_entity.legal_type.value in ("municipality", "county_municipality") else Side.state
    if budget is None or budget.unit_id != buyer.id:
        errors.append({"path": "budget_id", "message": _("Choose one of your unit's budget lines.")})
    elif data.start_date and budget.year != data.start_date.year:
        errors.append(
            {"path": "budget_id", "message": _("The budget line is for %(year)s; the purchase starts in another year.", year=budget.year)}
        )
    elif buyer.kind == UnitKind.nav_office and side is not None and budget.side != side:
        errors.append({"path": "side", "message": _("This budget line belongs to the other side of the Nav office.")})
    if course.provider_unit_id == buyer.id:
        errors.append({"path": "course_id", "message": _("A unit cannot buy seats on its own course.")})
    check_participants(data.participants, data.seats if isinstance(data.seats, int) else 0, errors)
    return errors, side


def quote_purchase(course: Course, data: PurchaseInput, errors: list[dict]) -> Quote | None:
    if errors:
        return None
    try:
        rates = [Rate(r.valid_from, r.amount) for r in course.rates]
        if data.unit_price is not None:
            rates = [Rate(min(course.start_date, data.start_date), data.unit_price)]
        return quote(
            course.price_unit,
            rates,
            start=data.start_date,
            end=data.end_date,
            seats=data.seats,
            schedule=Schedule(course.hours_per_week, course.weekdays),
        )
    except PricingError as exc:
        for e in exc.errors:
            errors.append({"path": e.field if e.field in ("seats", "start_date", "end_date") else "start_date", "message": e.message_nb})
        return None


def assess(session: Session, *, buyer: Unit, side: Side, course: Course, amount: Decimal, start: dt.date, end: dt.date) -> dict[str, Any]:
    version: list = []  # the threshold table's version, read with the facts
    facts = facts_module.purchase_facts(
        session, buyer_unit=buyer, side=side, course=course, amount=amount, start=start, end=end, table_version=version
    )
    return {"facts": facts, "assessment": rules.evaluate(facts, current_table(session, version))}


AGREEMENT_MISSING = "no_agreement"


def preview(session: Session, data: PurchaseInput, *, today: dt.date) -> Preview:
    course = session.get(Course, data.course_id)
    budget = session.get(Budget, data.budget_id) if data.budget_id else None
    buyer = session.get(Unit, data.buyer_unit_id)
    errors, side = validate_purchase(session, data, course, budget, buyer)
    check_start(data.start_date, today, data.past_start_confirmed, errors)
    q = quote_purchase(course, data, errors) if course else None
    check = assessment = None
    if q is not None and budget is not None:
        check = budget_services.check(budget, q.total, on=today)
        assessment = assess(session, buyer=buyer, side=side, course=course, amount=q.total, start=data.start_date, end=data.end_date)
    if course is not None and data.seats and isinstance(data.seats, int) and course.seats_free < data.seats:
        errors.append({"path": "seats", "message": _("Only %(n)d seats are free on this course.", n=course.seats_free)})
    covering = _covering(course, buyer, side, data.start_date)
    internal = course is not None and buyer is not None and side is not None and \
        buyer.entity_for_side(side).id == course.provider_unit.legal_entity_id  # an internal order needs none
    warning = None if covering is not None or internal else _(
        "No agreement registered in the portal covers this purchase. Check that it is made under a valid "
        "agreement or documented as a direct award (see the rules assessment)."
    )
    return Preview(course, budget, side, q, check, assessment, warning, errors, covering)


def _covering(course: Course | None, buyer: Unit | None, side: Side | None, on: dt.date | None, *, id_only: bool = False):
    """The agreement (or with ``id_only`` its id) the purchase is made under on the start date, if any: the buying
    unit acts for (or is covered by) a buying party and the providing unit for a supplying one."""
    if course is None or buyer is None or on is None or (buyer.kind == UnitKind.nav_office and side is None):
        return None
    return (covering_agreement_id if id_only else covering_agreement)(
        object_session(course), buyer=buyer, side=side, provider=course.provider_unit, on=on,
    )


def confirm(
    session: Session, data: PurchaseInput, *, actor: Actor, now: dt.datetime, today: dt.date, override_reason: str | None = None
) -> SeatPurchase:
    """Reserve seats and money together. Raises ValidationFailed, Conflict or BudgetRefused; writes nothing then.

    ``override_reason`` (a string, even an empty one: the buyer asks for an override): a purchase refused only
    by its budget line (a declared stop, or over the limit of a hard stop) is stored as ``awaiting_override``
    (no seats, no money) for another budget owner of the unit to decide, and they are notified. An empty or
    short reason is a field error, not the refusal again.

    A confirmed purchase gets its order confirmation (documents.services) in the same transaction.

    Lock before you count: a write transaction, the course row locked and read fresh, then the budget line's
    (:func:`_lock`), then the checks on what is locked, then the writes through the unit of work.
    """
    begin_write(session)
    course, budget = _lock(session, data.course_id, data.budget_id)
    buyer = session.get(Unit, data.buyer_unit_id)
    errors, side = validate_purchase(session, data, course, budget, buyer)
    check_start(data.start_date, today, data.past_start_confirmed, errors)
    q = quote_purchase(course, data, errors) if course else None
    if errors:
        raise ValidationFailed(_("The purchase could not be made."), errors=errors)
    if course.seats_free + data.held_seats < data.seats:
        raise Conflict(
            _("Only %(n)d seats are free on %(course)s now: someone else was quicker.", n=course.seats_free, course=course.title)
            if course.seats_free
            else _("%(course)s is fully booked: there are no free seats left.", course=course.title)
        )
    check = budget_services.check(budget, q.total, on=today)
    if not check.allowed:
        if override_reason is not None:
            return _store_awaiting_override(session, data, course, budget, side, q, actor=actor, now=now, reason=override_reason)
        raise BudgetRefused(check.refusal, stopped=check.stopped_by is not None)
    purchase = _new_purchase(data, course, budget, side, q, "confirm", actor, now)
    purchase.assessment = assess(session, buyer=buyer, side=side, course=course, amount=q.total, start=data.start_date, end=data.end_date)
    purchase.agreement_id = _covering(course, buyer, side, data.start_date, id_only=True)
    session.add(purchase)
    _reserve(session, purchase, course, budget, held=data.held_seats, now=now)
    audit.record(session, actor, "purchase.confirmed", purchase, at=now, after=_summary(purchase))
    session.flush()
    documents.generate_order_confirmation(session, purchase, actor=actor, now=now)
    return purchase


def _lock(session: Session, course_id: int, budget_id: int | None) -> tuple[Course | None, Budget | None]:
    """The course and the budget line, locked in the fixed order (course, then budget) and read fresh, each with
    one statement: the course with its rates, provider unit and supplier, the budget line with its stops."""
    course = lock(session, Course, course_id, joinedload(Course.rates))
    return course, (lock(session, Budget, budget_id, joinedload(Budget.stops)) if budget_id else None)


def _reserve(session: Session, purchase: SeatPurchase, course: Course, budget: Budget, *, held: int, now: dt.datetime) -> None:
    """Take the purchase's seats (``held`` of them were held for it) and its money, on the locked rows."""
    course.seats_held = course.seats_held - held
    course.seats_confirmed = course.seats_confirmed + purchase.seats
    session.flush()  # the purchase's id, for the ledger entry
    budget_services.commit(session, budget, purchase, now=now)


def _new_purchase(data: PurchaseInput, course: Course, budget: Budget, side: Side, q: Quote, action: str,
                  actor: Actor, now: dt.datetime) -> SeatPurchase:
    """A new purchase in the status its creating ``action`` starts it in (``states.INITIAL``)."""
    return SeatPurchase(
        course_id=course.id, buyer_unit_id=data.buyer_unit_id, side=side, budget_id=budget.id,
        supplier_entity_id=course.provider_unit.legal_entity_id, course_kind=course.kind, seats=data.seats,
        start_date=data.start_date, end_date=data.end_date, amount=q.total, breakdown=q.breakdown("nb"), status=states.INITIAL[action],
        created_by_id=actor.user_id, created_at=now, updated_at=now,
        participants=[
            Participant(reference=p.reference.strip(), cefr_level=p.cefr_level or None, consent=p.consent, consent_date=p.consent_date)
            for p in data.participants
        ],
    )


_SUMMARY = ("course_id", "buyer_unit_id", "side", "budget_id", "seats", "start_date", "end_date", "amount", "status")


def _summary(p: SeatPurchase) -> dict[str, Any]:
    """What the audit event of a purchase records."""
    return {k: getattr(p, k) for k in _SUMMARY}


def _store_awaiting_override(session, data, course, budget, side, q, *, actor, now, reason: str) -> SeatPurchase:
    reason = reason.strip()
    if len(reason) < 10 or len(reason) > 2000:
        raise ValidationFailed(
            _("The override request could not be sent."),
            errors=[{"path": "override_reason", "message": _("Explain why the purchase cannot wait (10–2000 characters).")}],
        )
    purchase = _new_purchase(data, course, budget, side, q, "request_override", actor, now)
    purchase.override_reason = reason
    session.add(purchase)
    session.flush()
    audit.record(session, actor, "purchase.override_requested", purchase, at=now, after={**_summary(purchase), "reason": reason})
    # The budget owners of the line (the buying unit's), except the one who asks: they decide (two-person rule).
    owners = [uid for uid in users_with_roles(session, [budget.unit_id], (Role.budget_owner,)) if uid != actor.user_id]
    notify_users(session, owners, "purchases.override_requested", {
        "unit": budget.unit.name, "line": budget.line, "year": budget.year, "seats": purchase.seats,
        "course": course.title, "total": str(purchase.amount), "reason": reason,
    }, link=purchase_link(purchase.id), now=now)
    return purchase


def purchase_link(purchase_id: int) -> str:
    """The purchase page, for notices (services do not build URLs with the request)."""
    return f"/purchases/{purchase_id}"


def decide_override(
    session: Session, purchase_id: int, *, approve: bool, note: str, actor: Actor, now: dt.datetime, today: dt.date
) -> SeatPurchase:
    """A second budget owner approves (seats and money are then reserved, ignoring the stop only) or refuses."""
    begin_write(session)
    purchase = lock(session, SeatPurchase, purchase_id)
    if purchase is None:
        raise NotFound(_("No such purchase."))
    before = purchase.status
    after = states.target(before, "approve_override" if approve else "refuse_override",
                          message=_("This purchase is not waiting for an override decision."))
    if purchase.created_by_id == actor.user_id:
        raise PermissionDenied(_("Another person must decide an override you asked for (two-person rule)."))
    if actor.unit_id != purchase.buyer_unit_id:
        raise PermissionDenied(_("Only a budget owner at the buying unit can decide the override."))
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(_("The note is too long."), errors=[{"path": "note", "message": _("At most 2000 characters.")}])
    overdrawn = None
    if approve:
        course, budget = _lock(session, purchase.course_id, purchase.budget_id)
        if course.seats_free < purchase.seats:
            raise Conflict(_("Only %(n)d seats are free on %(course)s now.", n=course.seats_free, course=course.title))
        # The decision overrides a declared stop. A hard stop's limit holds (the database refuses an overdrawn
        # hard-stop line): a request over it waits until a budget owner raises the line or changes its mode.
        check = budget_services.check(budget, purchase.amount, on=today, override_stop=True)
        if not check.allowed:
            raise BudgetRefused(
                _("%(refusal)s Raise the budget line or change its stop mode, then approve again.", refusal=check.refusal),
                stopped=False,
            )
        overdrawn = -check.remaining_after if check.remaining_after < 0 else None  # a warn-only line
        purchase.assessment = assess(
            session, buyer=purchase.buyer_unit, side=purchase.side, course=course, amount=purchase.amount,
            start=purchase.start_date, end=purchase.end_date,
        )
        purchase.agreement_id = _covering(course, purchase.buyer_unit, purchase.side, purchase.start_date, id_only=True)
        _reserve(session, purchase, course, budget, held=0, now=now)
    purchase.status = after
    purchase.override_decided_by_id = actor.user_id
    purchase.override_decided_at = now
    purchase.override_decision_note = note or None
    purchase.updated_at = now
    session.flush()
    audit.record(
        session, actor, "purchase.override_approved" if approve else "purchase.override_refused", purchase, at=now,
        before={"status": before},
        after={"status": after, "note": note, **({"overdrawn_by": overdrawn} if overdrawn else {})},
    )
    if approve:
        documents.generate_order_confirmation(session, purchase, actor=actor, now=now)
    # The one who asked is told the decision (inbox, and e-mail by their preference).
    decider = session.get(User, actor.user_id)
    notify_users(session, [purchase.created_by_id], "purchases.override_approved" if approve else "purchases.override_refused", {
        "seats": purchase.seats, "course": purchase.course.title, "who": decider.name if decider else "?",
        "note": note or "—",
    }, link=purchase_link(purchase.id), now=now)
    return purchase


def cancel(session: Session, purchase_id: int, *, reason: str, actor: Actor, now: dt.datetime, days: Any = None) -> SeatPurchase:
    """Give back the seats and the money of a confirmed purchase.

    A purchase made by accepting a capacity request also gives its seats back to the offer (a filled offer opens
    again, the waiting list is offered them; ``days``: a ``capacity.seats.HoldDays``, its defaults when None). That
    is called from here, not from a capacity wrapper, so every way of cancelling (page, API, job) does it in this
    transaction; imported when called, because capacity imports this module (an accepted request ends in
    :func:`confirm`). Locks in the fixed order: purchase, course, offer, request, budget line — accept's order
    (course, offer, request, budget) after the purchase, so a cancel and an accept cannot deadlock."""
    begin_write(session)
    purchase = lock(session, SeatPurchase, purchase_id)
    if purchase is None:
        raise NotFound(_("No such purchase."))
    reason = (reason or "").strip()
    if len(reason) < 3 or len(reason) > 2000:
        raise ValidationFailed(_("The purchase was not cancelled."), errors=[{"path": "reason", "message": _("Give a reason (3–2000 characters).")}])
    before = purchase.status
    after = states.target(before, "cancel", message=_("Only a confirmed purchase or an open override request can be cancelled."))
    if before == PurchaseStatus.confirmed:  # an override request reserved nothing
        from ..capacity.seats import give_back_purchase  # capacity imports this module (see above)

        course = lock(session, Course, purchase.course_id)
        course.seats_confirmed = course.seats_confirmed - purchase.seats
        session.flush()  # the course's free seats, before the offer (read with its course) counts them
        give_back_purchase(session, course, purchase, actor=actor, now=now, days=days)
        budget = lock(session, Budget, purchase.budget_id)
        budget_services.release(session, budget, purchase, now=now)
    purchase.status = after
    purchase.cancel_reason = reason
    purchase.updated_at = now
    session.flush()
    audit.record(session, actor, "purchase.cancelled", purchase, at=now, before={"status": before}, after={"status": after, "reason": reason})
    return purchase


def register_actual_cost(session: Session, purchase_id: int, *, amount: Any, actor: Actor, now: dt.datetime) -> SeatPurchase:
    """Move the commitment to spent with the actual cost. A hard-stop budget still cannot be overdrawn."""
    errors: list[dict] = []
    actual = budget_services.parse_money(amount, "actual_amount", errors, allow_zero=True)
    if errors:
        raise ValidationFailed(_("The actual cost was not registered."), errors=errors)
    begin_write(session)
    purchase = lock(session, SeatPurchase, purchase_id)
    if purchase is None:
        raise NotFound(_("No such purchase."))
    before = purchase.status
    after = states.target(before, "register_actual_cost", message=_("Actual cost can only be registered on a confirmed purchase."))
    budget = lock(session, Budget, purchase.budget_id)
    extra = actual - purchase.amount
    if extra > 0 and budget.stop_mode.value == "hard" and budget.remaining < extra:
        raise BudgetRefused(
            _("The actual cost is %(extra)s more than committed and the budget has only %(left)s left.",
              extra=formats.money(extra), left=formats.money(budget.remaining)),
            stopped=False,
        )
    budget_services.spend(session, budget, purchase, actual, now=now)
    purchase.actual_amount = actual
    purchase.status = after
    purchase.updated_at = now
    session.flush()
    audit.record(session, actor, "purchase.actual_cost_registered", purchase, at=now,
                 before={"status": before, "amount": purchase.amount}, after={"status": after, "actual_amount": actual})
    return purchase
