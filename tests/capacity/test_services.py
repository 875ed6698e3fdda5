"""Capacity offers and requests: publishing, holds, waiting list, answers and expiry (services, both databases)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from contracts_app import calendar
from contracts_app.audit import Actor, AuditEvent
from contracts_app.budget import services as budget_services
from contracts_app.capacity import expiry, offers, requests
from contracts_app.capacity.models import CapacityOffer, CapacityRequest, OfferStatus, RequestStatus
from contracts_app.courses.models import Course
from contracts_app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from contracts_app.notifications.models import Notification
from contracts_app.purchases.models import PurchaseStatus, SeatPurchase
from contracts_app.purchases.services import BudgetRefused

from ..factories import make_budget, make_course, make_entity, make_offer, make_unit, request_input

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def market(db, world):
    """The world's course (10 seats, 1 sold) with an offer of 3 seats, and a municipal-side budget at the Nav
    office: the municipal side buys from its own municipality's adult education (an internal order)."""
    coordinator = world.users["provider_coordinator"]
    offer = make_offer(db, world.course, coordinator, seats=3)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal", amount="100000")
    db.commit()
    return offer, budget


def provider(world) -> Actor:
    return Actor(world.users["provider_coordinator"].id, world.adult_education.id)


def advisor(world) -> Actor:
    return Actor(world.users["advisor"].id, world.nav_office.id)


def counts(db, course_id: int, offer_id: int):
    db.expire_all()
    c, o = db.get(Course, course_id), db.get(CapacityOffer, offer_id)
    return (c.seats_held, c.seats_confirmed), (o.seats_held, o.seats_taken)


# --- publishing -----------------------------------------------------------------------------------------

def test_publish_computes_the_seat_price_and_audits(db, world, market):
    offer, _ = market
    # 2 March–19 June 2026 at 8 h/week × 60 kr, Easter and 1 May/14 May/25 May holidays skipped.
    assert offer.status == OfferStatus.published and offer.seats_offered == 3
    assert offer.seat_price == offers.price_for(world.course, None, offer.period_start, offer.period_end).total
    assert offer.seat_price > Decimal("7000")
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "capacity.offer_published")) == 1


BAD_OFFERS = [
    ({"seats_offered": 0}, "seats_offered"),
    ({"seats_offered": -2}, "seats_offered"),
    ({"seats_offered": "tre"}, "seats_offered"),
    ({"seats_offered": 1001}, "seats_offered"),
    ({"seats_offered": 7}, "seats_offered"),  # 10 seats, 1 sold, 3 promised by the other offer → 6 left
    ({"period_end": dt.date(2026, 3, 1)}, "period_end"),
    ({"period_end": dt.date(2026, 7, 1)}, "period_end"),
    ({"period_start": dt.date(2026, 2, 1)}, "period_start"),
    ({"request_deadline": dt.date(2026, 7, 1)}, "request_deadline"),
    ({"request_deadline": dt.date(2026, 3, 1)}, "request_deadline"),
    ({"request_deadline": None}, "request_deadline"),
    ({"unit_price": "61"}, "unit_price"),
    ({"unit_price": "0"}, "unit_price"),
    ({"unit_price": "sixty"}, "unit_price"),
    ({"unit_price": "1000000000000"}, "unit_price"),
    ({"visibility": "named", "entity_ids": []}, "entity_ids"),
    ({"visibility": "named", "entity_ids": [999999]}, "entity_ids"),
    ({"visibility": "secret"}, "visibility"),
    ({"contact_email": "not-an-address"}, "contact_email"),
    ({"contact_name": ""}, "contact_name"),
]


@pytest.mark.parametrize("change,path", BAD_OFFERS, ids=[f"{p}-{i}" for i, (_, p) in enumerate(BAD_OFFERS)])
def test_bad_offers_are_refused_per_field_and_write_nothing(db, world, market, change, path):
    before = db.scalar(select(func.count()).select_from(CapacityOffer))
    change = dict(change)  # the table is shared by both database runs
    with pytest.raises(ValidationFailed) as exc:
        make_offer(db, world.course, world.users["provider_coordinator"], seats=change.pop("seats_offered", 2), **change)
    db.rollback()
    assert path in [e["path"] for e in exc.value.errors]
    assert db.scalar(select(func.count()).select_from(CapacityOffer)) == before


def test_an_offer_on_another_units_course_is_refused(db, world, market):
    other = make_unit(db, world.municipality, name="Annen skole")
    course = make_course(db, other, title="Annet kurs")
    with pytest.raises(ValidationFailed) as exc:
        offers.publish_offer(db, world.adult_education.id, offers.OfferInput(course.id, 1, course.start_date, course.end_date,
                         dt.date(2026, 3, 20), contact_name="Kari", contact_email="k@x.no"), actor=provider(world), now=FIXED())
    assert exc.value.errors[0]["path"] == "course_id"


def FIXED():
    from contracts_app import clock

    return clock.now()


def test_the_lower_offer_price_is_used(db, world, market):
    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=2, unit_price="45")
    assert offer.unit_price == Decimal("45.00")
    assert offer.seat_price == offers.price_for(world.course, Decimal(45), offer.period_start, offer.period_end).total


# --- requests and holds ---------------------------------------------------------------------------------

def test_a_request_holds_seats_in_both_ledgers_and_notifies_the_provider(db, world, market):
    offer, budget = market
    req = requests.request_seats(db, request_input(offer, budget, seats=2), actor=advisor(world), now=FIXED())
    db.commit()
    assert req.status == RequestStatus.held
    # Monday 2 March 09:00 + 5 working days = Monday 9 March, end of day in Oslo.
    assert req.hold_expires_at.astimezone(OSLO) == dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=OSLO)
    assert counts(db, world.course.id, offer.id) == ((2, 1), (2, 0))
    assert req.quoted_amount == Decimal("2") * Decimal("8") * Decimal("3") * Decimal("60")  # 2 seats × 3 weeks × 8 h × 60
    notes = db.scalars(select(Notification).where(Notification.user_id == world.users["provider_coordinator"].id)).all()
    assert [n.kind for n in notes] == ["capacity.request_received"]


def test_the_hold_never_passes_the_request_deadline(db, world, market):
    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=1, request_deadline=dt.date(2026, 3, 4))
    _, budget = market
    req = requests.request_seats(db, request_input(offer, budget), actor=advisor(world), now=FIXED())
    assert req.hold_expires_at.astimezone(OSLO) == dt.datetime(2026, 3, 4, 23, 59, 59, tzinfo=OSLO)


def test_hold_days_skip_public_holidays():
    # Wednesday 1 April 2026 + 5 working days: Maundy Thursday, Good Friday and Easter Monday are holidays.
    assert calendar.add_working_days(dt.date(2026, 4, 1), 5) == dt.date(2026, 4, 13)


def test_a_full_offer_puts_the_request_on_the_waiting_list(db, world, market):
    offer, budget = market
    requests.request_seats(db, request_input(offer, budget, seats=3), actor=advisor(world), now=FIXED())
    second = requests.request_seats(db, request_input(offer, budget, seats=1, refs=["KAP-X"]), actor=advisor(world), now=FIXED())
    third = requests.request_seats(db, request_input(offer, budget, seats=2, refs=["KAP-Y", "KAP-Z"]), actor=advisor(world), now=FIXED())
    assert (second.status, second.position) == (RequestStatus.waiting, 1)
    assert (third.status, third.position) == (RequestStatus.waiting, 2)
    assert counts(db, world.course.id, offer.id) == ((3, 1), (3, 0))


BAD_REQUESTS = [
    ({"seats": 4}, "seats"),
    ({"seats": 0}, "seats"),
    ({"start": dt.date(2026, 2, 1)}, "start_date"),
    ({"end": dt.date(2026, 7, 1)}, "end_date"),
    ({"start": dt.date(2026, 3, 20), "end": dt.date(2026, 3, 10)}, "end_date"),
    ({"refs": ["12345678901"]}, "participants[0].reference"),
]


@pytest.mark.parametrize("change,path", BAD_REQUESTS, ids=[p for _, p in BAD_REQUESTS])
def test_bad_requests_are_refused_per_field_and_write_nothing(db, world, market, change, path):
    offer, budget = market
    with pytest.raises(ValidationFailed) as exc:
        requests.request_seats(db, request_input(offer, budget, **change), actor=advisor(world), now=FIXED())
    db.rollback()
    assert path in [e["path"] for e in exc.value.errors]
    assert db.scalar(select(func.count()).select_from(CapacityRequest)) == 0
    assert counts(db, world.course.id, offer.id) == ((0, 1), (0, 0))


def test_refusals_unknown_offer_past_deadline_paused_hidden_and_own(db, world, market, clock):
    offer, budget = market
    with pytest.raises(NotFound):
        requests.request_seats(db, _with(request_input(offer, budget), offer_id=999999),
                         actor=advisor(world), now=FIXED())
    db.rollback()
    # someone else's unit cannot request with this unit's budget
    other_office = make_unit(db, world.state, name="Nav Annet", kind="nav_office", municipal_entity_id=world.municipality.id)
    other_budget = make_budget(db, other_office)
    with pytest.raises(ValidationFailed) as exc:
        requests.request_seats(db, _with(request_input(offer, other_budget), requester_unit_id=world.nav_office.id), actor=advisor(world), now=FIXED())
    assert exc.value.errors[0]["path"] == "budget_id"
    db.rollback()
    # named visibility: invisible to the Nav office
    stranger = make_entity(db, name="Fjernvik kommune")
    hidden = make_offer(db, world.course, world.users["provider_coordinator"], seats=1, visibility="named", entity_ids=[stranger.id])
    with pytest.raises(NotFound):
        requests.request_seats(db, request_input(hidden, budget), actor=advisor(world), now=FIXED())
    db.rollback()
    # paused
    offers.change_offer_status(db, offer.id, "pause", actor=provider(world), now=FIXED())
    with pytest.raises(Conflict):
        requests.request_seats(db, request_input(offer, budget), actor=advisor(world), now=FIXED())
    db.rollback()
    # past the deadline (30 April)
    clock.at = dt.datetime(2026, 5, 4, 8, tzinfo=dt.timezone.utc)
    with pytest.raises(Conflict):
        requests.request_seats(db, request_input(offer, budget, start=dt.date(2026, 5, 4), end=dt.date(2026, 5, 8)), actor=advisor(world), now=FIXED())
    db.rollback()
    assert db.scalar(select(func.count()).select_from(CapacityRequest)) == 0


def _with(data, **kw):
    for k, v in kw.items():
        setattr(data, k, v)
    return data


def test_a_stopped_budget_refuses_the_request(db, world, market):
    offer, budget = market
    budget_services.declare_stop(db, budget, reason="Tiltaksstopp fra direktoratet", starts_on=dt.date(2026, 3, 1), ends_on=None,
                                 actor=Actor(world.users["budget_owner"].id, world.nav_office.id), now=FIXED())
    db.commit()
    with pytest.raises(BudgetRefused) as exc:
        requests.request_seats(db, request_input(offer, budget), actor=advisor(world), now=FIXED())
    assert "Kommunale midler" in exc.value.message


# --- answers --------------------------------------------------------------------------------------------

def test_accept_turns_the_hold_into_a_purchase_and_a_commitment(db, world, market):
    offer, budget = market
    req = requests.request_seats(db, request_input(offer, budget, seats=2), actor=advisor(world), now=FIXED())
    db.commit()
    requests.accept(db, req.id, actor=provider(world), now=FIXED())
    db.commit()
    db.expire_all()
    purchase = db.get(SeatPurchase, req.purchase_id)
    assert purchase.status == PurchaseStatus.confirmed and purchase.seats == 2 and purchase.amount == req.quoted_amount
    assert [p.reference for p in purchase.participants] == ["KAP-0", "KAP-1"]
    assert counts(db, world.course.id, offer.id) == ((0, 3), (0, 2))
    assert db.get(type(budget), budget.id).committed == req.quoted_amount
    assert db.get(CapacityRequest, req.id).status == RequestStatus.accepted


def test_accepting_the_last_seats_fills_the_offer_and_ends_the_waiting_list(db, world, market):
    offer, budget = market
    req = requests.request_seats(db, request_input(offer, budget, seats=3), actor=advisor(world), now=FIXED())
    waiting = requests.request_seats(db, request_input(offer, budget, seats=1, refs=["W-1"]), actor=advisor(world), now=FIXED())
    requests.accept(db, req.id, actor=provider(world), now=FIXED())
    db.commit()
    db.expire_all()
    assert db.get(CapacityOffer, offer.id).status == OfferStatus.filled
    assert db.get(CapacityRequest, waiting.id).status == RequestStatus.expired


def test_only_the_provider_answers_and_only_the_requester_withdraws(db, world, market):
    offer, budget = market
    req = requests.request_seats(db, request_input(offer, budget), actor=advisor(world), now=FIXED())
    db.commit()
    for call in (lambda: requests.accept(db, req.id, actor=advisor(world), now=FIXED()),
                 lambda: requests.decline(db, req.id, reason="Nei takk", actor=advisor(world), now=FIXED()),
                 lambda: requests.withdraw(db, req.id, actor=provider(world), now=FIXED())):
        with pytest.raises(PermissionDenied):
            call()
        db.rollback()
    with pytest.raises(NotFound):
        requests.accept(db, 999999, actor=provider(world), now=FIXED())


def test_decline_needs_a_reason_releases_the_seats_and_offers_them_to_the_waiting_list(db, world, market):
    offer, budget = market
    first = requests.request_seats(db, request_input(offer, budget, seats=3), actor=advisor(world), now=FIXED())
    big = requests.request_seats(db, request_input(offer, budget, seats=3, refs=["B-1", "B-2", "B-3"]), actor=advisor(world), now=FIXED())
    db.commit()
    with pytest.raises(ValidationFailed):
        requests.decline(db, first.id, reason="", actor=provider(world), now=FIXED())
    db.rollback()
    requests.decline(db, first.id, reason="Kurset passer ikke nivået", actor=provider(world), now=FIXED())
    db.commit()
    db.expire_all()
    big = db.get(CapacityRequest, big.id)
    assert big.status == RequestStatus.offered
    assert big.hold_expires_at.astimezone(OSLO) == dt.datetime(2026, 3, 4, 23, 59, 59, tzinfo=OSLO)  # 2 working days
    assert counts(db, world.course.id, offer.id) == ((3, 1), (3, 0))
    requests.take_offered(db, big.id, actor=advisor(world), now=FIXED())
    db.commit()
    assert db.get(CapacityRequest, big.id).status == RequestStatus.held


def test_the_first_waiting_entry_that_fits_gets_the_seats(db, world, market):
    offer, budget = market
    one = requests.request_seats(db, request_input(offer, budget, seats=1, refs=["A-1"]), actor=advisor(world), now=FIXED())
    requests.request_seats(db, request_input(offer, budget, seats=2, refs=["A-2", "A-3"]), actor=advisor(world), now=FIXED())
    three = requests.request_seats(db, request_input(offer, budget, seats=3, refs=["C-1", "C-2", "C-3"]), actor=advisor(world), now=FIXED())
    small = requests.request_seats(db, request_input(offer, budget, seats=1, refs=["D-1"]), actor=advisor(world), now=FIXED())
    assert (three.status, small.status) == (RequestStatus.waiting, RequestStatus.waiting)
    requests.withdraw(db, one.id, actor=advisor(world), now=FIXED())
    db.commit()
    db.expire_all()
    # one seat free: the 3-seat entry does not fit, the 1-seat entry behind it does
    assert db.get(CapacityRequest, three.id).status == RequestStatus.waiting
    assert db.get(CapacityRequest, small.id).status == RequestStatus.offered


def test_reordering_the_waiting_list_needs_a_reason_and_is_audited(db, world, market):
    offer, budget = market
    requests.request_seats(db, request_input(offer, budget, seats=3), actor=advisor(world), now=FIXED())
    w1 = requests.request_seats(db, request_input(offer, budget, refs=["W-1"]), actor=advisor(world), now=FIXED())
    w2 = requests.request_seats(db, request_input(offer, budget, refs=["W-2"]), actor=advisor(world), now=FIXED())
    db.commit()
    with pytest.raises(ValidationFailed) as exc:
        requests.move_in_waiting_list(db, w2.id, 1, reason="fordi", actor=provider(world), now=FIXED())
    assert exc.value.errors[0]["path"] == "reason"
    db.rollback()
    requests.move_in_waiting_list(db, w2.id, 1, reason="Deltakeren mister plassen i arbeidspraksis ellers", actor=provider(world), now=FIXED())
    db.commit()
    db.expire_all()
    assert (db.get(CapacityRequest, w2.id).position, db.get(CapacityRequest, w1.id).position) == (1, 2)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "capacity.waiting_list_reordered")).one()
    assert event.before["order"] == [w1.id, w2.id] and event.after["order"] == [w2.id, w1.id]


def test_withdrawing_the_offer_ends_open_requests_with_the_reason(db, world, market):
    offer, budget = market
    req = requests.request_seats(db, request_input(offer, budget, seats=2), actor=advisor(world), now=FIXED())
    with pytest.raises(ValidationFailed):
        offers.change_offer_status(db, offer.id, "withdraw", reason="", actor=provider(world), now=FIXED())
    db.rollback()
    req = requests.request_seats(db, request_input(offer, budget, seats=2), actor=advisor(world), now=FIXED())
    offers.change_offer_status(db, offer.id, "withdraw", reason="Læreren er sykmeldt", actor=provider(world), now=FIXED())
    db.commit()
    db.expire_all()
    assert db.get(CapacityRequest, req.id).status == RequestStatus.declined
    assert counts(db, world.course.id, offer.id) == ((0, 1), (0, 0))


# --- expiry ---------------------------------------------------------------------------------------------

def test_expired_holds_are_released_once_and_the_waiting_list_advances(db, world, market, clock):
    offer, budget = market
    held = requests.request_seats(db, request_input(offer, budget, seats=3), actor=advisor(world), now=FIXED())
    waiting = requests.request_seats(db, request_input(offer, budget, seats=1, refs=["W-1"]), actor=advisor(world), now=FIXED())
    db.commit()
    clock.at = held.hold_expires_at
    assert expiry.expire_due(db, now=clock.now()) == {"requests": 1, "offers": 0}  # hold_expires_at <= now counts as due
    db.commit()
    db.expire_all()
    assert db.get(CapacityRequest, held.id).status == RequestStatus.expired
    assert db.get(CapacityRequest, waiting.id).status == RequestStatus.offered
    assert expiry.expire_due(db, now=clock.now()) == {"requests": 0, "offers": 0}
    with pytest.raises(Conflict):
        requests.accept(db, held.id, actor=provider(world), now=clock.now())


def test_accepting_after_the_hold_ran_out_is_refused(db, world, market, clock):
    offer, budget = market
    req = requests.request_seats(db, request_input(offer, budget), actor=advisor(world), now=FIXED())
    db.commit()
    clock.advance(days=30)
    with pytest.raises(Conflict):
        requests.accept(db, req.id, actor=provider(world), now=clock.now())


def test_offers_expire_after_the_deadline(db, world, market, clock):
    offer, budget = market
    requests.request_seats(db, request_input(offer, budget, seats=3), actor=advisor(world), now=FIXED())
    waiting = requests.request_seats(db, request_input(offer, budget, seats=1, refs=["W-1"]), actor=advisor(world), now=FIXED())
    db.commit()
    clock.at = dt.datetime(2026, 5, 1, 6, tzinfo=dt.timezone.utc)
    result = expiry.expire_due(db, now=clock.now())
    db.commit()
    db.expire_all()
    assert result == {"requests": 2, "offers": 1}
    assert db.get(CapacityOffer, offer.id).status == OfferStatus.expired
    assert db.get(CapacityRequest, waiting.id).status == RequestStatus.expired
    assert counts(db, world.course.id, offer.id) == ((0, 1), (0, 0))


def test_with_a_signed_agreement_between_the_legal_persons_acceptance_goes_through(db, world, market):
    """The state side of the Nav office buys from the municipality's adult education under their agreement."""
    from contracts_app.agreements.states import AgreementStatus

    from ..agreements.helpers import make_agreement

    offer, _ = market
    agreement = make_agreement(db, world, state=AgreementStatus.active, start_date="2026-03-02", end_date="2027-12-31")
    req = requests.request_seats(db, request_input(offer, world.budget), actor=advisor(world), now=FIXED())
    db.commit()
    requests.accept(db, req.id, actor=provider(world), now=FIXED())
    db.commit()
    purchase = db.get(SeatPurchase, db.get(CapacityRequest, req.id).purchase_id)
    assert purchase.status == PurchaseStatus.confirmed and purchase.agreement_id == agreement.id


def test_without_an_agreement_acceptance_is_blocked_with_the_direct_purchase_assessment(db, world, market):
    offer, _ = market
    req = requests.request_seats(db, request_input(offer, world.budget), actor=advisor(world), now=FIXED())
    db.commit()
    with pytest.raises(requests.AgreementRequired) as exc:
        requests.accept(db, req.id, actor=provider(world), now=FIXED())
    db.rollback()
    assert exc.value.buyer.id == world.state.id and exc.value.provider.id == world.municipality.id
    assert exc.value.assessment["assessment"]["verdict"]
    assert db.get(CapacityRequest, req.id).status == RequestStatus.held


def test_the_offer_copies_of_the_course_follow_edits_and_the_seat_ledger(db, world, market):
    """Search reads the offer's copies of the course's fields; triggers on course keep them in step."""
    from contracts_app.courses.models import CourseKind

    from ..factories import buy

    offer, budget = market
    buy(db, world.course, world.budget, world.users["advisor"], seats=2, refs=["T-1", "T-2"])
    db.commit()
    course = db.get(Course, world.course.id)
    course.kind, course.municipality_number, course.part_time = CourseKind.vocational_norwegian, "4601", False
    db.commit()
    row = db.execute(select(CapacityOffer.course_kind, CapacityOffer.course_municipality, CapacityOffer.course_part_time,
                            CapacityOffer.course_seats_free).where(CapacityOffer.id == offer.id)).one()
    assert tuple(row) == (CourseKind.vocational_norwegian, "4601", False, 10 - 3)


def test_the_expire_command_runs_the_job(tmp_path):
    """`flask capacity expire` on a fresh database: nothing to do, said plainly (the job itself is tested above)."""
    from contracts_app import create_app, migrate

    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    migrate.upgrade(url)
    cli_app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "t"})
    result = cli_app.test_cli_runner().invoke(args=["capacity", "expire"])
    assert result.exit_code == 0 and "Expired: 0 request(s), 0 offer(s)." in result.output


# --- the state tables in the services -------------------------------------------------------------------

def test_an_answer_to_a_request_that_moved_on_is_a_transition_conflict_that_says_its_state(db, world, market):
    from contracts_app.errors import TransitionNotAllowed

    offer, budget = market
    req = requests.request_seats(db, request_input(offer, budget), actor=advisor(world), now=FIXED())
    requests.withdraw(db, req.id, actor=advisor(world), now=FIXED())
    db.commit()
    for call in (lambda: requests.accept(db, req.id, actor=provider(world), now=FIXED()),
                 lambda: requests.decline(db, req.id, reason="Nei takk", actor=provider(world), now=FIXED()),
                 lambda: requests.take_offered(db, req.id, actor=advisor(world), now=FIXED())):
        with pytest.raises(TransitionNotAllowed) as exc:
            call()
        db.rollback()
        assert exc.value.status == 409 and exc.value.message == "The request is no longer open (it is withdrawn)."


@pytest.mark.parametrize("first,then", [("pause", "pause"), ("pause", "publish"), ("withdraw", "resume")])
def test_an_offer_change_the_table_does_not_allow_is_refused_with_the_offers_state(db, world, market, first, then):
    from contracts_app.errors import TransitionNotAllowed

    offer, _ = market
    offers.change_offer_status(db, offer.id, first, reason="Læreren er syk", actor=provider(world), now=FIXED())
    with pytest.raises(TransitionNotAllowed) as exc:
        offers.change_offer_status(db, offer.id, then, actor=provider(world), now=FIXED())
    state = {"pause": "paused", "withdraw": "withdrawn"}[first]
    assert exc.value.message == f"The offer cannot be changed that way now (it is {state})."


def test_the_hold_days_are_the_callers_setting(db, world, market):
    from contracts_app.capacity.seats import HoldDays

    offer, budget = market
    req = requests.request_seats(db, request_input(offer, budget), actor=advisor(world), now=FIXED(), days=HoldDays(answer=1))
    # Monday 2 March 09:00 + 1 working day = Tuesday 3 March, end of day in Oslo.
    assert req.hold_expires_at.astimezone(OSLO) == dt.datetime(2026, 3, 3, 23, 59, 59, tzinfo=OSLO)
