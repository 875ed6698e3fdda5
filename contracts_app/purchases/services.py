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
from sqlalchemy import JSON, Integer, bindparam, column, insert, select, text, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, rules
from ..agreements.services import covering_agreement, covering_agreement_id
from ..audit import Actor
from ..budget import services as budget_services
from ..budget.models import Budget, BudgetStop, EntryKind
from ..courses.models import CEFR_LEVELS, Course, CourseRate
from ..courses.pricing import PricingError, Quote, Rate, Schedule, quote
from ..db import add_inserted, begin_write, core_connection, execute_write, load_rows, lock, set_loaded
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..i18n import date as fmt_date
from ..i18n import money as fmt_money
from ..organisations.models import LegalEntity, Side, Unit, UnitKind
from ..rulecheck.services import current_table
from . import facts as facts_module
from .models import Participant, PurchaseStatus, SeatPurchase

MAX_SEATS_PER_PURCHASE = 50
_REFERENCE = re.compile(r"^[A-Za-z0-9ÆØÅæøå_.\-]{2,40}$")
_LONG_DIGITS = re.compile(r"\d{6,}")


class BudgetRefused(Conflict):
    """The budget (a stop, or nothing left under a hard stop) refuses the purchase."""

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
    agreement: Any = None  # the covering agreement (agreements.services.covering_agreement), when there is one


def check_participants(participants: list[ParticipantInput], seats: int, errors: list[dict]) -> None:
    if len(participants) != seats:
        errors.append({"path": "participants", "message": _("Give one participant reference per seat.")})
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
                        start=fmt_date(course.start_date), end=fmt_date(course.end_date),
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
    """The agreement (or with ``id_only`` its id) the buyer's legal person has with the provider's on the start
    date, if any."""
    if course is None or buyer is None or on is None or (buyer.kind == UnitKind.nav_office and side is None):
        return None
    return (covering_agreement_id if id_only else covering_agreement)(
        object_session(course), buyer_entity_id=buyer.entity_for_side(side).id,
        provider_entity_id=course.provider_unit.legal_entity_id, on=on,
    )


def confirm(
    session: Session, data: PurchaseInput, *, actor: Actor, now: dt.datetime, today: dt.date, override_reason: str | None = None
) -> SeatPurchase:
    """Reserve seats and money together. Raises ValidationFailed, Conflict or BudgetRefused; writes nothing then.

    With ``override_reason`` a purchase refused only by a declared budget stop is stored as
    ``awaiting_override`` (no seats, no money) for another budget owner to decide.

    This is the product's hot path (every seat bought, and every accepted capacity request). The course and
    the budget line are locked first and read fresh by those same statements (with the rates, the supplier
    and whether a stop is in force), so nothing is read twice: the checks, the price and the rules assessment
    are all made on what is locked. The reads and writes are Core statements instead of the ORM's loading
    and unit of work (a third of the CPU); the session's objects are kept current (``db.set_loaded``,
    ``db.load_rows``). Locks are always taken course first, then budget (one statement: ``_lock``).
    """
    begin_write(session)
    course, budget, stop = _lock(session, data.course_id, data.budget_id, on=today)
    buyer = session.get(Unit, data.buyer_unit_id)
    errors, side = validate_purchase(session, data, course, budget, buyer)
    q = quote_purchase(course, data, errors) if course else None
    if errors:
        raise ValidationFailed(_("The purchase could not be made."), errors=errors)
    if course.seats_free + data.held_seats < data.seats:
        raise Conflict(
            _("Only %(n)d seats are free on %(course)s now: someone else was quicker.", n=course.seats_free, course=course.title)
            if course.seats_free
            else _("%(course)s is fully booked: there are no free seats left.", course=course.title)
        )
    check = budget_services.check(budget, q.total, on=today, stop=stop)
    if not check.allowed:
        if check.stopped_by is not None and override_reason:
            return _store_awaiting_override(session, data, course, budget, side, q, actor=actor, now=now, reason=override_reason)
        raise BudgetRefused(check.refusal, stopped=check.stopped_by is not None)
    assessment = assess(session, buyer=buyer, side=side, course=course, amount=q.total, start=data.start_date, end=data.end_date)
    values = _purchase_values(data, course, budget, side, q, assessment, PurchaseStatus.confirmed, actor, now)
    if session.get_bind().dialect.name == "postgresql":  # the agreement is found by the write statement
        purchase_id, values["agreement_id"] = _write_confirmed_pg(session, values, data, course, budget, actor,
                                                                  buyer_entity_id=buyer.entity_for_side(side).id)
    else:
        values["agreement_id"] = _covering(course, buyer, side, data.start_date, id_only=True)
        purchase_id = execute_write(session, _INSERT_PURCHASE, values).scalar_one()
        execute_write(session, _INSERT_PARTICIPANT, [{**p, "purchase_id": purchase_id} for p in _participant_values(data)])
        seats = execute_write(session, _TAKE_SEATS, {"course_id": course.id, "held": data.held_seats, "n": data.seats}).one()
        set_loaded(course, seats)
        budget_services.commit_now(session, budget, q.total, purchase_id=purchase_id, now=now)
        audit.record_now(session, actor, "purchase.confirmed", object_type="seat_purchase", object_id=purchase_id, at=now,
                         after=_summary(values))
    return add_inserted(session, SeatPurchase, {**values, "id": purchase_id})


def _write_confirmed_pg(session: Session, values: dict[str, Any], data: PurchaseInput, course: Course, budget: Budget, actor: Actor,
                        *, buyer_entity_id: int) -> tuple[int, int | None]:
    """PostgreSQL: the six writes of a confirmation (purchase, participants, seat counts, commitment, ledger
    entry, audit event) in one statement, one round trip instead of seven, with the covering agreement looked up
    in it; the same rows as the separate statements used on SQLite (both are tested on both databases through
    the same services). Returns the purchase's and the agreement's id."""
    event = audit.event_values(actor, "purchase.confirmed", object_type="seat_purchase", object_id=None, at=values["created_at"],
                               after=_summary(values))
    row = execute_write(session, _CONFIRM_WRITES_PG, {
        **values, "participants": audit.jsonable(_participant_values(data)), "held": data.held_seats, "buyer_entity_id": buyer_entity_id,
        "entry_kind": EntryKind.commit.value, "actor_id": event["actor_id"], "actor_unit_id": event["unit_id"],
        "action": event["action"], "object_type": event["object_type"], "event_before": event["before"], "event_after": event["after"],
    }).one()
    set_loaded(course, {"seats_held": row.seats_held, "seats_confirmed": row.seats_confirmed})
    set_loaded(budget, {"committed": row.committed})
    return row.id, row.agreement_id


_COURSE = Course.__table__
_RATE = CourseRate.__table__
_UNIT = Unit.__table__
_ENTITY = LegalEntity.__table__
# What a confirmation reads of the course, its rates, its provider unit and the unit's legal person (the
# supplier): the columns the checks, the price, the assessment and the messages use. Not the descriptions
# and the like: each column read costs the driver and the ORM CPU on every purchase, and nothing here
# shows them (they load on access if something does).
_LOCKED = {
    "": (_COURSE, ("id", "provider_unit_id", "title", "kind", "start_date", "end_date", "hours_per_week", "teaching_weekdays",
                   "total_seats", "seats_held", "seats_confirmed", "price_unit", "is_active")),
    "unit_": (_UNIT, ("id", "name", "kind", "legal_entity_id", "municipal_entity_id", "is_active")),
    "entity_": (_ENTITY, ("id", "name", "org_number", "legal_type", "is_contracting_authority", "is_central_government")),
    "rate_": (_RATE, ("id", "course_id", "valid_from", "amount")),
}
_BUDGET = Budget.__table__


def _lock_statement(*, with_budget: bool):
    """The course row locked, with its rates (one row per rate), its provider unit and the unit's legal person;
    ``with_budget``: and the budget line bound as ``budget`` locked in the same statement, with the number
    of its stops in force (no rows if either is missing). FOR UPDATE locks the course row (and the budget row)
    only; PostgreSQL locks them in the order of the FROM list, course first."""
    columns = [table.c[name].label(prefix + name) if prefix else table.c[name]
               for prefix, (table, names) in _LOCKED.items() for name in names]
    tables = (_COURSE.join(_UNIT, _UNIT.c.id == _COURSE.c.provider_unit_id)
              .join(_ENTITY, _ENTITY.c.id == _UNIT.c.legal_entity_id))
    locked = [_COURSE]
    if with_budget:
        columns += budget_services.purchase_lock_columns("budget_")
        tables = tables.join(_BUDGET, _BUDGET.c.id == bindparam("budget"))
        locked.append(_BUDGET)
    return (
        select(*columns).select_from(tables.outerjoin(_RATE, _RATE.c.course_id == _COURSE.c.id))
        .where(_COURSE.c.id == bindparam("id")).order_by(_RATE.c.valid_from).with_for_update(of=locked)
    )


_LOCK_COURSE = _lock_statement(with_budget=False)
_LOCK_COURSE_AND_BUDGET = _lock_statement(with_budget=True)
_TAKE_SEATS = (
    update(_COURSE).where(_COURSE.c.id == bindparam("course_id"))
    .values(seats_held=_COURSE.c.seats_held - bindparam("held"), seats_confirmed=_COURSE.c.seats_confirmed + bindparam("n"))
    .returning(_COURSE.c.seats_held, _COURSE.c.seats_confirmed)
)
_INSERT_PURCHASE = insert(SeatPurchase.__table__).returning(SeatPurchase.__table__.c.id)
_INSERT_PARTICIPANT = insert(Participant.__table__)
# Data-modifying CTEs: every sub-statement sees the same snapshot and runs once; the participants, ledger
# entry and audit event take the purchase's id from its RETURNING. Foreign keys are checked at the end of the
# statement, when the purchase row exists. Row locks on course and budget are held (confirm() took them).
_CONFIRM_WRITES_PG = text("""
WITH covering AS (  -- agreements.services._covering_statement: the same conditions (tests compare the two)
    SELECT agreement.id FROM agreement
    JOIN agreement_party AS buyer ON buyer.agreement_id = agreement.id
    JOIN agreement_party AS supplier ON supplier.agreement_id = agreement.id
    WHERE agreement.status IN ('signed', 'active') AND buyer.legal_entity_id = :buyer_entity_id
        AND supplier.legal_entity_id = :supplier_entity_id AND buyer.legal_entity_id <> supplier.legal_entity_id
        AND agreement.start_date <= :start_date
        AND agreement.end_date >= :start_date
    ORDER BY agreement.end_date DESC, agreement.id DESC LIMIT 1
), p AS (
    INSERT INTO seat_purchase (course_id, buyer_unit_id, side, budget_id, supplier_entity_id, course_kind, seats, start_date,
        end_date, amount, breakdown, status, assessment, agreement_id, created_by_id, created_at, updated_at)
    VALUES (:course_id, :buyer_unit_id, :side, :budget_id, :supplier_entity_id, :course_kind, :seats, :start_date,
        :end_date, :amount, :breakdown, :status, :assessment, (SELECT id FROM covering), :created_by_id, :created_at, :updated_at)
    RETURNING id, agreement_id
), people AS (
    INSERT INTO participant (purchase_id, reference, cefr_level, consent, consent_date)
    SELECT p.id, v.reference, v.cefr_level, v.consent, v.consent_date
    FROM p, ROWS FROM (json_to_recordset(:participants) AS (reference varchar, cefr_level varchar, consent boolean, consent_date date))
        WITH ORDINALITY AS v(reference, cefr_level, consent, consent_date, n)
    ORDER BY v.n  -- ids in the order the participants were given
), seats AS (
    UPDATE course SET seats_held = seats_held - :held, seats_confirmed = seats_confirmed + :seats
    WHERE id = :course_id RETURNING seats_held, seats_confirmed
), money AS (
    UPDATE budget SET committed = committed + :amount WHERE id = :budget_id RETURNING committed
), entry AS (
    INSERT INTO budget_entry (budget_id, purchase_id, kind, amount, at) SELECT :budget_id, p.id, :entry_kind, :amount, :created_at FROM p
), event AS (
    INSERT INTO audit_event (at, actor_id, unit_id, action, object_type, object_id, before, after)
    SELECT :created_at, :actor_id, :actor_unit_id, :action, :object_type, CAST(p.id AS varchar), :event_before, :event_after FROM p
)
SELECT p.id, p.agreement_id, seats.seats_held, seats.seats_confirmed, money.committed FROM p, seats, money
""").bindparams(
    *(bindparam(name, type_=SeatPurchase.__table__.c[name].type) for name in (
        "side", "course_kind", "status", "amount", "breakdown", "assessment", "created_at", "updated_at")),
    bindparam("participants", type_=JSON), bindparam("event_before", type_=JSON), bindparam("event_after", type_=JSON),
).columns(  # by position: the result needs no matching of names
    column("id", Integer), column("agreement_id", Integer), column("seats_held", Integer), column("seats_confirmed", Integer), column("committed", Budget.__table__.c.committed.type))


def _lock(session: Session, course_id: int, budget_id: int | None, *, on: dt.date) -> tuple[Course | None, Budget | None, BudgetStop | None]:
    """The course and the budget line with their rows locked and read fresh, with the course's rates, provider
    unit and supplier and the stop in force on ``on``, in one Core statement (``_LOCK_COURSE_AND_BUDGET``).
    The session's objects are updated, or enter it as loaded (``db.load_rows``). When either is missing (or
    no budget line was chosen) each is locked on its own, course first, so the checks can say which."""
    if budget_id:
        rows = core_connection(session).execute(_LOCK_COURSE_AND_BUDGET, {"id": course_id, "budget": budget_id, "on": on}).all()
        if rows:
            return (_course_from_rows(session, rows),) + budget_services.locked_budget(session, rows[0], on=on, prefix="budget_")
    rows = core_connection(session).execute(_LOCK_COURSE, {"id": course_id}).all()
    course = _course_from_rows(session, rows) if rows else None
    return (course,) + (budget_services.lock_for_purchase(session, budget_id, on=on) if budget_id else (None, None))


def _course_from_rows(session: Session, rows) -> Course:
    [course] = load_rows(session, Course, rows[:1], names=_LOCKED[""][1])
    rates = [(r.rate_valid_from, r.rate_amount) for r in rows if r.rate_id is not None]
    if "rates" not in course.__dict__:
        set_committed_value(course, "rates", load_rows(session, CourseRate, rows, prefix="rate_", names=_LOCKED["rate_"][1]) if rates else [])
    elif [(r.valid_from, r.amount) for r in course.rates] != rates:
        session.refresh(course, ["rates"])
    [provider] = load_rows(session, Unit, rows[:1], prefix="unit_", names=_LOCKED["unit_"][1])
    [supplier] = load_rows(session, LegalEntity, rows[:1], prefix="entity_", names=_LOCKED["entity_"][1])
    if provider.__dict__.get("legal_entity") is not supplier:
        set_committed_value(provider, "legal_entity", supplier)
    if course.__dict__.get("provider_unit") is not provider:
        set_committed_value(course, "provider_unit", provider)
    return course


def _purchase_values(data, course, budget, side, q: Quote, assessment, status, actor: Actor, now) -> dict[str, Any]:
    """Every column of a new purchase (participants apart)."""
    return dict(
        course_id=course.id,
        buyer_unit_id=data.buyer_unit_id,
        side=side,
        budget_id=budget.id,
        supplier_entity_id=course.provider_unit.legal_entity_id,
        course_kind=course.kind,
        seats=data.seats,
        start_date=data.start_date,
        end_date=data.end_date,
        amount=q.total,
        breakdown=q.breakdown("nb"),
        actual_amount=None,
        status=status,
        assessment=assessment,
        override_reason=None,
        override_decided_by_id=None,
        override_decided_at=None,
        override_decision_note=None,
        cancel_reason=None,
        agreement_id=None,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )


def _participant_values(data: PurchaseInput) -> list[dict[str, Any]]:
    return [
        dict(reference=p.reference.strip(), cefr_level=p.cefr_level or None, consent=p.consent, consent_date=p.consent_date, anonymised_at=None)
        for p in data.participants
    ]


def _new_purchase(data, course, budget, side, q: Quote, assessment, status, actor: Actor, now) -> SeatPurchase:
    return SeatPurchase(
        **_purchase_values(data, course, budget, side, q, assessment, status, actor, now),
        participants=[Participant(**p) for p in _participant_values(data)],
    )


_SUMMARY = ("course_id", "buyer_unit_id", "side", "budget_id", "seats", "start_date", "end_date", "amount", "status")


def _summary(p: SeatPurchase | dict[str, Any]) -> dict[str, Any]:
    """What the audit event of a purchase records (from the purchase, or the values it is inserted with)."""
    if isinstance(p, dict):
        return {k: p[k] for k in _SUMMARY}
    return {k: getattr(p, k) for k in _SUMMARY}


def _store_awaiting_override(session, data, course, budget, side, q, *, actor, now, reason: str) -> SeatPurchase:
    reason = reason.strip()
    if len(reason) < 10 or len(reason) > 2000:
        raise ValidationFailed(
            _("The override request could not be sent."),
            errors=[{"path": "override_reason", "message": _("Explain why the purchase cannot wait (10–2000 characters).")}],
        )
    purchase = _new_purchase(data, course, budget, side, q, None, PurchaseStatus.awaiting_override, actor, now)
    purchase.override_reason = reason
    session.add(purchase)
    session.flush()
    audit.record(session, actor, "purchase.override_requested", purchase, at=now, after={**_summary(purchase), "reason": reason})
    return purchase


def decide_override(
    session: Session, purchase_id: int, *, approve: bool, note: str, actor: Actor, now: dt.datetime, today: dt.date
) -> SeatPurchase:
    """A second budget owner approves (seats and money are then reserved, ignoring the stop only) or refuses."""
    begin_write(session)
    purchase = lock(session, SeatPurchase, purchase_id)
    if purchase is None:
        raise NotFound(_("No such purchase."))
    if purchase.status != PurchaseStatus.awaiting_override:
        raise Conflict(_("This purchase is not waiting for an override decision."))
    if purchase.created_by_id == actor.user_id:
        raise PermissionDenied(_("Another person must decide an override you asked for (two-person rule)."))
    if actor.unit_id != purchase.buyer_unit_id:
        raise PermissionDenied(_("Only a budget owner at the buying unit can decide the override."))
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(_("The note is too long."), errors=[{"path": "note", "message": _("At most 2000 characters.")}])
    if not approve:
        purchase.status = PurchaseStatus.override_refused
    else:
        course = lock(session, Course, purchase.course_id)
        budget = lock(session, Budget, purchase.budget_id)
        if course.seats_free < purchase.seats:
            raise Conflict(_("Only %(n)d seats are free on %(course)s now.", n=course.seats_free, course=course.title))
        check = budget_services.check(budget, purchase.amount, on=today, override_stop=True)
        if not check.allowed:
            raise BudgetRefused(check.refusal, stopped=False)
        purchase.assessment = assess(
            session, buyer=purchase.buyer_unit, side=purchase.side, course=course, amount=purchase.amount,
            start=purchase.start_date, end=purchase.end_date,
        )
        course.seats_confirmed = course.seats_confirmed + purchase.seats
        budget_services.commit(session, budget, purchase.amount, purchase_id=purchase.id, now=now)
        purchase.agreement_id = _covering(course, purchase.buyer_unit, purchase.side, purchase.start_date, id_only=True)
        purchase.status = PurchaseStatus.confirmed
    purchase.override_decided_by_id = actor.user_id
    purchase.override_decided_at = now
    purchase.override_decision_note = note or None
    purchase.updated_at = now
    session.flush()
    audit.record(
        session, actor, "purchase.override_approved" if approve else "purchase.override_refused", purchase, at=now,
        before={"status": "awaiting_override"}, after={"status": purchase.status, "note": note},
    )
    return purchase


def cancel(session: Session, purchase_id: int, *, reason: str, actor: Actor, now: dt.datetime) -> SeatPurchase:
    """Give back the seats and the money of a confirmed purchase."""
    begin_write(session)
    purchase = lock(session, SeatPurchase, purchase_id)
    if purchase is None:
        raise NotFound(_("No such purchase."))
    reason = (reason or "").strip()
    if len(reason) < 3 or len(reason) > 2000:
        raise ValidationFailed(_("The purchase was not cancelled."), errors=[{"path": "reason", "message": _("Give a reason (3–2000 characters).")}])
    if purchase.status not in (PurchaseStatus.confirmed, PurchaseStatus.awaiting_override):
        raise Conflict(_("Only a confirmed purchase or an open override request can be cancelled."))
    before = purchase.status
    if purchase.status == PurchaseStatus.confirmed:
        course = lock(session, Course, purchase.course_id)
        budget = lock(session, Budget, purchase.budget_id)
        course.seats_confirmed = course.seats_confirmed - purchase.seats
        budget_services.release(session, budget, purchase.amount, purchase_id=purchase.id, now=now)
    purchase.status = PurchaseStatus.cancelled
    purchase.cancel_reason = reason
    purchase.updated_at = now
    session.flush()
    audit.record(session, actor, "purchase.cancelled", purchase, at=now, before={"status": before}, after={"status": purchase.status, "reason": reason})
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
    if purchase.status != PurchaseStatus.confirmed:
        raise Conflict(_("Actual cost can only be registered on a confirmed purchase."))
    budget = lock(session, Budget, purchase.budget_id)
    extra = actual - purchase.amount
    if extra > 0 and budget.stop_mode.value == "hard" and budget.remaining < extra:
        raise BudgetRefused(
            _("The actual cost is %(extra)s more than committed and the budget has only %(left)s left.",
              extra=fmt_money(extra), left=fmt_money(budget.remaining)),
            stopped=False,
        )
    budget_services.spend(session, budget, purchase.amount, actual, purchase_id=purchase.id, now=now)
    purchase.actual_amount = actual
    purchase.status = PurchaseStatus.completed
    purchase.updated_at = now
    session.flush()
    audit.record(session, actor, "purchase.actual_cost_registered", purchase, at=now,
                 before={"status": "confirmed", "amount": purchase.amount}, after={"status": "completed", "actual_amount": actual})
    return purchase
