"""Issue 22: the wizard's party field is searchable (server-side suggestions) instead of a choice of every unit.

The new-agreement page stays the same size however many units are registered; the suggestions endpoint answers
at most 20, by name, organisation number or municipality, only to those who may draft agreements; without
script the typed text is resolved on the server, and a text that names no party or several is a message on the
field with the input kept."""
from __future__ import annotations

import pytest

from contracts_app.agreements import party_lookup
from contracts_app.agreements.models import Agreement
from contracts_app.organisations.models import Unit, UnitKind

from ..factories import make_entity
from ..support import login
from .helpers import input_value, make_agreement


def add_units(db, world, n: int, name: str = "Kursenhet") -> list[Unit]:
    """``n`` more active units of the test municipality, named "<name> 000" …"""
    units = [Unit(name=f"{name} {i:03d}", kind=UnitKind.adult_education, legal_entity_id=world.municipality.id,
                  municipality_number="5001", is_active=True) for i in range(n)]
    db.add_all(units)
    db.commit()
    return units


def _search(client, q: str, **extra):
    return client.get("/agreements/parties/search", query_string={"q": q, **extra})


def test_the_new_agreement_page_does_not_grow_with_the_units(client, db, world):
    login(client, world.users["provider_coordinator"].email)
    before = client.get("/agreements/new")
    add_units(db, world, 150)
    after = client.get("/agreements/new")
    html = after.get_data(as_text=True)
    assert before.status_code == after.status_code == 200
    assert "Kursenhet" not in html and "<option value=\"u:" not in html  # no unit sent as a choice
    assert abs(len(after.data) - len(before.data)) < 200 and len(after.data) < 40_000
    # the field is a searchable text field, with its suggestions' address and the hidden key beside it
    assert 'data-search-url="/agreements/parties/search"' in html and 'name="parties-0-who_key"' in html
    assert "combobox.js" in html


@pytest.mark.parametrize("q,expected", [
    ("kursenhet 01", [f"Kursenhet {i:03d} (Testvik kommune)" for i in range(10, 20)]),  # a part of the name, any case
    ("KURSENHET 007", ["Kursenhet 007 (Testvik kommune)"]),
    ("trondheim", [f"Kursenhet {i:03d} (Testvik kommune)" for i in range(20)]),  # the municipality (5001) by name
])
def test_search_finds_units_by_name_and_municipality(client, db, world, q, expected):
    add_units(db, world, 25)
    login(client, world.users["budget_owner"].email)
    r = _search(client, q)
    assert r.status_code == 200 and r.is_json
    data = r.get_json()
    assert [x["label"] for x in data["results"]] == expected
    assert data["more"] is (q == "trondheim")  # 25 fit: 20 are sent, and it says there are more
    assert all(x["key"].startswith("u:") for x in data["results"])


def test_search_finds_a_legal_person_by_its_organisation_number(client, db, world):
    entity = make_entity(db, name="Fjellvik AS", legal_type="private", is_contracting_authority=False)
    db.commit()
    number = entity.org_number
    login(client, world.users["provider_coordinator"].email)
    results = _search(client, f"{number[:3]} {number[3:]}").get_json()["results"]  # as written with a space
    assert [(x["key"], x["label"]) for x in results] == [(f"e:{entity.id}", f"Fjellvik AS ({number})")]
    assert results[0]["detail"].startswith(number)


@pytest.mark.parametrize("q", ["", "   ", "x" * 201, "zzz-nothing-fits"])
def test_search_answers_nothing_for_empty_too_long_or_unknown_text(client, db, world, q):
    login(client, world.users["provider_coordinator"].email)
    r = _search(client, q)
    assert r.status_code == 200 and r.get_json()["results"] == [] and r.get_json()["more"] is False


def test_search_as_html_lists_the_suggestions(client, db, world):
    add_units(db, world, 3)
    login(client, world.users["provider_coordinator"].email)
    html = _search(client, "kursenhet", format="html").get_data(as_text=True)
    assert html.count('role="option"') == 3 and 'data-key="u:' in html and 'role="listbox"' in html


@pytest.mark.parametrize("who,status", [("advisor", 403), ("provider_coordinator", 200), ("budget_owner", 200),
                                        ("legal_reviewer", 200), ("admin", 403), (None, 302)])
def test_search_is_for_those_who_draft_agreements(client, db, world, who, status):
    if who:
        login(client, world.users[who].email if who != "admin" else "admin@test.no")
    assert _search(client, "testvik").status_code == status


def test_search_runs_the_same_statements_with_few_units_as_with_many(client, db, world, count_statements):
    login(client, world.users["provider_coordinator"].email)
    add_units(db, world, 2)
    db.expunge_all()
    with count_statements() as few:
        assert len(_search(client, "kursenhet").get_json()["results"]) == 2
    add_units(db, world, 60, name="Kursenhet B")
    db.expunge_all()
    with count_statements() as many:
        assert len(_search(client, "kursenhet").get_json()["results"]) == party_lookup.LIMIT
    assert len(many) <= len(few) <= 4, "\n".join(few)  # the user, the units, the legal persons (not needed once 20 units fit)


def _new(client, world, **parties):
    data = {"kind": "cooperation", "title": "Samarbeid", "parties-0-who": f"u:{world.nav_office.id}", "parties-0-nav_side": "state",
            "parties-0-role": "partner", "parties-1-role": "partner"}
    data.update({f"parties-1-{k}": v for k, v in parties.items()})
    return client.post("/agreements/new", data=data)


@pytest.mark.parametrize("typed,key,made", [
    ("Testvik voksenopplæring", "", "unit"),  # the unit's name, typed without script
    ("testvik voksenopplæring (testvik kommune)", "", "unit"),  # its label, any case
    ("anything", "u:{unit}", None),  # a stale key with another text: the text decides (and names nobody)
    ("Testvik voksenopplæring (Testvik kommune)", "u:{unit}", "unit"),  # picked from the suggestions
    ("{org}", "", "entity"),  # the legal person's organisation number
])
def test_the_server_resolves_what_was_typed(client, db, world, typed, key, made):
    login(client, world.users["provider_coordinator"].email)
    fill = {"unit": world.adult_education.id, "org": world.municipality.org_number}
    r = _new(client, world, who=typed.format(**fill), who_key=key.format(**fill))
    if made is None:
        assert r.status_code == 422
        return
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    a = db.get(Agreement, int(r.location.split("/agreements/")[1].split("/")[0]))
    party = a.parties[1]
    if made == "unit":
        assert party.unit_id == world.adult_education.id
    else:
        assert party.unit_id is None and party.legal_entity_id == world.municipality.id


@pytest.mark.parametrize("typed,message", [
    ("Ingen slik enhet", "Ingen registrert enhet eller organisasjon passer"),
    ("Kursenhet", "Flere registrerte parter passer: Kursenhet 000 (Testvik kommune); Kursenhet 001 (Testvik kommune)"),
])
def test_an_unknown_or_ambiguous_party_is_a_message_on_the_field_with_the_input_kept(client, db, world, typed, message):
    add_units(db, world, 7)
    login(client, world.users["provider_coordinator"].email)
    r = _new(client, world, who=typed)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in html and 'id="parties-1-who-error"' in html and 'href="#parties-1-who"' in html  # field and summary
    assert input_value(html, "parties-1-who") == typed and input_value(html, "parties-1-who_key") == ""
    assert 'aria-invalid="true"' in html.split('id="parties-1-who"')[0].rsplit("<input", 1)[1] + html.split('id="parties-1-who"')[1].split(">")[0]
    assert db.query(Agreement).count() == 0


def test_the_parties_step_shows_the_saved_parties_and_offers_only_their_units_as_covered(client, db, world):
    add_units(db, world, 5, name="Annen enhet")
    other = make_entity(db, name="Langt unna kommune", legal_type="municipality")
    db.add(Unit(name="Fjern enhet", kind=UnitKind.adult_education, legal_entity_id=other.id, is_active=True))
    db.commit()
    a = make_agreement(db, world, kind="cooperation")
    login(client, world.users["provider_coordinator"].email)
    html = client.get(f"/agreements/{a.id}/edit/parties").get_data(as_text=True)
    assert input_value(html, "parties-0-who_key") == f"u:{world.nav_office.id}"
    assert input_value(html, "parties-1-who") == f"{world.adult_education.name} ({world.municipality.name})"
    assert "Annen enhet 004 (Testvik kommune)" in html  # a unit of a buying party's legal person
    assert "Fjern enhet" not in html  # not every unit in the country
