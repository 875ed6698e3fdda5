"""Issue 19 on the agreement pages: ids in query strings are bounded, and a version the agreement does not have
gives the default comparison with a message, never a 404 or a 500."""
from __future__ import annotations

import pytest

from ..support import login
from .helpers import input_value, make_agreement

HUGE = "9" * 30

VERSIONS = [
    # query, the pair compared (None = the latest two), whether the page says the version does not exist
    ("", None, False),
    ("?a=1&b=2", (1, 2), False),
    ("?a=2&b=1", (2, 1), False),
    ("?a=99&b=1", None, True),
    (f"?a={HUGE}", None, True),
    ("?a=2147483648", None, True),
    ("?a=0&b=-1", None, True),
    ("?a=abc&b=1.5", None, True),
    ("?a=%EF%BC%91", None, True),  # a full-width digit one: not an ASCII number
    ("?b=", None, False),
]


@pytest.mark.parametrize("query,pair,refused", VERSIONS, ids=[q or "none" for q, _p, _r in VERSIONS])
def test_the_versions_page_compares_only_versions_the_agreement_has(client, db, world, query, pair, refused):
    a = make_agreement(db, world)
    login(client, world.users["provider_coordinator"].email)
    r = client.get(f"/agreements/{a.id}/versions{query}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    first, second = pair or (a.version - 1, a.version)
    assert f"Endringer fra versjon {first} til versjon {second}" in html
    assert ("Avtalen har ingen slik versjon" in html) == refused


@pytest.mark.parametrize("query", [f"?party={HUGE}", "?party=-1&party=0", "?party=abc", "?party=2147483648", "?party=%EF%BC%91"])
def test_the_new_agreement_page_ignores_party_ids_out_of_bounds(client, db, world, query):
    login(client, world.users["provider_coordinator"].email)
    r = client.get("/agreements/new" + query)
    assert r.status_code == 200
    # only the user's own unit is prefilled
    html = r.get_data(as_text=True)
    keys = [input_value(html, f"parties-{i}-who_key") for i in range(3)]
    assert keys == [f"u:{world.adult_education.id}", "", None]  # two rows, the second empty


def test_the_new_agreement_page_prefills_a_party_named_in_bounds(client, db, world):
    login(client, world.users["provider_coordinator"].email)
    html = client.get(f"/agreements/new?party={world.state.id}&party={HUGE}").get_data(as_text=True)
    # the user's own unit first, then the legal person named
    assert [input_value(html, f"parties-{i}-who_key") for i in (0, 1)] == [f"u:{world.adult_education.id}", f"e:{world.state.id}"]
