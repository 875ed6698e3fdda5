"""The public free-seat feed: who is in it, what it says (and never says), the three forms agree, hostile
filters, cache headers, and Norwegian Excel's CSV."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest

from contracts_app.audit import Actor
from contracts_app.auth.models import Role
from contracts_app.capacity import offers as offer_services
from contracts_app.capacity import requests as capacity_requests

from ..factories import make_budget, make_course, make_offer, make_unit, make_user, request_input
from ..support import login


PAGE, JSON, CSV = "/open/ledige-plasser", "/open/ledige-plasser.json", "/open/ledige-plasser.csv"
UNIT_EMAIL = "post@fjordby-vo.kommune.no"
# What the offers' contact fields hold; none of it may reach the public.
PERSONAL = ("Kari Koordinator", "kari.koordinator@fjordby.kommune.no", "+47 912 34 567", "Ring Kari på mobilen")


@pytest.fixture
def feed(db, world, clock, module_world):
    """Offers in every state that matters, on courses in Oslo (0301) and Bergen (4601); then two days pass."""
    clock.advance(days=2)  # today is 2026-03-04
    return {label: db.get(*cls_and_id) for label, cls_and_id in module_world.rows("feed", db, world).items()}


def _feed_ids(session, world):
    return {label: (type(obj), obj.id) for label, obj in _make_feed(session, world).items()}


# The world is built once per module and every test runs in a savepoint rolled back after it (tests/conftest.py,
# module_world); ``feed``'s rows are shared the same way, as a layer.
pytestmark = pytest.mark.shared_world(layers={"feed": _feed_ids})


def _make_feed(db, world):
    from contracts_app import clock

    provider = make_unit(db, world.municipality, name="Fjordby voksenopplæring", email=UNIT_EMAIL,
                         municipality_number="0301")
    coordinator = make_user(db, "koordinator@fjordby.no", role=Role.provider_coordinator, unit=provider,
                            name="Kari Koordinator")
    actor = Actor(coordinator.id, provider.id)
    contact = {"contact_name": PERSONAL[0], "contact_email": PERSONAL[1], "contact_phone": PERSONAL[2],
               "notes": PERSONAL[3]}

    def offer(label, *, seats=3, course=None, **kw):
        course = course or make_course(db, provider, title=f"Norskkurs {label}", municipality_number="0301")
        return make_offer(db, course, coordinator, seats=seats, **{**contact, **kw})

    made = {
        "public": offer("public"),
        "bergen_digital_b1": offer("bergen", course=make_course(
            db, provider, title="Yrkesnorsk Bergen", kind="vocational_norwegian", municipality_number="4601",
            format="digital", cefr_min="B1", cefr_max="B2")),
        "no_requirement": offer("uten krav", course=make_course(
            db, provider, title="Grunnleggende ferdigheter", kind="basic_skills", cefr_min=None, cefr_max=None,
            municipality_number="0301")),
        "deadline_today": offer("frist i dag", request_deadline=dt.date(2026, 3, 4)),
        "named": offer("named", visibility="named", entity_ids=[world.state.id]),
        "paused": offer("paused"),
        "withdrawn": offer("withdrawn"),
        "deadline_passed": offer("frist ute", request_deadline=dt.date(2026, 3, 3)),
        "no_free_seats": offer("fullt", seats=1),
        "course_inactive": offer("nedlagt"),
    }
    offer_services.change_offer_status(db, made["paused"].id, "pause", actor=actor, now=clock.now())
    offer_services.change_offer_status(db, made["withdrawn"].id, "withdraw", reason="Kurset er avlyst", actor=actor,
                                       now=clock.now())
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal")
    capacity_requests.request_seats(db, request_input(made["no_free_seats"], budget), now=clock.now(),
                                    actor=Actor(world.users["advisor"].id, world.nav_office.id))
    made["course_inactive"].course.is_active = False  # the database's trigger copies it to the offer
    db.commit()
    return made


LISTED = ["public", "bergen_digital_b1", "no_requirement", "deadline_today"]
NOT_LISTED = ["named", "paused", "withdrawn", "deadline_passed", "no_free_seats", "course_inactive"]


def page_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-offer-id="(\d+)"', response.get_data(as_text=True))]


def json_ids(response) -> list[int]:
    return [i["id"] for i in response.get_json()["items"]]


def csv_rows(response) -> list[dict]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def csv_ids(response) -> list[int]:
    return [int(r["Tilbud-ID"]) for r in csv_rows(response)]


IDS = {PAGE: page_ids, JSON: json_ids, CSV: csv_ids}


@pytest.mark.parametrize("url", [PAGE, JSON, CSV])
@pytest.mark.parametrize("label", LISTED + NOT_LISTED)
def test_only_public_published_offers_with_free_seats_and_open_deadline_are_listed(client, feed, url, label):
    response = client.get(url)
    assert response.status_code == 200
    assert (feed[label].id in IDS[url](response)) == (label in LISTED)


@pytest.mark.parametrize("url", [PAGE, JSON, CSV])
def test_no_personal_data_only_the_units_functional_address(client, feed, url):
    body = client.get(url).get_data(as_text=True)
    assert UNIT_EMAIL in body
    for text in PERSONAL:
        assert text not in body


@pytest.mark.parametrize("query,expected", [
    ("", LISTED),
    ("municipality=Bergen", ["bergen_digital_b1"]),
    ("municipality=4601", ["bergen_digital_b1"]),
    ("municipality=oslo", ["public", "no_requirement", "deadline_today"]),
    ("level=B2", ["bergen_digital_b1", "no_requirement"]),
    ("level=A1", ["public", "no_requirement", "deadline_today"]),
    ("format=digital", ["bergen_digital_b1"]),
    ("format=in_person&level=A2&municipality=0301", ["public", "no_requirement", "deadline_today"]),
    ("municipality=Tromsø", []),
])
def test_the_three_forms_list_the_same_offers_in_the_same_order(client, feed, query, expected):
    lists = {url: IDS[url](client.get(f"{url}?{query}")) for url in (PAGE, JSON, CSV)}
    assert lists[PAGE] == lists[JSON] == lists[CSV]
    assert sorted(lists[PAGE]) == sorted(feed[label].id for label in expected)


def test_json_has_the_documented_shape(client, feed):
    body = client.get(JSON).get_json()
    assert set(body) == {"generated_at", "source", "count", "page", "per_page", "items"}  # no "next": one page
    assert body["generated_at"] == "2026-03-04T08:00:00Z" and body["count"] == len(LISTED)
    assert body["source"].endswith(PAGE)
    item = next(i for i in body["items"] if i["id"] == feed["bergen_digital_b1"].id)
    offer = feed["bergen_digital_b1"]
    assert item == {
        "id": offer.id,
        "course": {"title": "Yrkesnorsk Bergen", "kind": "vocational_norwegian"},
        "provider": {"name": "Fjordby voksenopplæring", "email": UNIT_EMAIL},
        "place": {"municipality_number": "4601", "municipality_name": "Bergen"},
        "level": {"min": "B1", "max": "B2"},
        "format": "digital",
        "period": {"start": "2026-03-02", "end": "2026-06-19"},
        "deadline": "2026-04-30",
        "free_seats": 3,
        "price_per_seat": str(offer.seat_price.quantize(Decimal("0.01"))),
        "currency": "NOK",
    }
    assert re.fullmatch(r"\d+\.\d\d", item["price_per_seat"])
    no_req = next(i for i in body["items"] if i["id"] == feed["no_requirement"].id)
    assert no_req["level"] == {"min": None, "max": None}


def test_json_pages_link_the_next_page_with_the_filters(client, feed):
    first = client.get(JSON + "?per_page=2&municipality=0301").get_json()
    assert first["count"] == 3 and len(first["items"]) == 2
    assert first["next"].endswith(JSON + "?municipality=0301&page=2&per_page=2")
    second = client.get(first["next"].split("localhost", 1)[1]).get_json()
    assert "next" not in second and len(second["items"]) == 1
    assert [i["id"] for i in first["items"] + second["items"]] == json_ids(client.get(JSON + "?municipality=0301"))


def test_csv_opens_in_norwegian_excel(client, feed):
    response = client.get(CSV)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ledige-plasser.csv"' in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    header = raw.decode("utf-8")[1:].split("\r\n", 1)[0]
    assert header.startswith("Kurs;Kurstype;Tilbyder;") and "Søknadsfrist" in header
    row = next(r for r in csv_rows(response) if int(r["Tilbud-ID"]) == feed["bergen_digital_b1"].id)
    price = feed["bergen_digital_b1"].seat_price.quantize(Decimal("0.01"))
    assert row["Pris per plass (kr eks. mva.)"] == str(price).replace(".", ",")  # decimal comma, no spaces
    assert row["Kommune"] == "Bergen (4601)"  # one text cell: Excel keeps a leading zero only in text
    assert (row["Plassene kan brukes fra"], row["Søknadsfrist"]) == ("02.03.2026", "30.04.2026")
    assert (row["Kurstype"], row["Undervisningsform"], row["Nivå (CEFR)"]) == ("Yrkesnorsk", "Digitalt", "B1–B2")
    assert row["Tilbyders e-post"] == UNIT_EMAIL and row["Ledige plasser"] == "3"


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://x.invalid\";\"klikk\")", "+47 kurs", "-1+1", "@SUM(A1)"])
def test_csv_cells_never_start_a_formula(client, db, world, title):
    course = make_course(db, world.adult_education, title=title)
    make_offer(db, course, world.users["provider_coordinator"])
    db.commit()
    rows = csv_rows(client.get(CSV))
    assert [r["Kurs"] for r in rows] == ["'" + title]
    assert json_ids(client.get(JSON)) and client.get(JSON).get_json()["items"][0]["course"]["title"] == title


@pytest.mark.parametrize("query,field", [
    ("municipality=Atlantis", "municipality"),
    ("municipality=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "municipality"),
    ("municipality=%27%20OR%201%3D1%20--", "municipality"),
    ("municipality=" + "x" * 5000, "municipality"),
    ("municipality=12", "municipality"),
    ("municipality=%25", "municipality"),
    ("level=Z9", "level"),
    ("level=a1", "level"),
    ("format=paper", "format"),
    ("format=%3Cb%3Ebold%3C%2Fb%3E", "format"),
])
def test_hostile_filters_answer_with_a_message(client, feed, query, field):
    page = client.get(f"{PAGE}?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'id="{field}-error"' in html and 'id="filter-errors"' in html
    assert "<script>alert" not in html and "<b>bold" not in html
    assert sorted(page_ids(page)) == sorted(feed[label].id for label in LISTED)  # the bad filter is left out
    for url in (JSON, CSV):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400
        assert field in response.get_json()["errors"]
        assert "public" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("query", ["page=-1", "page=0", "page=99999999999999", "page=abc", "per_page=0",
                                   "per_page=1e9", "per_page=100000", "page=2&per_page=2", "level=A1&level=B2"])
@pytest.mark.parametrize("url", [PAGE, JSON])
def test_odd_paging_never_fails(client, feed, url, query):
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200
    assert set(IDS[url](response)) <= {feed[label].id for label in LISTED}


@pytest.mark.parametrize("role", [None, "advisor"])
@pytest.mark.parametrize("url", [JSON, CSV])
def test_downloads_are_publicly_cacheable_for_five_minutes_with_an_etag(client, db, world, feed, url, role):
    if role:  # a logged-in browser: its session is neither read nor refreshed, so no cookie reaches a cache
        assert login(client, world.users[role].email).status_code == 302
        client.get("/home")
    first = client.get(url)
    cache = first.headers["Cache-Control"]
    assert "public" in cache and "max-age=300" in cache and "no-store" not in cache
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    # No cookie a shared cache could hand on. ("Vary: Cookie" stays: Flask-Login looks at the session on every
    # response; a cache then keeps one copy for the cookie-less fetchers a website's server or a proxy are.)
    assert "Set-Cookie" not in first.headers
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    assert client.get(url).headers["ETag"] == etag  # the same list, the same tag
    make_offer(db, make_course(db, world.adult_education, title="Nytt kurs"), world.users["provider_coordinator"])
    db.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_page_is_not_cached_because_it_carries_the_visitors_form_token(client, feed):
    assert client.get(PAGE).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", [None, "advisor"])
def test_the_page_needs_no_login_and_is_bokmal(client, world, feed, role):
    if role:
        assert login(client, world.users[role].email).status_code == 302
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<caption>" in html and 'lang="nb"' in html
    assert "Ledige plasser" in html and "kr\xa0" in html
    assert ("Logg ut" in html) == (role is not None)  # an anonymous visitor sees no user menu


def test_the_page_runs_a_fixed_number_of_statements(client, db, world, feed, count_statements):
    for n in range(5):
        make_offer(db, make_course(db, world.adult_education, title=f"Ekstra {n}"), world.users["provider_coordinator"])
    db.commit()
    for url in (PAGE, JSON, CSV):
        with count_statements() as seen:
            assert client.get(url).status_code == 200
        assert len(seen) <= 4, (url, seen)
