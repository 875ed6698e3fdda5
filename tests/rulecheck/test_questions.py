"""Regelsjekk asks only what applies: "what is missing" as questions linking to their fields, no in-house section
for a private supplier, and the facts kept from an import read like any JSON body (no control characters)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from contracts_app.rulecheck.models import Scenario

from ..support import login

BASE = {"reference_date": "2026-03-02", "buyer_entity": "other", "buyer_name": "Eksempel kommune", "buyer_entity_id": "NO-EKS",
        "buyer_legal_type": "municipality", "buyer_is_ca": "yes", "buyer_is_central": "no", "pecuniary": "yes",
        "category": "special_services", "base_nok": "900000"}


def _supplier(legal_type: str) -> dict:
    return {"supplier_entity": "other", "supplier_name": "Kurs AS", "supplier_entity_id": "NO-KURS", "supplier_legal_type": legal_type,
            "supplier_is_ca": "no" if legal_type == "private" else "yes", "supplier_is_central": "no",
            # answers typed before the supplier was known to be private: not sent to the engine then
            "control": "sole", "supplier_activity_pct": "90"}


@pytest.mark.parametrize("legal_type,in_house_shown,asks_in_house", [
    ("private", False, False),
    ("public_body", True, True),
])
def test_in_house_questions_only_for_a_supplier_that_can_be_controlled(client, world, legal_type, in_house_shown, asks_in_house):
    login(client, "legal@test.no")
    page = client.post("/regelsjekk", data={**BASE, **_supplier(legal_type), "action": "assess"}).get_data(as_text=True)
    section = page.split('id="in-house"')[1].split(">")[0]
    assert (" hidden" not in section) is in_house_shown
    live = client.post("/regelsjekk/vurdering", data={**BASE, **_supplier(legal_type)}).get_data(as_text=True)
    # the activity basis is asked for (EXC-VERT-02) only when in-house can apply, as a question linking to its field
    assert ('href="#supplier_activity_basis"' in live) is asks_in_house
    assert "EXC-VERT" not in live if not asks_in_house else "EXC-VERT" in live
    for raw in ("supplier.activity_basis", "missing_facts", "contract.value"):
        assert raw not in live


def test_the_private_entities_are_known_to_the_script(client, world):
    login(client, "legal@test.no")
    page = client.get("/regelsjekk").get_data(as_text=True)
    assert 'data-private-entities="' in page and 'data-hide-when-private="supplier_entity"' in page


@pytest.mark.parametrize("extra,status", [
    ('{"note": "a\\u0000b"}', 422),  # a NUL escape never reaches the database (PostgreSQL refuses it)
    ('{"note": "a\\u0007b"}', 422),
    ("[" * 80 + "]" * 80, 422),  # nested too deeply
    ("{not json", 302),  # unreadable: ignored, the scenario is saved without it
    ('{"note": "fine"}', 302),
])
def test_extra_facts_are_read_like_any_json_body(client, db, world, extra, status):
    login(client, "legal@test.no")
    before = db.scalar(select(func.count()).select_from(Scenario))
    r = client.post("/regelsjekk", data={**BASE, **_supplier("private"), "extra_facts": extra, "action": "save",
                                         "scenario_name": "Med ekstra"})
    assert r.status_code == status
    after = db.scalar(select(func.count()).select_from(Scenario))
    assert after == before + (1 if status == 302 else 0)
    if status == 422:
        assert "kontrolltegn" in r.get_data(as_text=True) or "nøstet" in r.get_data(as_text=True)
    live = client.post("/regelsjekk/vurdering", data={**BASE, **_supplier("private"), "extra_facts": extra})
    assert live.status_code == 200


def test_a_saved_scenario_keeps_its_extra_facts(client, db, world):
    login(client, "legal@test.no")
    # a block the form has no field for (a newer schema) is carried along; grant and transfer now have fields
    extra = json.dumps({"future_block": {"kept": True}})
    form = {**BASE, **_supplier("private"), "grant_claimed": "y", "grant_initiative": "recipient"}
    r = client.post("/regelsjekk", data={**form, "extra_facts": extra, "action": "save", "scenario_name": "Tilskudd"})
    assert r.status_code == 302
    scenario = db.scalar(select(Scenario).where(Scenario.name == "Tilskudd"))
    assert scenario.facts["future_block"] == {"kept": True} and "relationship" not in scenario.facts
    assert scenario.facts["grant"] == {"initiative": "recipient"}
