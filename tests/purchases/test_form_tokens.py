"""Issue 18, item 8: the purchase confirm and the capacity request accept forms carry a one-time token; a
second submission of the same form — one after the other or racing in parallel — shows the first result and
creates nothing."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from contracts_app.audit import Actor
from contracts_app.auth.models import Role
from contracts_app.budget.models import BudgetEntry
from contracts_app.capacity import requests as capacity_requests
from contracts_app.capacity.models import CapacityRequest, RequestStatus
from contracts_app.purchases.form_tokens import new_token
from contracts_app.purchases.models import FormToken, SeatPurchase

from ..factories import make_budget, make_course, make_offer, make_user, make_world, request_input
from ..support import FIXED_NOW, login


def _confirm_form(course_id: int, budget_id: int, token: str | None, reference: str = "TOK-1") -> dict:
    data = {"seats": "1", "start_date": "2026-03-02", "end_date": "2026-03-06", "budget_id": str(budget_id),
            "participants-0-reference": reference, "action": "confirm"}
    if token is not None:
        data["form_token"] = token
    return data


def _purchases(db) -> int:
    return db.scalar(select(func.count()).select_from(SeatPurchase))


def _ledger(db) -> tuple[int, int]:
    return _purchases(db), db.scalar(select(func.count()).select_from(BudgetEntry))


def test_the_buy_page_carries_a_fresh_token_each_time(client, world):
    login(client, world.users["advisor"].email)
    tokens = [re.search(r'name="form_token" type="hidden" value="([^"]+)"|name="form_token" value="([^"]+)"',
                        client.get(f"/courses/{world.course.id}/buy").get_data(as_text=True)) for _ in range(2)]
    values = [next(g for g in m.groups() if g) for m in tokens]
    assert len(set(values)) == 2 and all(len(v) >= 32 for v in values)


@pytest.mark.parametrize("token,status", [(None, 422), ("", 422), ("short", 422), ("x" * 65, 422), ("é" * 40, 422)])
def test_a_confirm_without_a_well_formed_token_buys_nothing(client, db, world, token, status):
    login(client, world.users["advisor"].email)
    before = _ledger(db)
    response = client.post(f"/courses/{world.course.id}/buy", data=_confirm_form(world.course.id, world.budget.id, token))
    assert response.status_code == status
    assert "Skjemaet er utløpt" in response.get_data(as_text=True)
    assert _ledger(db) == before


@pytest.mark.parametrize("seats_left", [5, 1], ids=["seats-left", "last-seat"])
def test_a_confirm_sent_twice_buys_once_and_shows_the_first_purchase(client, db, world, seats_left):
    course = make_course(db, world.adult_education, title="Tokenkurs", total_seats=seats_left)
    db.commit()
    login(client, world.users["advisor"].email)
    before = _ledger(db)
    form = _confirm_form(course.id, world.budget.id, new_token())
    first = client.post(f"/courses/{course.id}/buy", data=form)
    assert first.status_code == 302 and re.fullmatch(r"/purchases/\d+", first.location)
    second = client.post(f"/courses/{course.id}/buy", data=form)  # with one seat, the service alone would say 409
    assert second.status_code == 302 and second.location == first.location
    assert _ledger(db) == (before[0] + 1, before[1] + 1)
    page = client.get(second.location).get_data(as_text=True)
    assert "allerede sendt" in page
    assert db.scalar(select(func.count()).select_from(FormToken)) == 1


def test_a_new_form_buys_again(client, db, world):
    login(client, world.users["advisor"].email)
    before = _purchases(db)
    for reference in ("NY-1", "NY-2"):
        assert client.post(f"/courses/{world.course.id}/buy",
                           data=_confirm_form(world.course.id, world.budget.id, new_token(), reference)).status_code == 302
    assert _purchases(db) == before + 2


def test_a_token_only_answers_its_own_user(client, db, world):
    """Another user sending the same token (it can only have been copied) buys for itself; it never sees the
    first user's purchase."""
    colleague = make_user(db, "advisor2@test.no", role=Role.advisor, unit=world.nav_office)
    db.commit()
    token = new_token()
    login(client, world.users["advisor"].email)
    first = client.post(f"/courses/{world.course.id}/buy", data=_confirm_form(world.course.id, world.budget.id, token))
    client.post("/logout")
    login(client, colleague.email)
    second = client.post(f"/courses/{world.course.id}/buy", data=_confirm_form(world.course.id, world.budget.id, token, "EGEN-1"))
    assert second.status_code == 302 and second.location != first.location


def _held_request(db, world):
    course = make_course(db, world.adult_education, title="Ledige plasser", total_seats=10)
    offer = make_offer(db, course, world.users["provider_coordinator"], seats=3)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal")
    req = capacity_requests.request_seats(db, request_input(offer, budget),
                                          actor=Actor(world.users["advisor"].id, world.nav_office.id), now=FIXED_NOW)
    db.commit()
    return req


def test_an_accept_sent_twice_confirms_one_purchase_and_shows_the_request(client, db, world):
    req = _held_request(db, world)
    login(client, world.users["provider_coordinator"].email)
    page = client.get(f"/capacity/requests/{req.id}").get_data(as_text=True)
    token = re.search(r'name="form_token"[^>]*value="([^"]+)"', page).group(1)
    before = _purchases(db)
    first = client.post(f"/capacity/requests/{req.id}/accept", data={"form_token": token})
    second = client.post(f"/capacity/requests/{req.id}/accept", data={"form_token": token})
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert "allerede sendt" in client.get(second.location).get_data(as_text=True)
    db.expire_all()
    assert db.get(CapacityRequest, req.id).status == RequestStatus.accepted
    assert _purchases(db) == before + 1


@pytest.mark.parametrize("token", [None, "short"])
def test_an_accept_without_a_token_changes_nothing(client, db, world, token):
    req = _held_request(db, world)
    login(client, world.users["provider_coordinator"].email)
    response = client.post(f"/capacity/requests/{req.id}/accept", data={} if token is None else {"form_token": token})
    assert response.status_code == 302
    assert "Skjemaet er utløpt" in client.get(response.location).get_data(as_text=True)
    db.expire_all()
    assert db.get(CapacityRequest, req.id).status == RequestStatus.held


# --- the same form sent in parallel: both databases, real commits (live_app) ----------------------------------

SENDERS = 8


def _in_parallel(app, email: str, path: str, data: dict) -> list:
    clients = []
    for _ in range(SENDERS):
        c = app.test_client()
        assert login(c, email).status_code == 302
        clients.append(c)
    barrier = threading.Barrier(SENDERS)
    answers: list = [None] * SENDERS

    def send(i: int) -> None:
        barrier.wait()
        response = clients[i].post(path, data=data)
        answers[i] = (response.status_code, response.location)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


def _world(app):
    from contracts_app.db import get_session

    session = get_session()
    return session, make_world(session)


def test_the_same_confirm_sent_in_parallel_buys_once(live_app):
    with live_app.app_context():
        session, world = _world(live_app)
        course_id, budget_id = world.course.id, world.budget.id
        before = _ledger(session)
        session.close()
    answers = _in_parallel(live_app, "advisor@test.no", f"/courses/{course_id}/buy",
                           _confirm_form(course_id, budget_id, new_token(), "PARALLELL-1"))
    assert {status for status, _ in answers} == {302}, answers
    assert len({location for _, location in answers}) == 1, answers
    with live_app.app_context():
        from contracts_app.db import get_session

        assert _ledger(get_session()) == (before[0] + 1, before[1] + 1)


def test_the_same_accept_sent_in_parallel_confirms_once(live_app):
    with live_app.app_context():
        session, world = _world(live_app)
        req_id = _held_request(session, world).id
        before = _purchases(session)
        session.close()
    answers = _in_parallel(live_app, "coordinator@test.no", f"/capacity/requests/{req_id}/accept", {"form_token": new_token()})
    assert answers == [(302, f"/capacity/requests/{req_id}")] * SENDERS
    with live_app.app_context():
        from contracts_app.db import get_session

        session = get_session()
        assert _purchases(session) == before + 1
        assert session.get(CapacityRequest, req_id).status == RequestStatus.accepted


def test_going_back_after_a_purchase_and_confirming_again_buys_nothing(client, db, world):
    """The browser's back button after a purchase re-sends the price form ("confirm resubmission"). The form keeps
    its token through previews, so that preview shows the first purchase, and a confirm of it buys nothing."""
    login(client, world.users["advisor"].email)
    purchases, entries = _ledger(db)
    token = new_token()
    data = _confirm_form(world.course.id, world.budget.id, token)
    preview = {**data, "action": "preview"}
    first = client.post(f"/courses/{world.course.id}/buy", data=preview)
    assert first.status_code == 200 and token in first.get_data(as_text=True)  # the token survives the preview
    bought = client.post(f"/courses/{world.course.id}/buy", data=data)
    assert bought.status_code == 302 and _purchases(db) == purchases + 1
    purchase_url = bought.headers["Location"]
    again = client.post(f"/courses/{world.course.id}/buy", data=preview)  # back + reload
    assert again.status_code == 302 and again.headers["Location"] == purchase_url
    assert client.post(f"/courses/{world.course.id}/buy", data=data).headers["Location"] == purchase_url
    assert _ledger(db) == (purchases + 1, entries + 1)
