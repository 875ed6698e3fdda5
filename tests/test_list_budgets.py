"""Issue 22 (national scale) for the purchases list and the requests page: each list is paged in the database
with its count ("Viser 1–25 av N": no list hides rows without saying so), newest first, and the page runs the same
number of SQL statements with one row as with many (the rows' offers in the page's own statement, their courses
and units in one statement each for the whole page, never one query per row)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import inspect

from contracts_app import clock
from contracts_app.audit import Actor
from contracts_app.auth.models import Role
from contracts_app.capacity import requests as capacity_requests
from contracts_app.capacity.models import CapacityOffer, CapacityRequest
from contracts_app.purchases.models import SeatPurchase

from .factories import make_budget, make_course, make_offer, make_unit, make_user, request_input
from .support import login

#: The most statements each page may run (user and session, the page's counts and pages), whatever the rows.
BUDGETS = {"purchases_buyer": 4, "purchases_provider": 4, "requests_provider": 8, "requests_requester": 8}


def clone(db, row, n: int, **fixed) -> None:
    """``n`` more rows like ``row`` (the page only reads them), each made a minute later; ``fixed`` overrides."""
    model = type(row)
    columns = [c.key for c in inspect(model).column_attrs if c.key != "id"]
    for i in range(n):
        values = {k: getattr(row, k) for k in columns} | fixed
        values["created_at"] = row.created_at + dt.timedelta(minutes=i + 1)
        db.add(model(**values))
    db.commit()


@pytest.fixture
def offer_and_request(db, world):
    """A published offer of the adult education unit and one request on it by the Nav office."""
    offer = make_offer(db, world.course, world.users["provider_coordinator"])
    db.commit()
    req = capacity_requests.request_seats(db, request_input(offer, world.budget),
                                          actor=Actor(world.users["advisor"].id, world.nav_office.id), now=clock.now())
    db.commit()
    return offer, req


def _grow(db, world, name: str, n: int, offer_and_request) -> None:
    offer, req = offer_and_request
    if name.startswith("purchases"):
        clone(db, world.purchase, n)
    else:
        clone(db, req, n)
        clone(db, offer, n, seats_held=0, seats_taken=0)


def _page(world, name: str) -> tuple[str, str, list[str]]:
    """(user, path, the ids of the lists on the page whose range it must show)."""
    return {
        "purchases_buyer": (world.users["advisor"].email, "/purchases", ["purchase-range"]),
        "purchases_provider": (world.users["provider_coordinator"].email, "/purchases", ["purchase-range"]),
        "requests_provider": (world.users["provider_coordinator"].email, "/capacity/requests",
                              ["incoming-requests-range", "unit-offers-range"]),
        "requests_requester": (world.users["advisor"].email, "/capacity/requests", ["unit-requests-range"]),
    }[name]


def _count(client, db, count_statements, path: str) -> tuple[int, str, list[str]]:
    db.expunge_all()  # the request reads what it needs, as a real one does (the tests share one session)
    with count_statements() as seen:
        response = client.get(path)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True), seen


def _range(html: str, element_id: str) -> str:
    """The text of the "Viser … av …" line of one list."""
    found = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert found, element_id
    return " ".join(found.group(1).split())


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_a_list_page_runs_the_same_statements_with_one_row_as_with_thirty(client, db, world, count_statements,
                                                                        offer_and_request, name):
    user, path, ranges = _page(world, name)
    login(client, user)
    db.commit()
    few, html, seen = _count(client, db, count_statements, path)
    assert few <= BUDGETS[name], "\n".join(seen)
    for element_id in ranges:
        assert _range(html, element_id) == "Viser 1–1 av 1"
    _grow(db, world, name, 29, offer_and_request)  # 30 rows: more than one page of every list
    many, html, seen = _count(client, db, count_statements, path)
    assert many == few, "\n".join(seen)
    # the rows load what they show: no legal persons or other relations joined in (the first statement is the user's)
    assert not [s for s in seen[1:] if "legal_entity" in s], "\n".join(seen)
    for element_id in ranges:
        assert _range(html, element_id) == "Viser 1–25 av 30"
    assert "Side 1 av 2" in html


@pytest.mark.parametrize("query, shown, rows", [
    ("", "Viser 1–25 av 30", 25),
    ("?page=2", "Viser 26–30 av 30", 5),
    ("?page=9", "Viser 26–30 av 30", 5),  # past the end: the last page
    ("?page=0", "Viser 1–25 av 30", 25),
    ("?page=abc", "Viser 1–25 av 30", 25),
    ("?page=99999999999999999999", "Viser 1–25 av 30", 25),
    ("?per_page=10&page=3", "Viser 21–30 av 30", 10),
    ("?per_page=1000", "Viser 1–25 av 30", 25),
])
def test_the_purchases_list_pages_newest_first_and_says_how_many(client, db, world, query, shown, rows):
    clone(db, world.purchase, 29)
    login(client, world.users["advisor"].email)
    response = client.get(f"/purchases{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _range(html, "purchase-range") == shown
    ids = [int(i) for i in re.findall(r'href="/purchases/(\d+)"', html)]
    assert len(ids) == rows
    assert ids == sorted(ids, reverse=True)


def test_the_purchases_list_pages_keep_the_page_size_and_count_only_the_units_rows(client, db, world):
    clone(db, world.purchase, 29)
    other = make_unit(db, world.state, name="Nav Annenby", kind="nav_office", municipal_entity_id=world.municipality.id)
    clone(db, world.purchase, 3, buyer_unit_id=other.id, budget_id=make_budget(db, other).id,
          course_id=make_course(db, make_unit(db, world.municipality, name="Annenby vo")).id)
    login(client, world.users["advisor"].email)
    html = client.get("/purchases?per_page=10").get_data(as_text=True)
    assert _range(html, "purchase-range") == "Viser 1–10 av 30"
    assert 'href="/purchases?per_page=10&amp;page=2"' in html
    # the provider sees the purchases on its courses, not those on other providers' courses
    client.post("/logout")
    login(client, world.users["provider_coordinator"].email)
    assert _range(client.get("/purchases").get_data(as_text=True), "purchase-range") == "Viser 1–25 av 30"
    make_user(db, "annenby@test.no", role=Role.advisor, unit=other)
    db.commit()
    client.post("/logout")
    login(client, "annenby@test.no")
    assert _range(client.get("/purchases").get_data(as_text=True), "purchase-range") == "Viser 1–3 av 3"


def test_the_requests_page_pages_each_list_on_its_own(client, db, world, offer_and_request):
    offer, req = offer_and_request
    clone(db, req, 29)
    clone(db, offer, 29, seats_held=0, seats_taken=0)
    login(client, world.users["provider_coordinator"].email)
    html = client.get("/capacity/requests?incoming_page=2").get_data(as_text=True)
    assert _range(html, "incoming-requests-range") == "Viser 26–30 av 30"
    assert _range(html, "unit-offers-range") == "Viser 1–25 av 30"
    # the offers' next page keeps the incoming list on its page
    assert 'href="/capacity/requests?incoming_page=2&amp;offers_page=2"' in html
    incoming = html.split('id="incoming-requests"', 1)[1].split("</table>", 1)[0]
    ids = [int(i) for i in re.findall(r'href="/capacity/requests/(\d+)"', incoming)]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True) and req.id in ids
    html = client.get("/capacity/requests?offers_page=2&incoming_page=x").get_data(as_text=True)
    assert _range(html, "incoming-requests-range") == "Viser 1–25 av 30"
    assert _range(html, "unit-offers-range") == "Viser 26–30 av 30"
    assert html.count('aria-label="Sider: ') == 2
    # the requesting unit sees its own requests, with the provider's name
    client.post("/logout")
    login(client, world.users["advisor"].email)
    html = client.get("/capacity/requests?mine_page=2").get_data(as_text=True)
    assert _range(html, "unit-requests-range") == "Viser 26–30 av 30"
    assert "incoming-requests" not in html
    assert world.adult_education.name in html.split('id="unit-requests"', 1)[1]
