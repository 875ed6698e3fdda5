"""Capacity pages: search (filters, Norwegian full text, visibility), requests through the form, privacy,
answers, the inbox and the dashboard."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contracts_app.audit import Actor
from contracts_app.auth.models import Role
from contracts_app.capacity import requests
from contracts_app.purchases.form_tokens import new_token
from contracts_app.capacity.models import CapacityRequest, RequestStatus
from contracts_app.courses.pricing import Rate
from contracts_app.notifications.models import Notification

from ..support import login
from ..factories import make_budget, make_course, make_entity, make_offer, make_unit, make_user, request_input


def now():
    from contracts_app import clock

    return clock.now()


@pytest.fixture
def offers(db, world):
    c = world.users["provider_coordinator"]
    vo = world.adult_education
    courses = {
        "truck": make_course(db, vo, title="Sjåførkurs med norsk for yrkessjåfører", kind="industry_course", cefr_min="A2", cefr_max="B1",
                             municipality_number="3401", description="Førerkort klasse C og norsk på arbeidsplassen"),
        "helse": make_course(db, vo, title="Yrkesnorsk helse og omsorg", kind="vocational_norwegian", cefr_min="B1", cefr_max="B2",
                             municipality_number="4601", rates=[Rate(dt.date(2026, 1, 1), Decimal("40"))]),
        "grunn": make_course(db, vo, title="Grunnleggende ferdigheter", kind="basic_skills", cefr_min=None, cefr_max=None,
                             municipality_number="3403", part_time=False),
    }
    made = {k: make_offer(db, v, c, seats=2) for k, v in courses.items()}
    stranger = make_entity(db, name="Fjernvik kommune")
    made["hidden"] = make_offer(db, world.course, c, seats=1, visibility="named", entity_ids=[stranger.id])
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal")
    db.commit()
    return made, budget


def titles(html: str) -> list[str]:
    return re.findall(r'href="/capacity/offers/\d+">([^<]+)</a>', html)


@pytest.mark.parametrize("query,expected", [
    ("", {"Sjåførkurs med norsk for yrkessjåfører", "Yrkesnorsk helse og omsorg", "Grunnleggende ferdigheter"}),
    ("q=SJÅFØR", {"Sjåførkurs med norsk for yrkessjåfører"}),  # upper case æøå
    ("q=sjåf", {"Sjåførkurs med norsk for yrkessjåfører"}),  # prefix
    ("q=sjafor", set()),  # å is not a
    ("q=førerkort+norsk", {"Sjåførkurs med norsk for yrkessjåfører"}),  # every word, description too
    ("q=omsorg", {"Yrkesnorsk helse og omsorg"}),
    ("q=%22%29%28*+OR", set()),  # query syntax is only text
    ("kind=basic_skills", {"Grunnleggende ferdigheter"}),
    ("level=A2", {"Sjåførkurs med norsk for yrkessjåfører", "Grunnleggende ferdigheter"}),
    ("county=46", {"Yrkesnorsk helse og omsorg"}),
    ("municipality=3403", {"Grunnleggende ferdigheter"}),
    ("part_time=1", {"Sjåførkurs med norsk for yrkessjåfører", "Yrkesnorsk helse og omsorg"}),
    ("max_price=6000", {"Yrkesnorsk helse og omsorg"}),
    ("min_seats=3", set()),
    ("start_from=2026-07-01", set()),
])
def test_search_filters_and_norwegian_full_text(client, world, offers, query, expected):
    login(client, "advisor@test.no")
    html = client.get(f"/capacity?{query}").get_data(as_text=True)
    assert set(titles(html)) == expected


def test_search_sorts_by_price_and_hides_named_offers_from_others(client, world, offers):
    login(client, "advisor@test.no")
    html = client.get("/capacity?sort=price").get_data(as_text=True)
    assert titles(html)[0] == "Yrkesnorsk helse og omsorg"
    assert "Norskkurs A1–A2" not in titles(html)  # the named offer on the world's course
    hidden = offers[0]["hidden"]
    assert client.get(f"/capacity/offers/{hidden.id}").status_code == 404


def test_bad_search_input_is_shown_not_a_500(client, world, offers):
    login(client, "advisor@test.no")
    response = client.get("/capacity?max_price=mange&min_seats=-1&start_from=igår")
    assert response.status_code == 200
    assert len(titles(response.get_data(as_text=True))) == 3


def _form(offer, budget, **kw):
    data = {"seats": "1", "start_date": "2026-03-09", "end_date": "2026-03-27", "budget_id": str(budget.id),
            "participants-0-reference": "DELT-1", "message": "Trenger plass raskt", "action": "send"}
    data.update(kw)
    return data


@pytest.mark.parametrize("change,field", [
    ({"seats": "3", "participants-1-reference": "DELT-2", "participants-2-reference": "DELT-3"}, "seats"),
    ({"start_date": "2026-01-05"}, "start_date"),
    ({"end_date": "2026-03-01"}, "end_date"),
    ({"seats": "tre"}, "seats"),
    ({"participants-0-reference": "01017012345"}, "participants-0-reference"),
])
def test_bad_requests_re_render_with_the_input_and_write_nothing(client, db, world, offers, change, field):
    offer = offers[0]["truck"]
    login(client, "advisor@test.no")
    response = client.post(f"/capacity/offers/{offer.id}/request", data=_form(offer, offers[1], **change))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert "Trenger plass raskt" in html  # the user's input is kept
    assert db.scalar(select(func.count()).select_from(CapacityRequest)) == 0


def test_request_accept_and_privacy_of_participant_references(client, db, world, offers):
    offer = offers[0]["truck"]
    login(client, "advisor@test.no")
    preview = client.post(f"/capacity/offers/{offer.id}/request", data=_form(offer, offers[1], action="preview"))
    assert preview.status_code == 200 and 'id="preview"' in preview.get_data(as_text=True)
    response = client.post(f"/capacity/offers/{offer.id}/request", data=_form(offer, offers[1]))
    assert response.status_code == 302
    req = db.scalars(select(CapacityRequest)).one()
    assert req.status == RequestStatus.held
    assert "DELT-1" in client.get(f"/capacity/requests/{req.id}").get_data(as_text=True)
    client.post("/logout")

    # the provider sees it in the inbox and on the dashboard, and accepts
    login(client, "coordinator@test.no")
    assert "1 forespørsel venter på svaret ditt" in client.get("/home").get_data(as_text=True)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Testvik" in inbox and "Sjåførkurs" in inbox
    page = client.get(f"/capacity/requests/{req.id}").get_data(as_text=True)
    assert "DELT-1" in page
    assert client.post(f"/capacity/requests/{req.id}/accept", data={"form_token": new_token()}).status_code == 302
    db.expire_all()
    assert db.get(CapacityRequest, req.id).status == RequestStatus.accepted
    client.post("/logout")

    # another Nav office's advisor cannot see the request at all
    other = make_unit(db, world.state, name="Nav Annet", kind="nav_office", municipal_entity_id=world.municipality.id)
    make_user(db, "annen@test.no", role=Role.advisor, unit=other)
    db.commit()
    login(client, "annen@test.no")
    assert client.get(f"/capacity/requests/{req.id}").status_code == 404
    assert client.post(f"/capacity/requests/{req.id}/withdraw").status_code == 404
    assert "DELT-1" not in client.get("/capacity/requests").get_data(as_text=True)


def test_accepting_without_an_agreement_between_two_legal_persons_is_blocked(client, db, world, offers):
    """The state side of the Nav office buys from the municipality: that needs an agreement."""
    offer = offers[0]["truck"]
    req = requests.request_seats(db, request_input(offer, world.budget), actor=Actor(world.users["advisor"].id, world.nav_office.id), now=now())
    db.commit()
    login(client, "coordinator@test.no")
    response = client.post(f"/capacity/requests/{req.id}/accept", data={"form_token": new_token()})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="agreement-block"' in html and "Arbeids- og velferdsetaten" in html and "Testvik kommune" in html
    assert 'id="direct-heading"' in html  # the rules assessment of a direct purchase
    assert f"/agreements/new?party={world.state.id}&amp;party={world.municipality.id}" in html  # start one
    db.expire_all()
    assert db.get(CapacityRequest, req.id).status == RequestStatus.held


def test_inbox_mark_read_only_touches_own_notifications(client, db, world, offers):
    offer = offers[0]["truck"]
    requests.request_seats(db, request_input(offer, offers[1]), actor=Actor(world.users["advisor"].id, world.nav_office.id), now=now())
    db.commit()
    note = db.scalars(select(Notification)).one()
    login(client, "advisor@test.no")
    client.post(f"/inbox/{note.id}/read")
    db.expire_all()
    assert db.get(Notification, note.id).read_at is None
    client.post("/logout")
    login(client, "coordinator@test.no")
    assert "1 ulest" in client.get("/home").get_data(as_text=True)
    response = client.post(f"/inbox/{note.id}/read", data={"open": "1"})
    assert response.status_code == 302 and response.location.endswith(f"/capacity/requests/{note.params and db.scalars(select(CapacityRequest)).one().id}")
    db.expire_all()
    assert db.get(Notification, note.id).read_at is not None


def test_counting_stops_at_the_cap(client, world, offers, monkeypatch):
    from contracts_app.capacity import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    login(client, "advisor@test.no")
    html = client.get("/capacity").get_data(as_text=True)
    assert "Mer enn 2 tilbud passer" in html and len(titles(html)) == 3
    assert "1 tilbud passer." in client.get("/capacity?kind=basic_skills").get_data(as_text=True)


def test_postgresql_full_text_uses_the_gin_index(db, world, offers):
    """The search's condition on course.search_vector can use the GIN index ix_course_fulltext."""
    from sqlalchemy import text

    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    db.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(r[0] for r in db.execute(text(
        "EXPLAIN SELECT course.id FROM course WHERE course.search_vector @@ to_tsquery('norwegian', 'sjåfør:*')")).all())
    assert "ix_course_fulltext" in plan


# --- the request preview shows the agreement and the rules assessment, as the direct purchase's does ---------

@pytest.mark.parametrize("budget,agreement,expected,absent", [
    # the State (the Nav office's state side) buys from the municipality: under their agreement …
    ("state", True, ['id="preview-agreement"', "/agreements/{id}", 'id="preview-rules-heading"', 'id="verdict"'],
     ['id="preview-agreement-warning"']),
    # … or with none: the warning, and that the provider cannot accept without one
    ("state", False, ['id="preview-agreement-warning"', "Kontroller at kjøpet gjøres innenfor en gyldig avtale",
                      "Tilbyderen kan bare godta forespørselen når en registrert avtale dekker den", 'id="verdict"'],
     ['id="preview-agreement"']),
    # the municipal side buys from its own municipality: an internal order needs no agreement
    ("municipal", False, ['id="preview-rules-heading"', 'id="verdict"'], ['id="preview-agreement"', 'id="preview-agreement-warning"']),
], ids=["agreement", "no-agreement", "internal"])
def test_request_preview_shows_the_agreement_and_the_rules_like_the_purchase_preview(client, db, world, offers, budget, agreement,
                                                                                      expected, absent):
    from contracts_app.agreements.states import AgreementStatus

    from ..agreements.helpers import make_agreement

    made = make_agreement(db, world, state=AgreementStatus.active, start_date="2026-03-02", end_date="2027-12-31") if agreement else None
    offer = offers[0]["truck"]
    chosen = world.budget if budget == "state" else offers[1]
    login(client, "advisor@test.no")
    response = client.post(f"/capacity/offers/{offer.id}/request", data=_form(offer, chosen, action="preview"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="preview"' in html
    for text in expected:
        assert text.replace("{id}", str(made.id) if made else "") in html, text
    for text in absent:
        assert text not in html, text
    # the same panel as the direct purchase's preview of the same seats
    buy = client.post(f"/courses/{offer.course_id}/buy", data={
        "seats": "1", "start_date": "2026-03-09", "end_date": "2026-03-27", "budget_id": str(chosen.id),
        "participants-0-reference": "DELT-1", "action": "preview"}).get_data(as_text=True)
    verdict = re.compile(r'<h3 class="ds-heading" data-size="sm" id="verdict">[^<]*</h3>')
    assert verdict.findall(html) == verdict.findall(buy) != []
    assert db.scalar(select(func.count()).select_from(CapacityRequest)) == 0  # a preview writes nothing


@pytest.mark.parametrize("query,expected,message", [
    ("county=Vestland", {"Yrkesnorsk helse og omsorg"}, None),
    ("county=vestland+fylke", {"Yrkesnorsk helse og omsorg"}, None),
    ("county=Vestland+%2846%29", {"Yrkesnorsk helse og omsorg"}, None),  # a chosen suggestion
    ("municipality=Bergen", {"Yrkesnorsk helse og omsorg"}, None),
    ("municipality=bergen+kommune", {"Yrkesnorsk helse og omsorg"}, None),
    ("municipality=Hamar", {"Grunnleggende ferdigheter"}, None),  # exact, although Hamarøy starts the same
    ("municipality=Kongsving", {"Sjåførkurs med norsk for yrkessjåfører"}, None),  # a unique start
    ("municipality=abc", {"Sjåførkurs med norsk for yrkessjåfører", "Yrkesnorsk helse og omsorg", "Grunnleggende ferdigheter"},
     "Ingen kommune heter eller har nummeret «abc». Velg en fra listen."),
    ("municipality=Kris", {"Sjåførkurs med norsk for yrkessjåfører", "Yrkesnorsk helse og omsorg", "Grunnleggende ferdigheter"},
     "«Kris» passer til flere kommuner: Kristiansand (4204), Kristiansund (1505)."),
    ("county=Tr", {"Sjåførkurs med norsk for yrkessjåfører", "Yrkesnorsk helse og omsorg", "Grunnleggende ferdigheter"},
     "«Tr» passer til flere fylker: Troms (55), Trøndelag (50)."),
    ("county=460", {"Sjåførkurs med norsk for yrkessjåfører", "Yrkesnorsk helse og omsorg", "Grunnleggende ferdigheter"},
     "Et fylkesnummer har 2 sifre."),
], ids=["county-name", "county-suffix", "county-suggestion", "municipality-name", "municipality-suffix", "exact-before-start",
        "unique-start", "unknown", "ambiguous", "ambiguous-county", "county-digits"])
def test_search_free_seats_by_place_name(client, world, offers, query, expected, message):
    login(client, "advisor@test.no")
    response = client.get(f"/capacity?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert set(titles(html)) == expected
    if message:
        assert message in html and 'aria-invalid="true"' in html
    else:
        assert 'aria-invalid="true"' not in html
    # the suggestions, and the offers' places by name
    assert '<option value="Bergen (4601)"></option>' in html and '<option value="Vestland (46)"></option>' in html
    assert 'list="county-places"' in html and 'list="municipality-places"' in html
    if "Yrkesnorsk helse og omsorg" in expected:
        row = html.split("Yrkesnorsk helse og omsorg</a>", 1)[1].split("</td>", 1)[0]
        assert "· Bergen" in row  # the course's municipality by name
