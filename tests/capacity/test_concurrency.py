"""Races on capacity offers, with real parallel transactions on SQLite and PostgreSQL (each test its own database).

* Many requesters for the last seat: exactly one hold, everyone else on the waiting list in a strict order.
* The provider accepting while the expiry job releases the same hold: one consistent outcome every time —
  either a confirmed purchase with its seats and commitment, or an expired request with nothing left behind.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from contracts_app.audit import Actor
from contracts_app.budget.models import Budget
from contracts_app.capacity import expiry, requests
from contracts_app.capacity.models import CapacityOffer, CapacityRequest, RequestStatus
from contracts_app.courses.models import Course
from contracts_app.errors import DomainError
from contracts_app.purchases.models import SeatPurchase

from ..support import FIXED_NOW, run_parallel
from ..factories import make_budget, make_course, make_offer, make_world, request_input

RACERS = 12



def _setup(app, *, seats: int):
    with app.app_context():
        from contracts_app.db import get_session

        session = get_session()
        world = make_world(session)
        course = make_course(session, world.adult_education, title="Siste plass", total_seats=seats + 1)
        offer = make_offer(session, course, world.users["provider_coordinator"], seats=seats)
        budget = make_budget(session, world.nav_office, line="Kommunale midler", side="municipal", amount="1000000")
        session.commit()
        return {"course": course.id, "offer": offer.id, "budget": budget, "advisor": world.users["advisor"].id,
                "coordinator": world.users["provider_coordinator"].id, "nav": world.nav_office.id, "vo": world.adult_education.id}


def test_racing_for_the_last_seat_gives_one_hold_and_an_ordered_waiting_list(live_app):  # noqa: F811
    ids = _setup(live_app, seats=1)
    offer = type("O", (), {"id": ids["offer"]})
    actor = Actor(ids["advisor"], ids["nav"])
    jobs = [
        (lambda i: lambda s: requests.request_seats(s, request_input(offer, ids["budget"], refs=[f"R-{i}"]), actor=actor, now=FIXED_NOW).status)(i)
        for i in range(RACERS)
    ]
    results = run_parallel(live_app, jobs)
    assert sorted(r.value for r in results) == ["held"] + ["waiting"] * (RACERS - 1)
    with live_app.app_context():
        from contracts_app.db import get_session

        s = get_session()
        positions = s.scalars(select(CapacityRequest.position).where(CapacityRequest.status == RequestStatus.waiting)).all()
        assert sorted(positions) == list(range(1, RACERS))
        course, o = s.get(Course, ids["course"]), s.get(CapacityOffer, ids["offer"])
        assert (course.seats_held, o.seats_held) == (1, 1)


def test_acceptance_racing_with_expiry_has_one_consistent_outcome(live_app):  # noqa: F811
    rounds = 6
    ids = _setup(live_app, seats=rounds)
    offer = type("O", (), {"id": ids["offer"]})
    requester = Actor(ids["advisor"], ids["nav"])
    provider = Actor(ids["coordinator"], ids["vo"])
    outcomes = []
    for i in range(rounds):
        with live_app.app_context():
            from contracts_app.db import get_session

            s = get_session()
            req = requests.request_seats(s, request_input(offer, ids["budget"], refs=[f"X-{i}"]), actor=requester, now=FIXED_NOW)
            s.commit()
            req_id, expires = req.id, req.hold_expires_at
        before = expires - dt.timedelta(seconds=1)  # the provider clicks just before the hold runs out …
        after = expires + dt.timedelta(seconds=1)  # … while the job runs just after
        results = run_parallel(live_app, [
            lambda s: requests.accept(s, req_id, actor=provider, now=before).status,
            lambda s: expiry.expire_due(s, now=after),
        ])
        with live_app.app_context():
            from contracts_app.db import get_session

            s = get_session()
            final = s.get(CapacityRequest, req_id)
            purchases = s.scalar(select(func.count()).select_from(SeatPurchase).where(SeatPurchase.id == final.purchase_id)) if final.purchase_id else 0
            if final.status == RequestStatus.accepted:
                assert results[0] == RequestStatus.accepted and purchases == 1
                assert results[1] == {"requests": 0, "offers": 0}
            else:
                assert final.status == RequestStatus.expired and final.purchase_id is None
                assert isinstance(results[0], DomainError) and results[1]["requests"] == 1
            outcomes.append(final.status)
    with live_app.app_context():
        from contracts_app.db import get_session

        s = get_session()
        course, o = s.get(Course, ids["course"]), s.get(CapacityOffer, ids["offer"])
        accepted = outcomes.count(RequestStatus.accepted)
        # the ledgers add up: nothing held any more, every accepted seat confirmed (plus the world's own purchase
        # is on another course), and the budget committed exactly the accepted purchases
        assert (course.seats_held, o.seats_held, o.seats_taken) == (0, 0, accepted)
        assert course.seats_confirmed == accepted
        committed = s.scalar(select(func.coalesce(func.sum(SeatPurchase.amount), 0)).where(SeatPurchase.budget_id == ids["budget"].id))
        assert s.get(Budget, ids["budget"].id).committed == Decimal(committed)
