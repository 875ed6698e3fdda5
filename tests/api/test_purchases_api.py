"""API v1, seat purchases: preview, confirm (Idempotency-Key), list, detail (ETag), cancel and the actual cost,
through the purchase services with the pages' permissions; budget stops, field pointers, scopes and the OpenAPI
document."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contracts_app import clock as app_clock
from contracts_app.audit import Actor, AuditEvent
from contracts_app.auth.models import Role
from contracts_app.budget import services as budget_services
from contracts_app.budget.models import Budget
from contracts_app.courses.models import Course
from contracts_app.purchases.models import PurchaseStatus, SeatPurchase

from ..factories import buy, make_budget, make_user
from .test_api import PROBLEM, make_token

BUYER_SCOPES = ("read", "purchases")


def body(world, **kw):
    data = {"course_id": world.course.id, "budget_id": world.budget.id, "seats": 1, "start_date": "2026-03-02",
            "end_date": "2026-06-19", "participants": [{"reference": "API-1", "cefr_level": "A2"}]}
    data.update(kw)
    return data


def purchases(db) -> int:
    return db.scalar(select(func.count()).select_from(SeatPurchase))


def seats_and_money(db, world) -> tuple:
    course, budget = db.get(Course, world.course.id), db.get(Budget, world.budget.id)
    db.refresh(course), db.refresh(budget)
    return course.seats_confirmed, budget.committed


@pytest.fixture
def advisor(db, world):
    return make_token(db, world.users["advisor"], world.nav_office, BUYER_SCOPES)[1]


def _stop(db, world):
    owner = world.users["budget_owner"]
    budget_services.declare_stop(db, world.budget, reason="Tiltaksstopp fra direktoratet", starts_on=dt.date(2026, 3, 1),
                                 ends_on=None, actor=Actor(owner.id, world.nav_office.id), now=app_clock.now())
    db.commit()


# --- the happy path ---------------------------------------------------------------------------------------------

def test_a_client_previews_buys_reads_and_lists_a_purchase(client, db, world, advisor):
    before_purchases, (before_seats, before_money) = purchases(db), seats_and_money(db, world)
    preview = client.post("/api/v1/purchases/preview", headers=advisor, json=body(world))
    assert preview.status_code == 200, preview.get_data(as_text=True)
    priced = preview.get_json()
    amount = Decimal(priced["amount"])
    assert amount > 0 and priced["breakdown"] and priced["verdict"] and priced["assessment"]["verdict"] == priced["verdict"]
    assert priced["budget"]["budget_id"] == world.budget.id and priced["budget"]["allowed"] is True
    assert Decimal(priced["budget"]["remaining_after"]) == world.budget.remaining - amount
    assert priced["can_confirm"] is True and priced["overridable"] is False
    assert (purchases(db), seats_and_money(db, world)) == (before_purchases, (before_seats, before_money))  # no write

    created = client.post("/api/v1/purchases", headers={**advisor, "Idempotency-Key": "buy-1"}, json=body(world))
    assert created.status_code == 201, created.get_data(as_text=True)
    bought = created.get_json()
    assert bought["status"] == "confirmed" and Decimal(bought["amount"]) == amount and bought["verdict"] == priced["verdict"]
    assert bought["buyer_unit"]["id"] == world.nav_office.id and bought["provider_unit"]["id"] == world.adult_education.id
    assert [p["reference"] for p in bought["participants"]] == ["API-1"]
    assert created.headers["Location"].endswith(f"/api/v1/purchases/{bought['id']}")
    assert seats_and_money(db, world) == (before_seats + 1, before_money + amount)
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "purchase.confirmed", AuditEvent.object_id == str(bought["id"])))
    call = db.scalar(select(AuditEvent).where(AuditEvent.action == "api.call"))
    assert call.actor_id == world.users["advisor"].id and call.after["path"] == "/api/v1/purchases" and call.after["status"] == 201

    read = client.get(created.headers["Location"], headers=advisor)
    assert read.status_code == 200 and read.get_json() == bought and read.headers["ETag"]
    assert client.get(created.headers["Location"], headers={**advisor, "If-None-Match": read.headers["ETag"]}).status_code == 304
    listing = client.get("/api/v1/purchases", headers=advisor).get_json()
    assert [p["id"] for p in listing["items"]] == [bought["id"], world.purchase.id]  # newest first
    provider = make_token(db, world.users["provider_coordinator"], world.adult_education, ["read"])[1]
    assert {p["id"] for p in client.get("/api/v1/purchases?role=provider", headers=provider).get_json()["items"]} == {
        bought["id"], world.purchase.id}
    assert client.get("/api/v1/purchases?role=buyer", headers=provider).get_json()["items"] == []


def test_the_list_pages_with_a_cursor_and_filters_by_status(client, db, world, advisor):
    for i in range(3):
        buy(db, world.course, world.budget, world.users["advisor"], refs=[f"PG-{i}"])
    db.commit()
    everything = client.get("/api/v1/purchases?limit=100", headers=advisor).get_json()["items"]
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/purchases", headers=advisor, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [p["id"] for p in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [p["id"] for p in everything] and len(seen) == len(set(seen)) == 4
    assert client.get("/api/v1/purchases?status=cancelled", headers=advisor).get_json()["items"] == []
    bad = client.get("/api/v1/purchases?status=nope", headers=advisor)
    assert bad.status_code == 422 and [e["parameter"] for e in bad.get_json()["errors"]] == ["status"]


# --- idempotency ------------------------------------------------------------------------------------------------

def test_an_idempotency_key_replays_the_purchase_and_refuses_another_body(client, db, world, advisor):
    headers = {**advisor, "Idempotency-Key": "order-2026-17"}
    first = client.post("/api/v1/purchases", headers=headers, json=body(world))
    count, money = purchases(db), seats_and_money(db, world)
    again = client.post("/api/v1/purchases", headers=headers, json=body(world))
    assert first.status_code == again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true" and again.headers["Location"] == first.headers["Location"]
    assert (purchases(db), seats_and_money(db, world)) == (count, money)  # bought once
    other = client.post("/api/v1/purchases", headers=headers, json=body(world, participants=[{"reference": "API-2"}]))
    assert other.status_code == 409 and other.mimetype == PROBLEM
    assert other.get_json()["type"].endswith("#problem-idempotency-key-reused")
    assert (purchases(db), seats_and_money(db, world)) == (count, money)


# --- refusals -----------------------------------------------------------------------------------------------------

def test_a_budget_stop_is_a_409_problem_and_an_override_request_waits(client, db, world, advisor):
    _stop(db, world)
    count, money = purchases(db), seats_and_money(db, world)
    preview = client.post("/api/v1/purchases/preview", headers=advisor, json=body(world)).get_json()
    assert preview["budget"]["allowed"] is False and preview["budget"]["stop_declared"] is True
    assert "Tiltaksstopp fra direktoratet" in preview["budget"]["refusal"] and preview["overridable"] is True
    refused = client.post("/api/v1/purchases", headers={**advisor, "Idempotency-Key": "stopped-1"}, json=body(world))
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    problem = refused.get_json()
    assert problem["type"].endswith("#problem-budget-stopped") and problem["status"] == 409
    assert problem["stop_declared"] is True and problem["overridable"] is True and "Tiltaksstopp fra direktoratet" in problem["detail"]
    assert (purchases(db), seats_and_money(db, world)) == (count, money)
    short = client.post("/api/v1/purchases", headers=advisor, json=body(world, override_reason="Haster"))
    assert short.status_code == 422 and short.get_json()["errors"][0]["pointer"] == "/override_reason"
    waiting = client.post("/api/v1/purchases", headers=advisor, json=body(world, override_reason="Deltakeren får jobb med kurset"))
    assert waiting.status_code == 201 and waiting.get_json()["status"] == "awaiting_override"
    assert seats_and_money(db, world) == money  # nothing reserved until a second budget owner decides


def test_too_few_free_seats_is_a_409_conflict(client, db, world, advisor):
    world.course.total_seats = world.course.seats_confirmed
    db.commit()
    refused = client.post("/api/v1/purchases", headers=advisor, json=body(world))
    assert refused.status_code == 409 and refused.get_json()["type"].endswith("#problem-conflict")


@pytest.mark.parametrize("change,pointer", [
    ({"seats": 0}, "/seats"),
    ({"participants": [{"reference": "x" * 41}]}, "/participants/0/reference"),
    ({"participants": [{"reference": "12345678901"}]}, "/participants/0/reference"),  # the service's rule
    ({"seats": 2}, "/participants"),
    ({"start_date": "2026-02-30"}, "/start_date"),
    ({"end_date": "2026-03-01"}, "/end_date"),
    ({"end_date": "2026-07-31"}, "/end_date"),  # after the course
    ({"course_id": 999999}, "/course_id"),
    ({"side": "county"}, "/side"),
    ({"surprise": 1}, "/surprise"),
    ({"override_reason": "x" * 2001}, "/override_reason"),
])
@pytest.mark.parametrize("path", ["/api/v1/purchases/preview", "/api/v1/purchases"])
def test_a_bad_field_is_a_422_with_a_pointer(client, db, world, advisor, change, pointer, path):
    if path.endswith("preview") and "override_reason" in change:
        pointer = "/override_reason"  # the preview takes no override: an unknown field
    count = purchases(db)
    response = client.post(path, headers=advisor, json=body(world, **change))
    assert response.status_code == 422 and response.mimetype == PROBLEM, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["type"].endswith("#problem-invalid-input") and problem["detail"]
    assert any(e.get("pointer") == pointer and e["detail"] for e in problem["errors"]), problem
    assert purchases(db) == count


def test_another_units_budget_line_is_a_field_error(client, db, world, advisor):
    other = make_budget(db, world.adult_education, line="Andres midler", side="municipal")
    db.commit()
    response = client.post("/api/v1/purchases", headers=advisor, json=body(world, budget_id=other.id))
    assert response.status_code == 422 and response.get_json()["errors"][0]["pointer"] == "/budget_id"


# --- who may -------------------------------------------------------------------------------------------------------

def test_another_units_purchase_is_404_and_the_provider_may_read_but_not_cancel(client, db, world):
    outsider = make_user(db, "advisor2@test.no", role=Role.advisor, unit=world.legal_unit)
    db.commit()
    other = make_token(db, outsider, world.legal_unit, BUYER_SCOPES)[1]
    path = f"/api/v1/purchases/{world.purchase.id}"
    assert client.get(path, headers=other).status_code == 404
    assert client.post(f"{path}/cancel", headers=other, json={"reason": "Ikke vår"}).status_code == 404
    assert client.get("/api/v1/purchases", headers=other).get_json()["items"] == []
    provider = make_token(db, world.users["provider_coordinator"], world.adult_education, ["read", "purchases"])[1]
    assert client.get(path, headers=provider).status_code == 200
    assert client.post(f"{path}/cancel", headers=provider, json={"reason": "Ikke vår"}).status_code == 403  # not a buyer's role
    assert client.get("/api/v1/purchases/999999", headers=provider).status_code == 404


@pytest.mark.parametrize("scopes,method,path,status", [
    (["read"], "POST", "/api/v1/purchases", 403),
    (["read"], "POST", "/api/v1/purchases/preview", 403),
    (["read", "capacity"], "POST", "/api/v1/purchases", 403),
    (["purchases"], "GET", "/api/v1/purchases", 403),
    (["purchases"], "GET", "/api/v1/purchases/{id}", 403),
    (["read"], "GET", "/api/v1/purchases/{id}", 200),
    (["purchases"], "POST", "/api/v1/purchases", 201),
])
def test_scopes_limit_what_a_token_may_call(client, db, world, scopes, method, path, status):
    _t, headers = make_token(db, world.users["advisor"], world.nav_office, scopes)
    response = client.open(path.format(id=world.purchase.id), method=method, headers=headers,
                           json=body(world) if method == "POST" else None)
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 403:
        assert response.get_json()["type"].endswith("#problem-insufficient-scope")


# --- after the purchase ---------------------------------------------------------------------------------------------

def test_cancel_releases_the_seats_and_the_money_once(client, db, world, advisor):
    seats, money = seats_and_money(db, world)
    path = f"/api/v1/purchases/{world.purchase.id}/cancel"
    short = client.post(path, headers=advisor, json={"reason": "x"})
    assert short.status_code == 422 and short.get_json()["errors"][0]["pointer"] == "/reason"
    done = client.post(path, headers={**advisor, "Idempotency-Key": "c1"}, json={"reason": "Deltakeren fikk jobb"})
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
    assert done.get_json()["cancel_reason"] == "Deltakeren fikk jobb"
    assert seats_and_money(db, world) == (seats - 1, money - world.purchase.amount)
    assert client.post(path, headers={**advisor, "Idempotency-Key": "c1"}, json={"reason": "Deltakeren fikk jobb"}).get_json() == done.get_json()
    again = client.post(path, headers=advisor, json={"reason": "Deltakeren fikk jobb"})
    assert again.status_code == 409 and again.mimetype == PROBLEM


@pytest.mark.parametrize("amount,status,pointer", [
    ("7000.00", 200, None),
    ("0", 200, None),
    ("-1", 422, "/actual_amount"),
    ("12.345", 422, "/actual_amount"),
    ("tolv", 422, "/actual_amount"),
])
def test_a_budget_owner_registers_the_actual_cost(client, db, world, amount, status, pointer):
    owner = make_token(db, world.users["budget_owner"], world.nav_office, BUYER_SCOPES)[1]
    response = client.post(f"/api/v1/purchases/{world.purchase.id}/actual-cost", headers=owner, json={"actual_amount": amount})
    assert response.status_code == status, response.get_data(as_text=True)
    if pointer:
        assert response.get_json()["errors"][0]["pointer"] == pointer
        assert db.get(SeatPurchase, world.purchase.id).status == PurchaseStatus.confirmed
    else:
        answer = response.get_json()
        assert answer["status"] == "completed" and Decimal(answer["actual_amount"]) == Decimal(amount)
        assert client.post(f"/api/v1/purchases/{world.purchase.id}/actual-cost", headers=owner,
                           json={"actual_amount": amount}).status_code == 409  # already completed


def test_the_advisor_cannot_register_the_actual_cost(client, db, world, advisor):
    response = client.post(f"/api/v1/purchases/{world.purchase.id}/actual-cost", headers=advisor, json={"actual_amount": "1.00"})
    assert response.status_code == 403 and response.mimetype == PROBLEM


# --- the document ---------------------------------------------------------------------------------------------------

def test_the_openapi_document_lists_the_purchase_operations(client, db):
    doc = client.get("/api/v1/openapi.json").get_json()
    ops = {(path, method): op for path, methods in doc["paths"].items() for method, op in methods.items()}
    expected = {("/api/v1/purchases", "get"): "read", ("/api/v1/purchases", "post"): "purchases",
                ("/api/v1/purchases/preview", "post"): "purchases", ("/api/v1/purchases/{purchase_id}", "get"): "read",
                ("/api/v1/purchases/{purchase_id}/cancel", "post"): "purchases",
                ("/api/v1/purchases/{purchase_id}/actual-cost", "post"): "purchases"}
    assert {key: ops[key]["x-scope"] for key in expected} == expected
    create = ops[("/api/v1/purchases", "post")]
    assert {"201", "409", "422"} <= set(create["responses"]) and any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "ETag" in ops[("/api/v1/purchases/{purchase_id}", "get")]["responses"]["200"]["headers"]
    schemas = doc["components"]["schemas"]
    assert set(schemas["PurchaseIn"]["properties"]) >= {"course_id", "budget_id", "seats", "participants", "override_reason"}
    assert {"PurchaseOut", "PurchasePreviewOut", "CancelIn", "ActualCostIn"} <= set(schemas)
