"""API v1: tokens, problem details, idempotency, cursor paging, ETags, the rate limit, the OpenAPI document and
a client's whole flow (find a free seat → request it → the provider accepts → read the request)."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from contracts_app import clock as app_clock
from contracts_app.api import tokens
from contracts_app.api.models import ApiToken, IdempotentAnswer
from contracts_app.audit import AuditEvent
from contracts_app.auth.models import Role
from contracts_app.auth.permissions import Principal
from contracts_app.capacity.models import CapacityRequest

from ..factories import make_budget, make_course, make_offer
from ..support import login

PROBLEM = "application/problem+json"


def make_token(db, user, unit, scopes=("read", "capacity"), days=30):
    """A token created by ``user`` for ``unit`` through the service (``user`` must hold a role at ``unit``: a token
    acts as its creator with their roles there; the principal's roles play no part in that check)."""
    token, secret = tokens.create_token(
        db, tokens.TokenInput(name=f"{user.email} system", unit_id=unit.id, scopes=list(scopes),
                              expires_on=app_clock.today() + dt.timedelta(days=days)),
        principal=Principal(user.id, unit.id, frozenset({Role.admin})), now=app_clock.now(), today=app_clock.today())
    db.commit()
    return token, {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def market(db, world):
    """An offer by the adult education and a municipal budget line at the Nav office (an internal order:
    the Nav office's municipal side buys from its own municipality, so no agreement is needed)."""
    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=3)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal")
    db.commit()
    return offer, budget


def request_body(offer, budget, **kw):
    body = {"offer_id": offer.id, "budget_id": budget.id, "seats": 1, "start_date": "2026-03-09", "end_date": "2026-03-27",
            "participants": [{"reference": "KAP-1"}]}
    body.update(kw)
    return body


# --- tokens -----------------------------------------------------------------------------------------------------

def test_the_secret_is_shown_once_and_only_its_hash_is_stored(client, db, world):
    assert login(client, world.users["provider_coordinator"].email).status_code == 302
    response = client.post("/api-tokens/new", data={"name": "Fagsystem", "unit_id": world.adult_education.id,
                                                    "scopes": ["read", "capacity"], "expires_on": "2026-06-01"})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    token = db.scalar(select(ApiToken).where(ApiToken.name == "Fagsystem"))
    secret = next(part for part in html.split('value="')[1:] if part.startswith("ctk_")).split('"')[0]
    assert tokens.TOKEN_PATTERN.match(secret) and secret.startswith(f"ctk_{token.prefix}_")
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str([getattr(token, c.key) for c in ApiToken.__table__.columns])
    listing = client.get("/api-tokens").get_data(as_text=True)
    assert token.prefix in listing and secret not in listing
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.created"))
    assert event.actor_id == world.users["provider_coordinator"].id and secret not in str(event.after)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()["unit_id"] == world.adult_education.id


@pytest.mark.parametrize("data,field", [
    ({"name": "", "scopes": ["read"], "expires_on": "2026-06-01"}, "name"),
    ({"name": "X", "scopes": [], "expires_on": "2026-06-01"}, "scopes"),
    ({"name": "X", "scopes": ["read"], "expires_on": "2026-03-01"}, "expires_on"),
    ({"name": "X", "scopes": ["read"], "expires_on": "2028-01-01"}, "expires_on"),
    ({"name": "X", "scopes": ["everything"], "expires_on": "2026-06-01"}, "scopes"),
])
def test_a_bad_token_form_is_shown_again_with_a_message_on_the_field(client, db, world, data, field):
    login(client, world.users["provider_coordinator"].email)
    response = client.post("/api-tokens/new", data={"unit_id": world.adult_education.id, **data})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'href="#{field}"' in html and "ctk_" not in html
    assert db.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_coordinator_creates_tokens_only_for_their_unit(client, db, world):
    login(client, world.users["provider_coordinator"].email)
    response = client.post("/api-tokens/new", data={"name": "X", "unit_id": world.nav_office.id, "scopes": ["read"],
                                                    "expires_on": "2026-06-01"})
    assert response.status_code == 422 and db.scalar(select(func.count()).select_from(ApiToken)) == 0


# Every member with a role at a unit creates tokens for it; the token acts as them with their roles there.
MEMBERS = [("advisor", "nav_office", ["advisor"]), ("budget_owner", "nav_office", ["budget_owner"]),
           ("provider_coordinator", "adult_education", ["provider_coordinator"]), ("legal_reviewer", "legal_unit", ["legal_reviewer"])]


@pytest.mark.parametrize("role,unit,roles", MEMBERS, ids=[m[0] for m in MEMBERS])
def test_every_member_creates_a_token_that_acts_as_them_at_their_unit(client, db, world, role, unit, roles):
    user, unit = world.users[role], getattr(world, unit)
    login(client, user.email)
    form = client.get("/api-tokens/new").get_data(as_text=True)
    assert f'<option selected value="{unit.id}">' in form or f'value="{unit.id}" selected' in form
    response = client.post("/api-tokens/new", data={"name": "Fagsystem", "unit_id": unit.id, "scopes": ["read"],
                                                    "expires_on": "2026-06-01"})
    assert response.status_code == 201, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    secret = next(part for part in html.split('value="')[1:] if part.startswith("ctk_")).split('"')[0]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert (me["unit_id"], me["roles"]) == (unit.id, roles)
    token = db.scalar(select(ApiToken))
    assert (token.created_by_id, token.unit_id) == (user.id, unit.id)
    listing = client.get("/api-tokens").get_data(as_text=True)
    assert token.prefix in listing and user.name in listing


@pytest.mark.parametrize("member", [False, True], ids=["not_a_member", "member"])
def test_an_administrator_creates_a_token_only_where_they_hold_a_role(client, db, world, member):
    from contracts_app.audit import SYSTEM
    from contracts_app.auth import services as auth_services

    admin = world.users["admin"]
    if member:
        auth_services.add_membership(db, admin, role=Role.budget_owner, unit=world.nav_office, actor=SYSTEM, now=app_clock.now())
        db.commit()
    login(client, admin.email)
    response = client.post("/api-tokens/new", data={"name": "Nav-systemet", "unit_id": world.nav_office.id,
                                                    "scopes": ["read"], "expires_on": "2026-06-01"})
    if member:
        assert response.status_code == 201 and db.scalar(select(ApiToken)).created_by_id == admin.id
        return
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#unit_id"' in html and world.nav_office.name in html and "ctk_" not in html
    assert 'value="Nav-systemet"' in html  # the input is kept
    assert db.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_who_sees_and_revokes_which_tokens(client, db, world):
    from contracts_app.audit import SYSTEM
    from contracts_app.auth import services as auth_services
    from ..factories import make_user

    colleague = make_user(db, "kollega@test.no", role=Role.provider_coordinator, unit=world.adult_education)
    auth_services.add_membership(db, world.users["advisor"], role=Role.advisor, unit=world.adult_education, actor=SYSTEM,
                                 now=app_clock.now())
    db.commit()
    advisors, _h = make_token(db, world.users["advisor"], world.nav_office)
    advisors_at_vo, _h = make_token(db, world.users["advisor"], world.adult_education)
    owners, _h = make_token(db, world.users["budget_owner"], world.nav_office)
    coordinators, _h = make_token(db, colleague, world.adult_education)
    every = {advisors.prefix, advisors_at_vo.prefix, owners.prefix, coordinators.prefix}
    seen = {  # who → the tokens on their list
        "advisor": {advisors.prefix, advisors_at_vo.prefix},  # their own, at both units
        "budget_owner": {owners.prefix},
        "provider_coordinator": {advisors_at_vo.prefix, coordinators.prefix},  # the unit's
        "legal_reviewer": set(),
        "admin": every,
    }
    for who, prefixes in seen.items():
        login(client, world.users[who].email)
        listing = client.get("/api-tokens").get_data(as_text=True)
        assert {p for p in every if p in listing} == prefixes, who
        by_prefix = {t.prefix: t for t in (advisors, advisors_at_vo, owners, coordinators)}
        for prefix in every:
            revoked = client.post("/api-tokens/revoke", data={"token_id": by_prefix[prefix].id})
            assert revoked.status_code == (302 if prefix in prefixes else 404), (who, prefix)
            if prefix in prefixes:  # put it back for the next person
                db.expire_all()
                db.get(ApiToken, by_prefix[prefix].id).revoked_at = None
                db.get(ApiToken, by_prefix[prefix].id).revoked_by_id = None
                db.commit()
        client.post("/logout")


def test_the_list_shows_whom_a_token_acts_as_and_with_which_roles(client, db, world):
    from contracts_app.audit import SYSTEM
    from contracts_app.auth import services as auth_services
    from contracts_app.auth.models import Membership

    token, headers = make_token(db, world.users["budget_owner"], world.nav_office, ["read"])
    login(client, world.users["admin"].email)
    listing = client.get("/api-tokens").get_data(as_text=True)
    row = listing.split(f"ctk_{token.prefix}_")[1].split("</tr>")[0]
    assert world.users["budget_owner"].name in row and "Budsjettansvarlig" in row
    # the creator loses the role: the token acts with none, and the list says so
    membership = db.scalar(select(Membership).where(Membership.user_id == world.users["budget_owner"].id))
    auth_services.remove_membership(db, membership, actor=SYSTEM, now=app_clock.now())
    db.commit()
    row = client.get("/api-tokens").get_data(as_text=True).split(f"ctk_{token.prefix}_")[1].split("</tr>")[0]
    assert "Ingen rolle ved enheten" in row
    assert client.get("/api/v1/budgets", headers=headers).status_code == 403


def test_the_created_page_lists_the_scopes_by_their_labels(client, db, world):
    login(client, world.users["advisor"].email)
    response = client.post("/api-tokens/new", data={"name": "Fagsystem", "unit_id": world.nav_office.id,
                                                    "scopes": ["read", "purchases"], "expires_on": "2026-06-01"})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "<li>Lese: kurs, ledige plasser, forespørsler, kjøp, budsjettlinjer, OCDS-publiseringen" in html
    assert "<li>read</li>" not in html and "read, purchases" not in html
    assert "Handler som" in html and world.users["advisor"].name in html


@pytest.mark.parametrize("change", ["revoked", "expired", "unknown", "malformed", "creator_inactive", "basic"])
def test_refused_tokens_answer_401_problem(client, db, world, change):
    token, headers = make_token(db, world.users["advisor"], world.nav_office)
    if change == "revoked":
        login(client, world.users["admin"].email)
        assert client.post("/api-tokens/revoke", data={"token_id": token.id}).status_code == 302
        client.post("/logout")
        assert db.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.revoked")) is not None
    elif change == "expired":
        token.expires_at = app_clock.now() - dt.timedelta(seconds=1)
        db.commit()
    elif change == "unknown":
        headers = {"Authorization": "Bearer ctk_00000000_" + "A" * 43}
    elif change == "malformed":
        headers = {"Authorization": "Bearer not-a-token"}
    elif change == "creator_inactive":
        world.users["advisor"].is_active = False
        db.commit()
    else:
        headers = {"Authorization": "Basic YTpi"}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["status"] == 401 and body["type"].endswith("#problem-unauthenticated") and body["title"] and body["detail"]


@pytest.mark.parametrize("scopes,method,path,status", [
    (["read"], "GET", "/api/v1/me", 200),
    (["capacity"], "GET", "/api/v1/me", 403),
    (["read"], "POST", "/api/v1/capacity/requests", 403),
    (["read", "capacity"], "POST", "/api/v1/capacity/requests", 201),
    (["rules"], "GET", "/api/v1/courses", 403),
])
def test_scopes_limit_what_a_token_may_call(client, db, world, market, scopes, method, path, status):
    offer, budget = market
    _token, headers = make_token(db, world.users["advisor"], world.nav_office, scopes)
    response = client.open(path, method=method, headers=headers, json=request_body(offer, budget) if method == "POST" else None)
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 403:
        assert response.get_json()["type"].endswith("#problem-insufficient-scope")


def test_a_token_acts_for_its_unit_with_its_creators_roles_there_never_admin(client, db, world):
    from contracts_app.auth import services as auth_services
    from contracts_app.audit import SYSTEM

    user = world.users["admin"]
    auth_services.add_membership(db, user, role=Role.budget_owner, unit=world.nav_office, actor=SYSTEM, now=app_clock.now())
    db.commit()
    _token, headers = make_token(db, user, world.nav_office, ["read"])
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["unit_id"] == world.nav_office.id and me["roles"] == ["budget_owner"] and me["token"]["scopes"] == ["read"]
    # the advisor's token at the Nav office cannot answer requests (the provider's role), whatever its scopes
    _t, advisor = make_token(db, world.users["advisor"], world.nav_office)
    assert client.post("/api/v1/capacity/requests/1/accept", headers=advisor, json={}).status_code == 403


# --- problems ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change,status,where", [
    ({"seats": 0}, 422, {"pointer": "/seats"}),
    ({"participants": [{"reference": "x" * 41}]}, 422, {"pointer": "/participants/0/reference"}),
    ({"start_date": "2026-02-30"}, 422, {"pointer": "/start_date"}),
    ({"surprise": 1}, 422, {"pointer": "/surprise"}),
    ({"seats": 2, "participants": [{"reference": "A"}]}, 422, {"pointer": "/participants"}),  # the service's rule
    ({"offer_id": 999999}, 404, None),
])
def test_invalid_bodies_are_problems_with_a_pointer_per_field(client, db, world, market, change, status, where):
    offer, budget = market
    _t, headers = make_token(db, world.users["advisor"], world.nav_office)
    response = client.post("/api/v1/capacity/requests", headers=headers, json=request_body(offer, budget, **change))
    assert response.status_code == status and response.mimetype == PROBLEM
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    if where:
        assert any(where.items() <= e.items() and e["detail"] for e in body["errors"]), body
    assert db.scalar(select(func.count()).select_from(CapacityRequest)) == 0


@pytest.mark.parametrize("query,parameter", [("limit=101", "limit"), ("limit=x", "limit"), ("cursor=abc.def", "cursor"),
                                             ("start_from=2026-13-01", "start_from"), ("kind=nope", "kind")])
def test_invalid_query_parameters_are_named(client, db, world, query, parameter):
    _t, headers = make_token(db, world.users["advisor"], world.nav_office)
    response = client.get(f"/api/v1/courses?{query}", headers=headers)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert [e["parameter"] for e in response.get_json()["errors"]] == [parameter]


@pytest.mark.parametrize("call,status", [
    (lambda c, h: c.get("/api/v1/courses/999999", headers=h), 404),
    (lambda c, h: c.post("/api/v1/capacity/requests", headers=h, data="x", content_type="text/plain"), 415),
    (lambda c, h: c.post("/api/v1/capacity/requests", headers=h, data="{bad", content_type="application/json"), 422),
    (lambda c, h: c.post("/api/v1/capacity/requests", headers=h, data="[" * 100 + "]" * 100, content_type="application/json"), 422),
    (lambda c, h: c.post("/api/v1/capacity/requests", headers=h, data="x" * (17 * 1024 * 1024), content_type="application/json"), 413),
])
def test_errors_are_problem_details_never_5xx(client, db, world, call, status):
    _t, headers = make_token(db, world.users["advisor"], world.nav_office)
    response = call(client, headers)
    assert response.status_code == status and response.mimetype == PROBLEM and response.get_json()["status"] == status


# --- idempotency, paging, ETag, rate limit --------------------------------------------------------------------

def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(client, db, world, market):
    offer, budget = market
    _t, headers = make_token(db, world.users["advisor"], world.nav_office)
    headers = {**headers, "Idempotency-Key": "order-17"}
    first = client.post("/api/v1/capacity/requests", headers=headers, json=request_body(offer, budget))
    again = client.post("/api/v1/capacity/requests", headers=headers, json=request_body(offer, budget))
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert db.scalar(select(func.count()).select_from(CapacityRequest)) == 1
    other = client.post("/api/v1/capacity/requests", headers=headers, json=request_body(offer, budget, seats=2,
                        participants=[{"reference": "A"}, {"reference": "B"}]))
    assert other.status_code == 409 and other.get_json()["type"].endswith("#problem-idempotency-key-reused")
    assert db.scalar(select(func.count()).select_from(CapacityRequest)) == 1
    # another caller may use the same key for its own request
    _t2, coordinator = make_token(db, world.users["provider_coordinator"], world.adult_education)
    assert db.scalar(select(IdempotentAnswer.owner)) == f"token:{_t.id}"
    call = db.scalar(select(AuditEvent).where(AuditEvent.action == "api.call"))
    assert call.actor_id == world.users["advisor"].id and call.after["token"] == _t.prefix and call.after["status"] == 201


def test_cursor_pages_walk_the_whole_list_once_in_the_pages_order(client, db, world):
    for i in range(6):
        make_course(db, world.adult_education, title=f"Kurs {i % 3}")
    db.commit()
    _t, headers = make_token(db, world.users["advisor"], world.nav_office)
    everything = client.get("/api/v1/courses?limit=100", headers=headers).get_json()
    assert everything["next_cursor"] is None
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/courses", headers=headers, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        assert len(page["items"]) <= 2
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c["id"] for c in everything["items"]] and len(seen) == len(set(seen)) == 7
    keys = [(c["start_date"], c["title"], c["id"]) for c in everything["items"]]
    assert keys == sorted(keys)
    first = client.get("/api/v1/courses?limit=2", headers=headers).get_json()["next_cursor"]
    assert client.get("/api/v1/capacity/offers", headers=headers, query_string={"cursor": first}).status_code == 422  # another list
    tampered = first[:-2] + ("AA" if not first.endswith("AA") else "BB")
    assert client.get("/api/v1/courses", headers=headers, query_string={"cursor": tampered}).status_code == 422


def test_detail_reads_carry_an_etag_and_answer_304(client, db, world, market):
    offer, _budget = market
    _t, headers = make_token(db, world.users["advisor"], world.nav_office)
    for path in (f"/api/v1/courses/{world.course.id}", f"/api/v1/capacity/offers/{offer.id}"):
        first = client.get(path, headers=headers)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and etag
        again = client.get(path, headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304 and again.headers["ETag"] == etag and again.data == b""
        assert client.get(path, headers={**headers, "If-None-Match": '"other"'}).status_code == 200


def test_the_rate_limit_answers_429_with_retry_after_per_token(app, client, db, world, clock, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 2)
    monkeypatch.setitem(app.config, "API_RATE_WINDOW_SECONDS", 60)
    _t, headers = make_token(db, world.users["advisor"], world.nav_office)
    _o, other = make_token(db, world.users["provider_coordinator"], world.adult_education)
    assert [client.get("/api/v1/me", headers=headers).status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 429 and refused.mimetype == PROBLEM and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/me", headers=other).status_code == 200  # its own window
    clock.advance(seconds=61)
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_browser_sessions_still_work_and_writes_must_be_json(client, db, world, market):
    offer, budget = market
    login(client, world.users["advisor"].email)
    assert client.get("/api/v1/me").get_json()["token"] is None
    assert client.post("/api/v1/capacity/requests", data=request_body(offer, budget) | {"participants": "x"}).status_code == 415
    assert client.post("/api/v1/capacity/requests", json=request_body(offer, budget)).status_code == 201


# --- the whole flow ---------------------------------------------------------------------------------------------

def test_a_client_finds_a_free_seat_requests_it_and_the_provider_accepts(client, db, world, market):
    offer, budget = market
    _b, buyer = make_token(db, world.users["advisor"], world.nav_office)
    _p, provider = make_token(db, world.users["provider_coordinator"], world.adult_education)
    found = client.get("/api/v1/capacity/offers", headers=buyer, query_string={"min_seats": 1, "sort": "price"}).get_json()
    assert [o["id"] for o in found["items"]] == [offer.id] and found["items"][0]["seats_available"] == 3
    created = client.post("/api/v1/capacity/requests", headers={**buyer, "Idempotency-Key": "r1"}, json=request_body(offer, budget))
    assert created.status_code == 201, created.get_data(as_text=True)
    req = created.get_json()
    assert req["status"] == "held" and created.headers["Location"].endswith(f"/api/v1/capacity/requests/{req['id']}")
    incoming = client.get("/api/v1/capacity/requests?role=provider", headers=provider).get_json()
    assert [r["id"] for r in incoming["items"]] == [req["id"]]
    accepted = client.post(f"/api/v1/capacity/requests/{req['id']}/accept", headers={**provider, "Idempotency-Key": "a1"}, json={})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted" and accepted.get_json()["purchase_id"]
    twice = client.post(f"/api/v1/capacity/requests/{req['id']}/accept", headers={**provider, "Idempotency-Key": "a1"}, json={})
    assert twice.status_code == 200 and twice.get_json() == accepted.get_json()
    assert client.post(f"/api/v1/capacity/requests/{req['id']}/accept", headers=provider, json={}).status_code == 409
    read = client.get(created.headers["Location"], headers=buyer)
    assert read.status_code == 200 and read.get_json()["status"] == "accepted"
    assert read.get_json()["purchase_id"] == accepted.get_json()["purchase_id"]
    # the buyer cannot accept, and a unit outside the request does not see it
    assert client.post(f"/api/v1/capacity/requests/{req['id']}/decline", headers=buyer, json={"reason": "Nei takk"}).status_code == 403
    _l, legal = make_token(db, world.users["legal_reviewer"], world.legal_unit)
    assert client.get(created.headers["Location"], headers=legal).status_code == 403  # no role that reads requests


def test_withdraw_and_decline_go_through_the_services(client, db, world, market):
    offer, budget = market
    _b, buyer = make_token(db, world.users["advisor"], world.nav_office)
    _p, provider = make_token(db, world.users["provider_coordinator"], world.adult_education)
    one = client.post("/api/v1/capacity/requests", headers=buyer, json=request_body(offer, budget)).get_json()
    two = client.post("/api/v1/capacity/requests", headers=buyer, json=request_body(offer, budget, participants=[{"reference": "KAP-2"}])).get_json()
    assert client.post(f"/api/v1/capacity/requests/{one['id']}/withdraw", headers=buyer, json={}).get_json()["status"] == "withdrawn"
    refused = client.post(f"/api/v1/capacity/requests/{two['id']}/decline", headers=provider, json={"reason": "x"})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["pointer"] == "/reason"
    declined = client.post(f"/api/v1/capacity/requests/{two['id']}/decline", headers=provider, json={"reason": "Gruppen er full."})
    assert declined.get_json()["status"] == "declined" and declined.get_json()["answer_reason"] == "Gruppen er full."
    assert client.post(f"/api/v1/capacity/requests/{one['id']}/withdraw", headers=buyer, json={}).status_code == 409
