"""The agreement list: filters in the database, a count of every match, and pages (25 a page by default)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from contracts_app import clock
from contracts_app.agreements.models import Agreement, AgreementKind, AgreementParty
from contracts_app.agreements.states import AgreementStatus as S

from ..support import login


def _many(db, world, n: int, *, oldest: dict | None = None) -> None:
    """``n`` drafts of the adult-education unit, "Avtale 000" changed last; ``oldest`` overrides the oldest one's fields."""
    unit, user, now = world.adult_education, world.users["provider_coordinator"], clock.now()
    for i in range(n):
        fields = {"status": S.draft, "title": f"Avtale {i:03d}", **(oldest if oldest and i == n - 1 else {})}
        a = Agreement(kind=AgreementKind.cooperation, version=1, cpv_codes=[], option_plan=[], option_scheme="none",
                      created_by_id=user.id, created_at=now, updated_at=now - dt.timedelta(minutes=i), **fields)
        a.parties = [AgreementParty(position=0, role="partner", unit_id=unit.id, legal_entity_id=unit.legal_entity_id,
                                    name=unit.legal_entity.name, org_number=unit.legal_entity.org_number)]
        db.add(a)
    db.commit()


def _titles(html: str) -> list[str]:
    return re.findall(r">(Avtale \d{3})</a>", html)


def test_a_long_list_shows_the_count_and_the_next_page_shows_the_rest(client, db, world):
    _many(db, world, 30)
    login(client, world.users["provider_coordinator"].email)
    first = client.get("/agreements").get_data(as_text=True)
    assert "30 avtaler passer til søket." in first
    assert _titles(first) == [f"Avtale {i:03d}" for i in range(25)]
    assert '<nav class="pagination actions" aria-label="Sider">' in first
    assert '<span aria-current="page">Side 1 av 2</span>' in first and "Forrige side" not in first
    second = client.get("/agreements?page=2").get_data(as_text=True)
    assert _titles(second) == [f"Avtale {i:03d}" for i in range(25, 30)]
    assert "Side 2 av 2" in second and "Neste side" not in second and "Forrige side" in second


def test_filters_apply_before_paging_and_reach_past_the_old_limit_of_200(client, db, world):
    _many(db, world, 205, oldest={"status": S.active, "title": "Avtale 999"})
    login(client, world.users["provider_coordinator"].email)
    html = client.get("/agreements?status=active").get_data(as_text=True)
    assert "1 avtale passer til søket." in html and _titles(html) == ["Avtale 999"]
    assert "Side 1 av" not in html  # one page: no navigation
    last = client.get("/agreements?page=9").get_data(as_text=True)
    assert "205 avtaler passer til søket." in last and "Avtale 999" in _titles(last) and len(_titles(last)) == 5


def test_the_page_links_keep_the_filters(client, db, world):
    _many(db, world, 30)
    login(client, world.users["provider_coordinator"].email)
    html = client.get("/agreements?kind=cooperation&per_page=10").get_data(as_text=True)
    assert "Side 1 av 3" in html and len(_titles(html)) == 10
    assert 'href="/agreements?kind=cooperation&amp;per_page=10&amp;page=2"' in html


@pytest.mark.parametrize("query,page", [("page=abc", 1), ("page=0", 1), ("page=-3", 1), ("page=99", 2), ("per_page=100000", 1),
                                        ("per_page=x&page=2", 2), ("status=nonsense", 1)])
def test_a_bad_page_or_filter_value_is_not_an_error(client, db, world, query, page):
    _many(db, world, 30)
    login(client, world.users["provider_coordinator"].email)
    r = client.get(f"/agreements?{query}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f"Side {page} av 2" in html
    assert "Not a valid choice" not in html  # WTForms' own messages in the reader's language too
