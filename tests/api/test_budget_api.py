"""API v1, budget lines: the unit's lines with their figures and stop status, detail (ETag) with the months of the
budget page, and the ledger with the page's filters in stable cursor pages — for budget owners of the line's unit
only (403 for other roles, 404 for another unit's line)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contracts_app import clock as app_clock
from contracts_app.audit import Actor
from contracts_app.auth.models import Role
from contracts_app.budget import queries as budget_queries
from contracts_app.budget import services as budget_services
from contracts_app.purchases import services as purchase_services

from ..factories import buy, make_budget, make_course, make_user
from .test_api import PROBLEM, make_token

# role → (the user's unit in the world, the status of the budget calls on the Nav office's line)
ROLES = {
    "budget_owner": ("nav_office", 200),
    "advisor": ("nav_office", 403),
    "provider_coordinator": ("adult_education", 403),
    "legal_reviewer": ("legal_unit", 403),
    "other_owner": ("adult_education", 404),  # a budget owner of another unit
}


@pytest.fixture
def other_owner(db, world):
    world.users["other_owner"] = make_user(db, "budget2@test.no", role=Role.budget_owner, unit=world.adult_education)
    line = make_budget(db, world.adult_education, line="Voksenopplæringens midler", side="municipal")
    db.commit()
    return line


def token_for(db, world, role, scopes=("read",)):
    unit, _status = ROLES[role]
    return make_token(db, world.users[role], getattr(world, unit), scopes)[1]


def owner_actor(world) -> Actor:
    return Actor(world.users["budget_owner"].id, world.nav_office.id)


@pytest.mark.parametrize("role", list(ROLES))
def test_budget_calls_per_role_and_unit(client, db, world, other_owner, role):
    _unit, status = ROLES[role]
    headers = token_for(db, world, role)
    base = f"/api/v1/budgets/{world.budget.id}"
    for path in (base, base + "/ledger"):
        response = client.get(path, headers=headers)
        assert response.status_code == status, (path, response.get_data(as_text=True))
        if status != 200:
            assert response.mimetype == PROBLEM
    listed = client.get("/api/v1/budgets", headers=headers)
    if status == 403:
        assert listed.status_code == 403
    else:
        ids = [b["id"] for b in listed.get_json()["items"]]
        assert (world.budget.id in ids) is (status == 200) and (other_owner.id in ids) is (role == "other_owner")


@pytest.mark.parametrize("scopes,status", [(("read",), 200), (("agreements", "purchases", "capacity", "rules"), 403)])
def test_budget_calls_need_the_read_scope(client, db, world, scopes, status):
    headers = make_token(db, world.users["budget_owner"], world.nav_office, scopes)[1]
    for path in ("/api/v1/budgets", f"/api/v1/budgets/{world.budget.id}", f"/api/v1/budgets/{world.budget.id}/ledger"):
        assert client.get(path, headers=headers).status_code == status, path


def test_the_detail_has_the_lines_figures_stop_and_months_with_an_etag(client, db, world):
    headers = token_for(db, world, "budget_owner")
    path = f"/api/v1/budgets/{world.budget.id}"
    first = client.get(path, headers=headers)
    body = first.get_json()
    budget = world.budget
    db.refresh(budget)
    assert [Decimal(body[k]) for k in ("amount", "committed", "spent", "remaining")] == [
        budget.amount, budget.committed, budget.spent, budget.remaining]
    assert Decimal(body["committed"]) > 0 and body["stopped"] is False and body["stop"] is None and body["stop_mode"] == "hard"
    assert [m["month"] for m in body["months"]] == list(range(1, 13))
    assert Decimal(body["months"][-1]["cumulative_used"]) == budget.committed + budget.spent
    etag = first.headers["ETag"]
    assert client.get(path, headers={**headers, "If-None-Match": etag}).status_code == 304

    budget_services.declare_stop(db, budget, reason="Tiltaksstopp fra direktoratet", starts_on=app_clock.today(), ends_on=None,
                                 actor=owner_actor(world), now=app_clock.now())
    db.commit()
    stopped = client.get(path, headers={**headers, "If-None-Match": etag})
    assert stopped.status_code == 200 and stopped.headers["ETag"] != etag  # the figures changed: a new answer
    body = stopped.get_json()
    assert body["stopped"] is True and body["stop"]["reason"] == "Tiltaksstopp fra direktoratet" and len(body["stops"]) == 1
    listed = client.get("/api/v1/budgets", headers=headers).get_json()["items"]
    assert next(b for b in listed if b["id"] == budget.id)["stopped"] is True


@pytest.fixture
def ledger(db, world):
    """Five more purchases on the world's line (six in all), two of a second course, one of them cancelled."""
    second = make_course(db, world.adult_education, title="Arbeidsnorsk B1")
    db.commit()
    made = [world.purchase]
    for i in range(5):
        course = second if i % 2 else world.course
        made.append(buy(db, course, world.budget, world.users["advisor"], refs=[f"L-{i}"]))
        db.commit()
    purchase_services.cancel(db, made[2].id, reason="Deltakeren fikk jobb.", actor=owner_actor(world), now=app_clock.now())
    db.commit()
    return made


@pytest.mark.parametrize("query,status_of", [
    ({}, {"confirmed"}),
    ({"status": "cancelled"}, {"cancelled"}),
    ({"course": "arbeidsNORSK"}, {"confirmed"}),
    ({"course": "Ingen slik"}, set()),
])
def test_the_ledger_filters_as_the_budget_page(client, db, world, ledger, query, status_of):
    headers = token_for(db, world, "budget_owner")
    response = client.get(f"/api/v1/budgets/{world.budget.id}/ledger", headers=headers, query_string={"limit": 100, **query})
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert {e["status"] for e in items} == status_of
    page = budget_queries.commitments(db, world.budget.id, status=query.get("status", ""), course=query.get("course", ""))
    assert [e["purchase_id"] for e in items] == [p.id for p in page.items]  # the page's purchases, in its order
    if "course" in query and items:
        assert {e["course"]["title"] for e in items} == {"Arbeidsnorsk B1"}


def test_the_ledger_pages_stably_newest_first(client, db, world, ledger):
    headers = token_for(db, world, "budget_owner")
    path = f"/api/v1/budgets/{world.budget.id}/ledger"
    everything = client.get(path, headers=headers, query_string={"limit": 100}).get_json()["items"]
    keys = [(e["created_at"], e["purchase_id"]) for e in everything]
    assert keys == sorted(keys, reverse=True) and len(everything) == 5
    seen, cursor = [], None
    while True:
        page = client.get(path, headers=headers, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [e["purchase_id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["purchase_id"] for e in everything]
    first = client.get(path, headers=headers, query_string={"limit": 1}).get_json()["next_cursor"]
    other_filter = client.get(path, headers=headers, query_string={"status": "cancelled", "cursor": first})
    assert other_filter.status_code == 422 and other_filter.get_json()["errors"][0]["parameter"] == "cursor"


def test_budget_lines_page_in_the_pages_order(client, db, world):
    for year, line in ((2025, "B"), (2026, "A"), (2027, "C"), (2026, "Z")):
        make_budget(db, world.nav_office, year=year, line=line)
    db.commit()
    headers = token_for(db, world, "budget_owner")
    everything = client.get("/api/v1/budgets", headers=headers, query_string={"limit": 100}).get_json()["items"]
    assert [(b["year"], b["line"]) for b in everything] == [
        (2027, "C"), (2026, "A"), (2026, "Tiltaksmidler opplæring"), (2026, "Z"), (2025, "B")]
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/budgets", headers=headers, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [b["id"] for b in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [b["id"] for b in everything]


@pytest.mark.parametrize("where,query,parameter", [
    ("ledger", {"status": "paid"}, "status"),
    ("ledger", {"course": "x" * 121}, "course"),
    ("ledger", {"limit": "0"}, "limit"),
    ("ledger", {"page": "2"}, "page"),
    ("detail", {"status": "confirmed"}, "status"),
    ("list", {"limit": "1000"}, "limit"),
    ("list", {"year": "2026"}, "year"),
])
def test_invalid_budget_queries_are_422_naming_the_parameter(client, db, world, where, query, parameter):
    url = {"list": "/api/v1/budgets", "detail": f"/api/v1/budgets/{world.budget.id}",
           "ledger": f"/api/v1/budgets/{world.budget.id}/ledger"}[where]
    response = client.get(url, headers=token_for(db, world, "budget_owner"), query_string=query)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert parameter in [e["parameter"] for e in response.get_json()["errors"]]


def test_a_line_that_does_not_exist_is_404(client, db, world):
    headers = token_for(db, world, "budget_owner")
    assert client.get("/api/v1/budgets/999999", headers=headers).status_code == 404
    assert client.get("/api/v1/budgets/999999/ledger", headers=headers).status_code == 404


def test_dates_are_today_for_the_stop_status(client, db, world, clock):
    budget_services.declare_stop(db, world.budget, reason="Stopp fra neste uke", starts_on=app_clock.today() + dt.timedelta(days=7),
                                 ends_on=None, actor=owner_actor(world), now=app_clock.now())
    db.commit()
    headers = token_for(db, world, "budget_owner")
    assert client.get(f"/api/v1/budgets/{world.budget.id}", headers=headers).get_json()["stopped"] is False
    clock.advance(days=8)
    assert client.get(f"/api/v1/budgets/{world.budget.id}", headers=headers).get_json()["stopped"] is True
