"""Places by name (organisations/places.py, place_fields.py): the shipped list of municipalities and counties,
names and numbers both ways, the form fields, and the pages that take and show places."""
from __future__ import annotations

import csv
import io
import tomllib
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from contracts_app.organisations import places
from contracts_app.organisations.models import Unit

from ..factories import make_course, make_unit
from ..support import login

ROOT = Path(__file__).resolve().parents[2]


# --- the shipped list ---------------------------------------------------------------------------------------

def test_the_official_list_ships_as_package_data_and_is_whole():
    data = resources.files("contracts_app.organisations").joinpath("data", places.DATA_FILE)
    rows = list(csv.DictReader(io.StringIO(data.read_text(encoding="utf-8"))))
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["contracts_app"]
    assert any(fnmatch(f"organisations/data/{places.DATA_FILE}", pattern) for pattern in package_data)
    loaded = places.places()
    assert len(rows) == len(loaded.municipalities) == 357
    assert sorted(loaded.counties) == ["03", "11", "15", "18", "31", "32", "33", "34", "39", "40", "42", "46", "50", "55", "56"]
    assert all(m.number.startswith(m.county.number) for m in loaded.municipalities.values())
    assert places.places() is loaded  # read once


@pytest.mark.parametrize("bad", [
    "municipality_number,municipality_name,county_number,county_name\n301,Oslo,03,Oslo\n",  # leading zero lost
    "municipality_number,municipality_name,county_number,county_name\n0301,Oslo,11,Rogaland\n",  # wrong county
])
def test_a_damaged_list_is_refused_not_half_read(bad):
    with pytest.raises(ValueError):
        places.parse(bad)


# --- what was typed → the number ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed,number", [
    ("Oslo", "0301"), ("oslo", "0301"), ("  OSLO ", "0301"), ("0301", "0301"), ("Oslo (0301)", "0301"),
    ("Bergen kommune", "4601"), ("Voss herad", "4621"), ("Trondh", "5001"),  # suffixes; a unique start
    ("Hamar", "3403"),  # exact, though Hamarøy starts the same
    ("Ås", "3218"), ("Bø", "1867"),  # short names are exact names
    ("herøy (nordland)", "1818"), ("Herøy (Møre og Romsdal) (1515)", "1515"),
    # the Norwegian form of a Sami/Kven double name (the list keeps one form: data/municipalities-2024.md)
    ("Hattfjelldal", "1826"), ("Aarborte", "1826"), ("Hamarøy", "1875"), ("Tjeldsund", "5512"), ("Karasjok", "5610"),
    ("Kautokeino", "5612"), ("Tana", "5628"), ("Deatnu-Tana", "5628"), ("Nesseby", "5636"), ("Snåsa", "5041"),
    ("Røyrvik", "5043"), ("Kåfjord", "5540"), ("Lavangen", "5518"), ("Storfjord", "5538"), ("Porsanger", "5622"),
    ("karasjohka", "5610"),  # without the accents
])
def test_a_municipality_is_found_by_name_or_number(typed, number):
    assert places.find_municipality(typed) == number


@pytest.mark.parametrize("typed,error,candidates", [
    ("abc", places.PlaceNotFound, []),
    ("9901", places.PlaceNotFound, []),  # a number the list does not know
    ("030", places.PlaceWrongLength, []),
    ("03011", places.PlaceWrongLength, []),
    ("Oslo (0302)", places.PlaceNotFound, []),  # the number in brackets decides
    ("kommune", places.PlaceNotFound, []),
    ("x" * 200, places.PlaceNotFound, []),
    ("Herøy", places.PlaceAmbiguous, ["1515", "1818"]),
    ("Våler", places.PlaceAmbiguous, ["3419", "3114"]),
    ("Kris", places.PlaceAmbiguous, ["4204", "1505"]),
])
def test_an_unknown_or_ambiguous_municipality_is_refused(typed, error, candidates):
    with pytest.raises(error) as info:
        places.find_municipality(typed)
    assert type(info.value) is error
    assert [p.number for p in info.value.candidates] == candidates


@pytest.mark.parametrize("typed,number", [
    ("Oslo", "03"), ("03", "03"), ("Rogaland fylke", "11"), ("vestland fylkeskommune", "46"), ("Troms", "55"),
    ("Trø", "50"), ("Vestland (46)", "46"),
])
def test_a_county_is_found_by_name_or_number(typed, number):
    assert places.find_county(typed) == number


@pytest.mark.parametrize("typed,error", [
    ("99", places.PlaceNotFound), ("3", places.PlaceWrongLength), ("0301", places.PlaceWrongLength),
    ("Viken", places.PlaceNotFound), ("Vest", places.PlaceAmbiguous),
])
def test_an_unknown_or_ambiguous_county_is_refused(typed, error):
    with pytest.raises(error):
        places.find_county(typed)


def test_a_number_kept_from_the_record_is_accepted_though_the_list_does_not_know_it():
    assert places.find_municipality("9901", keep={"9901"}) == "9901"
    with pytest.raises(places.PlaceNotFound):
        places.find_municipality("9902", keep={"9901"})


@pytest.mark.parametrize("number,name,label", [
    ("0301", "Oslo", "Oslo (0301)"), ("5628", "Deatnu – Tana", "Deatnu – Tana (5628)"),
    ("9901", "9901", "9901"),  # an invented demo place: its number
    (None, "", ""), ("", "", ""),
])
def test_pages_show_names_for_stored_numbers(number, name, label):
    assert places.municipality_name(number) == name
    assert places.municipality_label(number) == label


def test_county_names():
    assert (places.county_name("46"), places.county_label("03"), places.county_name("99"), places.county_name(None)) == (
        "Vestland", "Oslo (03)", "99", "")


# --- the form fields ------------------------------------------------------------------------------------------

def _field(app, kind, value, keep=()):
    from contracts_app.formbase import Form
    from contracts_app.organisations.place_fields import CountyField, MunicipalityField

    class PlaceForm(Form):
        place = MunicipalityField() if kind == "municipality" else CountyField()

    from flask import request

    with app.test_request_context(method="POST", data={} if value is None else {"place": value}):
        form = PlaceForm(request.form) if value is not None else PlaceForm(formdata=None, data={"place": "0301"})
        form.place.keep = set(keep)
        form.place.validate(form)
        return form.place.data, [str(e) for e in form.place.errors], str(form.place())


@pytest.mark.parametrize("kind,typed,data,errors,shown", [
    ("municipality", "oslo", "0301", [], 'value="Oslo (0301)"'),  # what was found, as the suggestions show it
    ("municipality", "", None, [], 'value=""'),
    ("municipality", "Osloo", None, ["Ingen kommune heter eller har nummeret «Osloo». Velg en fra listen."], 'value="Osloo"'),
    ("municipality", "Herøy", None,
     ["«Herøy» passer til flere kommuner: Herøy (Møre og Romsdal) (1515), Herøy (Nordland) (1818). Skriv mer av navnet, eller nummeret."],
     'value="Herøy"'),
    ("municipality", "S", None, None, 'value="S"'),  # many: the first five "and n more"
    ("municipality", "12", None, ["Et kommunenummer har 4 sifre."], 'value="12"'),
    ("municipality", "Os\x1blo", "Os\x1blo", ["Teksten inneholder kontrolltegn som ikke er tillatt."], None),
    ("county", "trøndelag", "50", [], 'value="Trøndelag (50)"'),
    ("county", "Nordland fylke", "18", [], 'value="Nordland (18)"'),
    ("county", "Østlandet", None, ["Ingen fylke heter eller har nummeret «Østlandet». Velg et fra listen."], 'value="Østlandet"'),
])
def test_place_fields_return_the_number_and_say_what_is_wrong(app, kind, typed, data, errors, shown):
    value, messages, html = _field(app, kind, typed)
    assert value == data
    if errors is None:
        assert len(messages) == 1 and " og " in messages[0] and messages[0].count("(") == 5, messages
    elif kind == "municipality" and "\x1b" in typed:
        assert len(messages) == 1 and "kontrolltegn" in messages[0], messages  # the one message formbase gives
    else:
        assert messages == errors
    if shown:
        assert shown in html
    assert 'list="place-places"' in html and '<datalist id="place-places">' in html


def test_a_field_shows_a_stored_number_by_name_and_suggests_every_place(app):
    value, messages, html = _field(app, "municipality", None)
    assert value == "0301" and messages == [] and 'value="Oslo (0301)"' in html
    assert html.count("<option ") == 357 and '<option value="Deatnu – Tana (5628)"></option>' in html


def test_a_field_keeps_a_stored_number_the_list_does_not_know(app):
    assert _field(app, "municipality", "9901", keep={"9901"})[:2] == ("9901", [])
    assert _field(app, "municipality", "9901")[1] == ["Ingen kommune heter eller har nummeret «9901». Velg en fra listen."]


# --- pages ----------------------------------------------------------------------------------------------------

UNIT = {"name": "Nyby voksenopplæring", "kind": "adult_education", "is_active": "y", "municipal_entity_id": "None"}


@pytest.mark.parametrize("typed,status,stored,message", [
    ("Kautokeino", 302, "5612", None),
    ("5612", 302, "5612", None),
    ("Guovdageaidnu – Kautokeino (5612)", 302, "5612", None),
    ("", 302, None, None),
    ("Kautokeinoo", 422, None, "Ingen kommune heter eller har nummeret «Kautokeinoo»."),
    ("Sør", 422, None, "«Sør» passer til flere kommuner:"),
], ids=["name", "number", "suggestion", "empty", "unknown", "ambiguous"])
def test_a_unit_is_registered_with_its_place_by_name(client, db, world, typed, status, stored, message):
    login(client, "admin@test.no")
    response = client.post("/admin/organisations/units/new",
                           data={**UNIT, "legal_entity_id": world.municipality.id, "municipality_number": typed})
    assert response.status_code == status
    unit = db.scalar(select(Unit).where(Unit.name == UNIT["name"]))
    if status == 302:
        assert unit.municipality_number == stored
    else:
        html = response.get_data(as_text=True)
        assert unit is None and message in html and f'value="{typed}"' in html and 'id="municipality_number-error"' in html


def test_unit_pages_show_the_place_by_name_and_keep_an_unknown_stored_number(client, db, world):
    unit = make_unit(db, world.municipality, name="Nyby læringssenter", municipality_number="9901")  # an invented demo place
    named = make_unit(db, world.municipality, name="Karasjok læringssenter", municipality_number="5610")
    db.commit()
    login(client, "admin@test.no")
    assert "Kárášjohka – Karasjok" in client.get("/admin/organisations/").get_data(as_text=True)
    page = client.get(f"/admin/organisations/units/{named.id}").get_data(as_text=True)
    assert 'value="Kárášjohka – Karasjok (5610)"' in page
    data = {**UNIT, "name": "Nyby læringssenter", "legal_entity_id": world.municipality.id, "municipality_number": "9901"}
    assert client.post(f"/admin/organisations/units/{unit.id}", data=data).status_code == 302  # saved again unchanged
    assert client.post(f"/admin/organisations/units/{unit.id}", data={**data, "municipality_number": "9902"}).status_code == 422
    db.expire_all()
    assert db.get(Unit, unit.id).municipality_number == "9901"


@pytest.mark.parametrize("query,found,message", [
    ("municipality=Oslo", True, None),
    ("municipality=oslo+kommune", True, None),
    ("municipality=0301", True, None),
    ("municipality=Oslo+%280301%29", True, None),
    ("municipality=Bergen", False, None),
    ("municipality=abc", True, "Ingen kommune heter eller har nummeret «abc». Velg en fra listen."),  # shown, not silently ignored
    ("municipality=Sande", False, None),
])
def test_search_courses_by_place_name(client, db, world, query, found, message):
    make_course(db, world.adult_education, title="Norsk i Oslo", municipality_number="0301")
    db.commit()
    login(client, "advisor@test.no")
    response = client.get(f"/courses/?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("Norsk i Oslo" in html) is found
    if message:
        assert message in html and 'aria-invalid="true"' in html and 'value="abc"' in html
    else:
        assert 'aria-invalid="true"' not in html
    assert '<datalist id="municipality-places">' in html


def test_course_pages_take_and_show_the_place_by_name(client, db, world):
    course = make_course(db, world.adult_education, title="Norsk på Snåsa", municipality_number="5041")
    db.commit()
    login(client, "coordinator@test.no")
    assert "(kommune Snåase – Snåsa)" in client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert 'value="Snåase – Snåsa (5041)"' in client.get(f"/courses/{course.id}/edit").get_data(as_text=True)
