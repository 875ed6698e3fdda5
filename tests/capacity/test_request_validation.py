"""Capacity requests (issue 19, item 3): more seats than are free says how many are free and offers the waiting
list explicitly (it answered "Tilbudet er fullt"); a start in the past needs the requester's confirmation."""
from __future__ import annotations

import datetime as dt

import pytest

from contracts_app.audit import Actor
from contracts_app.capacity import requests
from contracts_app.capacity.models import RequestStatus
from contracts_app.errors import ValidationFailed

from ..factories import make_budget, make_course, make_offer, request_input
from ..support import login


@pytest.fixture
def market(db, world):
    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=3)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal", amount="100000")
    db.commit()
    return offer, budget


def _advisor(world) -> Actor:
    return Actor(world.users["advisor"].id, world.nav_office.id)


def _errors(exc) -> dict[str, str]:
    return {e["path"]: e["message"] for e in exc.value.errors}


def test_too_few_free_seats_says_how_many_and_offers_the_waiting_list(db, world, clock, market):
    offer, budget = market
    requests.request_seats(db, request_input(offer, budget, seats=2, refs=["A-1", "A-2"]), actor=_advisor(world), now=clock.now())
    db.commit()
    assert offer.seats_available == 1
    with pytest.raises(ValidationFailed) as exc:
        requests.request_seats(db, request_input(offer, budget, seats=2, refs=["B-1", "B-2"]), actor=_advisor(world), now=clock.now())
    message = _errors(exc)["join_waiting_list"]
    assert "Only 1 of the seats" in message or "Bare 1 av plassene" in message
    db.rollback()
    data = request_input(offer, budget, seats=2, refs=["B-1", "B-2"])
    data.join_waiting_list = True
    req = requests.request_seats(db, data, actor=_advisor(world), now=clock.now())
    assert req.status == RequestStatus.waiting and req.position == 1


def test_a_full_offer_still_takes_waiting_list_requests(db, world, clock, market):
    offer, budget = market
    requests.request_seats(db, request_input(offer, budget, seats=3, refs=["A-1", "A-2", "A-3"]), actor=_advisor(world), now=clock.now())
    req = requests.request_seats(db, request_input(offer, budget, seats=1, refs=["B-1"]), actor=_advisor(world), now=clock.now())
    assert req.status == RequestStatus.waiting


def test_the_request_page_says_how_many_seats_are_free(client, db, world, clock, market):
    offer, budget = market
    requests.request_seats(db, request_input(offer, budget, seats=2, refs=["A-1", "A-2"]), actor=_advisor(world), now=clock.now())
    db.commit()
    login(client, world.users["advisor"].email)
    response = client.post(f"/capacity/offers/{offer.id}/request", data={
        "seats": "2", "start_date": "2026-03-09", "end_date": "2026-03-27", "budget_id": str(budget.id),
        "participants-0-reference": "B-1", "participants-1-reference": "B-2", "action": "preview"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bare 1 av plassene er ledige nå" in html and 'name="join_waiting_list"' in html and "fullt" not in html


def test_a_past_start_needs_the_requesters_confirmation(db, world, clock):
    course = make_course(db, world.course.provider_unit, title="Startet i januar", start_date=dt.date(2026, 1, 5))
    offer = make_offer(db, course, world.users["provider_coordinator"], seats=3)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal", amount="100000")
    data = request_input(offer, budget, start=dt.date(2026, 2, 2))
    with pytest.raises(ValidationFailed) as exc:
        requests.request_seats(db, data, actor=_advisor(world), now=clock.now())
    assert "02.02.2026" in _errors(exc)["confirm_past_start"]
    db.rollback()
    course = make_course(db, world.course.provider_unit, title="Startet i januar", start_date=dt.date(2026, 1, 5))
    offer = make_offer(db, course, world.users["provider_coordinator"], seats=3)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal", amount="100000")
    data = request_input(offer, budget, start=dt.date(2026, 2, 2))
    data.past_start_confirmed = True
    assert requests.request_seats(db, data, actor=_advisor(world), now=clock.now()).status == RequestStatus.held
