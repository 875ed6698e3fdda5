"""API v1, agreements: the list with the page's filters and visibility, detail (ETag), versions with their changes,
and the documents (generated and uploaded) whose bytes match their SHA-256 — per role, per scope, with problems for
invalid queries."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from contracts_app import clock as app_clock
from contracts_app.agreements import lifecycle
from contracts_app.agreements.models import AgreementDocument
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.auth.models import Role

from ..agreements.helpers import make_agreement, signer_for
from ..factories import make_entity, make_unit, make_user
from ..support import login, tiny_pdf
from .test_api import PROBLEM, make_token

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# role → (the user's unit in the world, whether it sees the world's agreement between the Nav office and the adult
# education: the two parties' units, and a legal reviewer of the adult education's municipality)
ROLES = {
    "advisor": ("nav_office", True),
    "budget_owner": ("nav_office", True),
    "provider_coordinator": ("adult_education", True),
    "legal_reviewer": ("legal_unit", True),
    "outsider": ("elsewhere", False),
}


@pytest.fixture
def elsewhere(db, world):
    """An adult education of another municipality, with a coordinator: party to none of the world's agreements."""
    other = make_entity(db, name="Andrevik kommune", municipality_number="9998")
    unit = make_unit(db, other, name="Andrevik voksenopplæring")
    world.users["outsider"] = make_user(db, "outsider@test.no", role=Role.provider_coordinator, unit=unit)
    db.commit()
    world.elsewhere = unit
    return unit


def token_for(db, world, role: str, scopes=("agreements",)):
    unit_name, _sees = ROLES[role]
    return make_token(db, world.users[role], getattr(world, unit_name), scopes)[1]


@pytest.fixture
def approved(db, world):
    """An approved agreement (its documents generated at approval) with one party's signed PDF uploaded."""
    a = make_agreement(db, world, state=S.approved)
    party = a.parties[0]
    lifecycle.record_signature(db, a.id, party_id=party.id, signer_name="Ola Leder", signer_role="Leder",
                               signed_on=app_clock.today(), pdf=tiny_pdf(), pdf_filename="Signert avtale – Nav.pdf",
                               actor=signer_for(world, party), now=app_clock.now(), today=app_clock.today())
    db.commit()
    return a


# --- visibility and roles -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_the_agreements_of_its_unit_and_no_other(client, db, world, elsewhere, approved, role):
    _unit, sees = ROLES[role]
    headers = token_for(db, world, role)
    listed = client.get("/api/v1/agreements", headers=headers)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    assert (approved.id in [a["id"] for a in listed.get_json()["items"]]) is sees
    base = f"/api/v1/agreements/{approved.id}"
    for path in (base, base + "/versions", base + "/documents"):
        response = client.get(path, headers=headers)
        assert response.status_code == (200 if sees else 404), path
        if not sees:
            assert response.mimetype == PROBLEM and response.get_json()["status"] == 404
    doc = db.scalars(select(AgreementDocument).where(AgreementDocument.agreement_id == approved.id)).first()
    assert client.get(f"{base}/documents/{doc.id}", headers=headers).status_code == (200 if sees else 404)


def test_an_administrator_session_sees_every_agreement(client, db, world, approved):
    assert login(client, world.users["admin"].email).status_code == 302
    assert approved.id in [a["id"] for a in client.get("/api/v1/agreements").get_json()["items"]]
    assert client.get(f"/api/v1/agreements/{approved.id}").status_code == 200


@pytest.mark.parametrize("scopes,status", [(("agreements",), 200), (("read",), 403), (("read", "capacity", "purchases", "rules"), 403)])
def test_agreement_calls_need_the_agreements_scope(client, db, world, approved, scopes, status):
    headers = make_token(db, world.users["advisor"], world.nav_office, scopes)[1]
    for path in ("/api/v1/agreements", f"/api/v1/agreements/{approved.id}", f"/api/v1/agreements/{approved.id}/documents"):
        response = client.get(path, headers=headers)
        assert response.status_code == status, path
        if status == 403:
            assert response.get_json()["type"].endswith("#problem-insufficient-scope")


def test_without_a_token_or_session_it_is_401(client, db, world, approved):
    response = client.get(f"/api/v1/agreements/{approved.id}")
    assert response.status_code == 401 and response.mimetype == PROBLEM


# --- the list: the page's filters, stable cursor pages ---------------------------------------------------------------

@pytest.mark.parametrize("query,expected", [
    ({}, {"draft", "approved"}),
    ({"status": "approved"}, {"approved"}),
    ({"status": "draft"}, {"draft"}),
    ({"kind": "procurement"}, set()),
    ({"q": "testvik KOMMUNE"}, {"draft", "approved"}),
    ({"q": "889640782"}, {"draft", "approved"}),
    ({"q": "Ingen slik part"}, set()),
    ({"expiring": "90"}, set()),
])
def test_the_list_filters_as_the_page(client, db, world, approved, query, expected):
    draft = make_agreement(db, world)
    headers = token_for(db, world, "advisor")
    response = client.get("/api/v1/agreements", headers=headers, query_string=query)
    assert response.status_code == 200
    found = {a["id"]: a["status"] for a in response.get_json()["items"]}
    assert set(found.values()) == expected
    assert set(found) <= {approved.id, draft.id}
    # the page, asked the same, lists the same agreements
    login(client, world.users["advisor"].email)
    html = client.get("/agreements", query_string=query).get_data(as_text=True)
    for agreement_id in (approved.id, draft.id):
        assert (f"/agreements/{agreement_id}\"" in html) is (agreement_id in found)


def test_cursor_pages_walk_every_agreement_once_latest_change_first(client, db, world, clock):
    made = []
    for i in range(5):
        if i % 2:
            clock.advance(minutes=1)  # some changed at the same moment: the id decides between them
        made.append(make_agreement(db, world, complete=False).id)
    headers = token_for(db, world, "provider_coordinator")
    everything = client.get("/api/v1/agreements?limit=100", headers=headers).get_json()
    assert everything["next_cursor"] is None and set(made) <= {a["id"] for a in everything["items"]}
    keys = [(a["updated_at"], a["id"]) for a in everything["items"]]
    assert keys == sorted(keys, reverse=True)
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/agreements", headers=headers,
                          query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        assert len(page["items"]) <= 2 and page["limit"] == 2
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [a["id"] for a in everything["items"]] and len(seen) == len(set(seen))
    first = client.get("/api/v1/agreements?limit=1", headers=headers).get_json()["next_cursor"]
    other = client.get(f"/api/v1/agreements/{made[0]}/versions", headers=headers, query_string={"cursor": first})
    assert other.status_code == 422 and other.get_json()["errors"][0]["parameter"] == "cursor"


@pytest.mark.parametrize("query,parameter", [
    ({"status": "signed-ish"}, "status"),
    ({"kind": "loan"}, "kind"),
    ({"verdict": "maybe"}, "verdict"),
    ({"expiring": "30"}, "expiring"),
    ({"q": "x" * 201}, "q"),
    ({"limit": "0"}, "limit"),
    ({"limit": "101"}, "limit"),
    ({"limit": "ti"}, "limit"),
    ({"cursor": "abc.def"}, "cursor"),
    ({"sort": "title"}, "sort"),
])
def test_invalid_list_queries_are_422_naming_the_parameter(client, db, world, query, parameter):
    response = client.get("/api/v1/agreements", headers=token_for(db, world, "advisor"), query_string=query)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert parameter in [e["parameter"] for e in response.get_json()["errors"]]


# --- detail, versions ----------------------------------------------------------------------------------------------------

def test_the_detail_carries_an_etag_and_answers_304(client, db, world, approved):
    headers = token_for(db, world, "advisor")
    path = f"/api/v1/agreements/{approved.id}"
    first = client.get(path, headers=headers)
    body, etag = first.get_json(), first.headers["ETag"]
    assert first.status_code == 200 and etag
    assert body["status"] == "approved" and body["approved_version"] == approved.version
    assert {p["unit_id"] for p in body["parties"]} == {world.nav_office.id, world.adult_education.id}
    assert body["start_date"] == "2026-08-01" and body["option_plan"] == [12]
    again = client.get(path, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get(path, headers={**headers, "If-None-Match": '"other"'}).status_code == 200
    assert client.get(path + "?x=1", headers=headers).status_code == 422
    assert client.get("/api/v1/agreements/999999", headers=headers).status_code == 404


def test_versions_list_each_save_with_the_fields_it_changed_and_page_stably(client, db, world, approved):
    headers = token_for(db, world, "provider_coordinator")
    path = f"/api/v1/agreements/{approved.id}/versions"
    everything = client.get(path + "?limit=100", headers=headers).get_json()["items"]
    assert [v["number"] for v in everything] == list(range(1, approved.version + 1))
    assert everything[0]["changes"] and everything[0]["note_label"]
    subject = next(v for v in everything if v["note"] == "subject")
    assert "title" in {c["field"] for c in subject["changes"]} and all(c["label"] for c in subject["changes"])
    assert "start_date" not in {c["field"] for c in subject["changes"]}
    seen, cursor = [], None
    while True:
        page = client.get(path, headers=headers, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything  # the changes of a page's first version are against the version before it


# --- documents ---------------------------------------------------------------------------------------------------------

def test_documents_list_their_sha256_and_the_bytes_match_it(client, db, world, approved):
    headers = token_for(db, world, "budget_owner")
    listed = client.get(f"/api/v1/agreements/{approved.id}/documents", headers=headers)
    assert listed.status_code == 200
    items = listed.get_json()["items"]
    generated = [d for d in items if d["source"] == "generated"]
    uploaded = [d for d in items if d["source"] == "uploaded"]
    assert generated and all(d["content_type"] == DOCX and d["at_approval"] for d in generated)
    assert [d["kind"] for d in uploaded] == ["signed_agreement"] and uploaded[0]["content_type"] == "application/pdf"
    for d in items:
        response = client.get(d["download"], headers=headers)
        assert response.status_code == 200, d
        assert response.mimetype == d["content_type"] and "attachment" in response.headers["Content-Disposition"]
        assert hashlib.sha256(response.data).hexdigest() == d["sha256"] == response.headers["X-Content-SHA256"]
        etag = response.headers["ETag"].strip('"')
        assert etag == d["sha256"]
        again = client.get(d["download"], headers={**headers, "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    assert "filename*=UTF-8''Signert" in client.get(uploaded[0]["download"], headers=headers).headers["Content-Disposition"]


def test_a_document_is_served_only_under_its_own_agreement_and_never_changed(client, db, world, approved):
    other = make_agreement(db, world)
    headers = token_for(db, world, "advisor")
    doc = db.scalars(select(AgreementDocument).where(AgreementDocument.agreement_id == approved.id)).first()
    assert client.get(f"/api/v1/agreements/{other.id}/documents/{doc.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/agreements/{approved.id}/documents/999999", headers=headers).status_code == 404
    assert client.get(f"/api/v1/agreements/{approved.id}/signatures/999999/pdf", headers=headers).status_code == 404
    doc.content = doc.content + b"tampered"
    db.commit()
    response = client.get(f"/api/v1/agreements/{approved.id}/documents/{doc.id}", headers=headers)
    assert response.status_code == 409 and response.mimetype == PROBLEM


def test_an_order_confirmation_is_never_an_agreements_document(client, db, world, approved):
    """Its access follows its purchase (documents.access): not listed, not served under the agreement."""
    from contracts_app.audit import Actor
    from contracts_app.documents import services as documents

    doc = documents.generate_order_confirmation(db, world.purchase, actor=Actor(world.users["advisor"].id, world.nav_office.id),
                                                now=app_clock.now())
    doc.agreement_id = approved.id  # even if it were attached to the agreement
    db.commit()
    headers = token_for(db, world, "provider_coordinator")
    ids = {d["id"] for d in client.get(f"/api/v1/agreements/{approved.id}/documents", headers=headers).get_json()["items"]
           if d["source"] == "generated"}
    assert doc.id not in ids
    assert client.get(f"/api/v1/agreements/{approved.id}/documents/{doc.id}", headers=headers).status_code == 404
