"""A cancelled purchase that an accepted capacity request made gives its seats back to the offer, whichever way it
is cancelled (the purchase page, the API, the service a job would call): ``seats_taken`` down, a filled offer
published again, the offer found in search with the right free seats, the waiting list offered the seats, and an
audit event. A purchase no request made leaves every offer alone. Both databases; a race on PostgreSQL and SQLite."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from contracts_app import clock as app_clock
from contracts_app.api import tokens
from contracts_app.audit import Actor, AuditEvent
from contracts_app.auth.models import Role
from contracts_app.auth.permissions import Principal
from contracts_app.capacity import queries, requests
from contracts_app.capacity.models import CapacityOffer, CapacityRequest, OfferStatus, RequestStatus
from contracts_app.capacity.states import OFFER_TRANSITIONS
from contracts_app.courses.models import Course
from contracts_app.notifications.models import Notification
from contracts_app.purchases import services as purchase_services
from contracts_app.purchases.models import PurchaseStatus, SeatPurchase

from ..factories import make_budget, make_course, make_offer, make_world, request_input
from ..support import FIXED_NOW, login, run_parallel

REASON = "Deltakeren fikk jobb"
REOPEN = (OfferStatus.filled, "reopen") in OFFER_TRANSITIONS
needs_reopen = pytest.mark.skipif(not REOPEN, reason="capacity/states.py has no (filled, 'reopen') → published move yet")


@pytest.fixture
def market(db, world):
    """The world's course (10 seats, 1 sold) with an offer of 3 seats, and a municipal-side budget at the Nav
    office (the municipal side buys from its own municipality: an internal order, no agreement needed)."""
    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=3)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal", amount="100000")
    db.commit()
    return offer, budget


def advisor(world) -> Actor:
    return Actor(world.users["advisor"].id, world.nav_office.id)


def provider(world) -> Actor:
    return Actor(world.users["provider_coordinator"].id, world.adult_education.id)


def _accepted(db, world, offer, budget, seats: int) -> CapacityRequest:
    req = requests.request_seats(db, request_input(offer, budget, seats=seats), actor=advisor(world), now=app_clock.now())
    db.commit()
    requests.accept(db, req.id, actor=provider(world), now=app_clock.now())
    db.commit()
    return req


def _waiting(db, world, offer, budget, seats: int) -> CapacityRequest:
    data = request_input(offer, budget, seats=seats, refs=[f"VENT-{i}" for i in range(seats)])
    data.join_waiting_list = True
    req = requests.request_seats(db, data, actor=advisor(world), now=app_clock.now())
    db.commit()
    assert req.status == RequestStatus.waiting
    return req


# --- the three ways of cancelling --------------------------------------------------------------------------------

def _by_page(client, db, world, purchase_id):
    assert login(client, world.users["advisor"].email).status_code == 302
    response = client.post(f"/purchases/{purchase_id}/cancel", data={"reason": REASON})
    assert response.status_code == 302, response.get_data(as_text=True)


def _by_api(client, db, world, purchase_id):
    _, secret = tokens.create_token(
        db, tokens.TokenInput(name="Fagsystem", unit_id=world.nav_office.id, scopes=["purchases"],
                              expires_on=app_clock.today() + dt.timedelta(days=30)),
        principal=Principal(world.users["advisor"].id, world.nav_office.id, frozenset({Role.advisor})),
        now=app_clock.now(), today=app_clock.today())
    db.commit()
    response = client.post(f"/api/v1/purchases/{purchase_id}/cancel", headers={"Authorization": f"Bearer {secret}"},
                           json={"reason": REASON})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled", response.get_data(as_text=True)


def _by_service(client, db, world, purchase_id):  # what a job would call
    purchase_services.cancel(db, purchase_id, reason=REASON, actor=advisor(world), now=app_clock.now())
    db.commit()


WAYS = {"page": _by_page, "api": _by_api, "service": _by_service}


def _state(db, course_id, offer_id):
    db.expire_all()
    c, o = db.get(Course, course_id), db.get(CapacityOffer, offer_id)
    return {"course": (c.seats_held, c.seats_confirmed), "offer": (o.status, o.seats_held, o.seats_taken)}


def _found(db, world, offer_id):
    """The offer's free seats as the Nav office's search shows them (None: not found)."""
    page, _ = queries.search(db, world.nav_office, queries.OfferFilters(), today=app_clock.today())
    return {o.id: available for o, available in db.execute(page).all()}.get(offer_id)


# (scenario, seats accepted, seats waiting) → (offer after, waiting request after, free seats in search after)
SCENARIOS = [
    pytest.param("waiting_list", 2, 2, ((OfferStatus.published, 2, 0), RequestStatus.offered, 1), id="waiting_list"),
    pytest.param("partly_taken", 2, 0, ((OfferStatus.published, 0, 0), None, 3), id="partly_taken"),
    pytest.param("filled", 3, 0, ((OfferStatus.published, 0, 0), None, 3), id="filled", marks=needs_reopen),
]


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("scenario,accepted,waiting,expected", SCENARIOS)
def test_cancelling_an_accepted_request_gives_its_seats_back_to_the_offer(client, db, world, market, way, scenario,
                                                                          accepted, waiting, expected):
    offer, budget = market
    req = _accepted(db, world, offer, budget, accepted)
    queued = _waiting(db, world, offer, budget, waiting) if waiting else None
    before = _state(db, world.course.id, offer.id)
    assert before["offer"][2] == accepted
    assert before["offer"][0] == (OfferStatus.filled if accepted == 3 else OfferStatus.published)
    assert _found(db, world, offer.id) == (None if accepted == 3 else 3 - accepted)

    purchase_id = db.get(CapacityRequest, req.id).purchase_id
    WAYS[way](client, db, world, purchase_id)

    offer_after, queued_after, free_after = expected
    after = _state(db, world.course.id, offer.id)
    assert after["offer"] == offer_after
    # the course: the purchase's seats no longer confirmed; the waiting-list entry's held
    assert after["course"] == (offer_after[1], before["course"][1] - accepted)
    assert db.get(SeatPurchase, purchase_id).status == PurchaseStatus.cancelled
    assert db.get(CapacityRequest, req.id).status == RequestStatus.accepted  # the history stays
    assert _found(db, world, offer.id) == free_after
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "capacity.seats_given_back"))
    assert (event.object_type, str(event.object_id), event.actor_id) == ("capacity_offer", str(offer.id), world.users["advisor"].id)
    assert event.before["seats_taken"] == accepted and event.after["seats_taken"] == 0
    assert (event.after["purchase_id"], event.after["request_id"]) == (purchase_id, req.id)
    if queued is not None:
        assert db.get(CapacityRequest, queued.id).status == queued_after
        assert event.after["offered_to"] == [queued.id]
        kinds = db.scalars(select(Notification.kind).where(Notification.user_id == world.users["advisor"].id)).all()
        assert "capacity.waitlist_offered" in kinds


def test_a_purchase_no_request_made_leaves_the_offers_alone(db, world, market):
    offer, budget = market
    _accepted(db, world, offer, budget, 2)
    before = _state(db, world.course.id, offer.id)
    purchase_services.cancel(db, world.purchase.id, reason=REASON, actor=advisor(world), now=app_clock.now())
    db.commit()
    after = _state(db, world.course.id, offer.id)
    assert after["offer"] == before["offer"] == (OfferStatus.published, 0, 2)
    assert after["course"] == (0, before["course"][1] - world.purchase.seats)
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "capacity.seats_given_back")) == 0


@needs_reopen
def test_a_filled_offer_past_its_request_deadline_stays_filled(db, world, market, clock):
    offer, budget = market
    req = _accepted(db, world, offer, budget, 3)
    clock.at = dt.datetime(2026, 5, 4, 8, tzinfo=dt.timezone.utc)  # the deadline was 30 April
    purchase_services.cancel(db, db.get(CapacityRequest, req.id).purchase_id, reason=REASON, actor=advisor(world),
                             now=app_clock.now())
    db.commit()
    assert _state(db, world.course.id, offer.id)["offer"] == (OfferStatus.filled, 0, 0)


# --- a race: a cancel and a new request on the same offer ------------------------------------------------------


def test_a_cancel_racing_a_new_request_never_oversells(live_app):
    """Offer of 3: 2 accepted, 1 held. A cancel of the accepted purchase and a new request for 2 seats run at the
    same moment: whichever locks first, the new request ends up holding the 2 seats (held at once, or offered from
    the waiting list), and both ledgers add up."""
    with live_app.app_context():
        from contracts_app.db import get_session

        s = get_session()
        world = make_world(s)
        course = make_course(s, world.adult_education, title="Siste plasser", total_seats=4)
        offer = make_offer(s, course, world.users["provider_coordinator"], seats=3)
        budget = make_budget(s, world.nav_office, line="Kommunale midler", side="municipal", amount="1000000")
        s.commit()
        requester = Actor(world.users["advisor"].id, world.nav_office.id)
        first = requests.request_seats(s, request_input(offer, budget, seats=2), actor=requester, now=FIXED_NOW)
        s.commit()
        requests.accept(s, first.id, actor=Actor(world.users["provider_coordinator"].id, world.adult_education.id), now=FIXED_NOW)
        s.commit()
        requests.request_seats(s, request_input(offer, budget, seats=1, refs=["EN-0"]), actor=requester, now=FIXED_NOW)
        s.commit()
        ids = {"offer": offer.id, "course": course.id, "purchase": s.get(CapacityRequest, first.id).purchase_id,
               "budget": budget}
    target = type("O", (), {"id": ids["offer"]})
    results = run_parallel(live_app, [
        lambda s: purchase_services.cancel(s, ids["purchase"], reason=REASON, actor=requester, now=FIXED_NOW).status,
        lambda s: requests.request_seats(s, request_input(target, ids["budget"], seats=2, refs=["TO-0", "TO-1"]),
                                         actor=requester, now=FIXED_NOW).id,
    ])
    assert results[0] == PurchaseStatus.cancelled and isinstance(results[1], int), results
    with live_app.app_context():
        from contracts_app.db import get_session

        s = get_session()
        newest = s.get(CapacityRequest, results[1])
        assert newest.status in (RequestStatus.held, RequestStatus.offered)
        c, o = s.get(Course, ids["course"]), s.get(CapacityOffer, ids["offer"])
        assert (o.status, o.seats_held, o.seats_taken) == (OfferStatus.published, 3, 0)
        assert (c.seats_held, c.seats_confirmed) == (3, 0)
        assert o.seats_held + o.seats_taken <= o.seats_offered and c.seats_held + c.seats_confirmed <= c.total_seats
