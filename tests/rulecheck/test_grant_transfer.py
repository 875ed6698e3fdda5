"""Regelsjekk has a field for every grant and transfer fact the engine can ask for (issue 20 item 5): each field
writes its fact, "unknown" is left out (never "no"), an imported scenario round-trips through the form (and the
facts leave ``extra_facts``), and a missing grant or transfer fact's question links to its field."""
from __future__ import annotations

import html
import json
import re

import pytest

from contracts_app import rules
from contracts_app.rulecheck.facts_form import facts_from_form, form_data_from_facts
from contracts_app.rulecheck.forms import RulesCheckForm

from ..support import login


# The world is built once per module and every test runs in a savepoint rolled back after it (tests/conftest.py,
# module_world): each test still starts from the same fresh world, without building it again.
pytestmark = pytest.mark.shared_world()


BASE = {"reference_date": "2026-03-02", "buyer_entity": "other", "buyer_name": "Eksempel kommune", "buyer_entity_id": "NO-EKS",
        "buyer_legal_type": "municipality", "buyer_is_ca": "yes", "buyer_is_central": "no",
        "supplier_entity": "other", "supplier_name": "Kurs AS", "supplier_entity_id": "NO-KURS", "supplier_legal_type": "private",
        "supplier_is_ca": "no", "supplier_is_central": "no", "pecuniary": "yes", "category": "special_services",
        "base_nok": "900000"}

FACTS = {
    "schema_version": 1, "reference_date": "2026-03-02",
    "buyer": {"name": "Eksempel kommune", "entity_id": "NO-EKS", "legal_type": "municipality",
              "is_contracting_authority": True, "is_central_government": False},
    "supplier": {"name": "Kurs AS", "entity_id": "NO-KURS", "legal_type": "private",
                 "is_contracting_authority": False, "is_central_government": False},
    "contract": {"pecuniary": True, "category": "special_services", "value": {"base_nok": 900000}},
    "related_purchases": [],
}


def _export(client, data: dict) -> dict:
    response = client.post("/regelsjekk", data={**BASE, **data, "action": "export"})
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return json.loads(response.get_data(as_text=True))


@pytest.mark.parametrize("claim,field,value,path,expected", [
    ("grant_claimed", "grant_initiative", "authority", ("grant", "initiative"), "authority"),
    ("grant_claimed", "grant_initiative", "recipient", ("grant", "initiative"), "recipient"),
    ("grant_claimed", "grant_reciprocal", "yes", ("grant", "reciprocal_obligation"), True),
    ("grant_claimed", "grant_specifies_detail", "no", ("grant", "authority_specifies_detail"), False),
    ("grant_claimed", "grant_proportional", "yes", ("grant", "payment_proportional_to_delivery"), True),
    ("grant_claimed", "grant_sanction", "repayment", ("grant", "sanction"), "repayment"),
    ("grant_claimed", "grant_sanction", "contract_remedies", ("grant", "sanction"), "contract_remedies"),
    ("grant_claimed", "grant_standard_terms", "no", ("grant", "standard_terms_open_to_all"), False),
    ("transfer_claimed", "transfer_powers", "yes", ("transfer", "receiver_has_powers"), True),
    ("transfer_claimed", "transfer_independence", "no", ("transfer", "receiver_financial_independence"), False),
    ("transfer_claimed", "transfer_relinquishes", "yes", ("transfer", "transferor_relinquishes_responsibility"), True),
])
def test_each_grant_and_transfer_field_writes_its_fact(client, world, claim, field, value, path, expected):
    login(client, "legal@test.no")
    facts = _export(client, {claim: "y", field: value})
    block, key = path
    assert facts[block] == {key: expected}
    # the other claim was not made: its block is not sent, so the engine asks nothing about it
    assert ({"grant", "transfer"} - {block}).isdisjoint(facts)


@pytest.mark.parametrize("claim,block,fields", [
    ("grant_claimed", "grant", ["grant_initiative", "grant_reciprocal", "grant_specifies_detail", "grant_proportional",
                                "grant_sanction", "grant_standard_terms"]),
    ("transfer_claimed", "transfer", ["transfer_powers", "transfer_independence", "transfer_relinquishes"]),
])
def test_unknown_answers_are_left_out_and_an_unticked_claim_sends_nothing(client, world, claim, block, fields):
    login(client, "legal@test.no")
    claimed = _export(client, {claim: "y", **{f: "" for f in fields}})
    assert claimed[block] == {}  # the claim is made, every condition unknown: never "no"
    answered_but_unticked = _export(client, {f: "yes" for f in fields if f not in ("grant_initiative", "grant_sanction")})
    assert block not in answered_but_unticked


ROUND_TRIP = [
    {"grant": {"initiative": "recipient", "reciprocal_obligation": False, "authority_specifies_detail": False,
               "payment_proportional_to_delivery": True, "sanction": "repayment", "standard_terms_open_to_all": True}},
    {"grant": {"initiative": "authority", "sanction": "contract_remedies"}},
    {"grant": {}},
    {"transfer": {"receiver_has_powers": True, "receiver_financial_independence": False,
                  "transferor_relinquishes_responsibility": True}},
    {"grant": {"reciprocal_obligation": True}, "transfer": {"receiver_has_powers": False}},
]


@pytest.mark.parametrize("claims", ROUND_TRIP)
def test_imported_grant_and_transfer_facts_round_trip_through_the_form(app, claims):
    facts = {**FACTS, **claims}
    data, extra = form_data_from_facts(facts, {})
    assert "grant" not in extra and "transfer" not in extra
    with app.test_request_context():
        form = RulesCheckForm(formdata=None, data=data)
        back, problems = facts_from_form(form, {}, extra)
    assert problems == []
    for block in ("grant", "transfer"):
        assert back.get(block) == facts.get(block)
    assert rules.evaluate(back)["verdict"] == rules.evaluate(facts)["verdict"]


def test_an_imported_grant_is_shown_in_its_fields_and_not_kept_as_extra(client, world):
    login(client, "legal@test.no")
    facts = {**FACTS, **ROUND_TRIP[0], "future_block": {"kept": True}}
    page = client.post("/regelsjekk/import", data={"facts_text": json.dumps(facts)}).get_data(as_text=True)
    extra = json.loads(html.unescape(re.search(r'name="extra_facts" value="([^"]*)"', page).group(1)))
    assert extra == {"future_block": {"kept": True}}
    assert re.search(r'id="grant_claimed"[^>]*checked|checked[^>]*id="grant_claimed"', page)
    assert not re.search(r'id="transfer_claimed"[^>]*checked|checked[^>]*id="transfer_claimed"', page)
    for name, value in (("grant_initiative", "recipient"), ("grant_sanction", "repayment"), ("grant_reciprocal", "no"),
                        ("grant_proportional", "yes"), ("grant_standard_terms", "yes")):
        select = page.split(f'name="{name}"')[1].split("</select>")[0]
        assert f'selected value="{value}"' in select


@pytest.mark.parametrize("claims,field", [
    ({"grant": {}}, "grant_reciprocal"),
    ({"grant": {"reciprocal_obligation": True, "authority_specifies_detail": True}}, "grant_initiative"),
    ({"grant": {"reciprocal_obligation": True, "authority_specifies_detail": True}}, "grant_proportional"),
    ({"grant": {"reciprocal_obligation": True, "authority_specifies_detail": True}}, "grant_sanction"),
    ({"transfer": {}}, "transfer_powers"),
    ({"transfer": {"receiver_has_powers": True}}, "transfer_independence"),
    ({"transfer": {"receiver_has_powers": True, "receiver_financial_independence": True}}, "transfer_relinquishes"),
])
def test_a_missing_grant_or_transfer_fact_links_to_its_field(client, world, claims, field):
    login(client, "legal@test.no")
    page = client.post("/regelsjekk/import", data={"facts_text": json.dumps({**FACTS, **claims})}).get_data(as_text=True)
    assert f'href="#{field}"' in page
    assert f'id="{field}"' in page
    for raw in ("grant.", "transfer.", "missing_facts"):
        assert raw not in page.split('id="assessment"')[1].split("</section>")[0]


def test_nav_grant_price_type_asks_for_standard_terms_in_the_grant_section(client, world):
    """GRANT-03: Nav's price type "tilskudd" needs to know whether the place is on standard terms."""
    login(client, "legal@test.no")
    data = {"nav_buyer": "y", "nav_side": "state", "nav_price_type": "tilskudd", "nav_mode": "enkeltplass"}
    live = client.post("/regelsjekk/vurdering", data={**BASE, **data}).get_data(as_text=True)
    assert 'href="#grant_standard_terms"' in live
    answered = client.post("/regelsjekk/vurdering", data={**BASE, **data, "grant_claimed": "y", "grant_standard_terms": "yes"})
    assert 'href="#grant_standard_terms"' not in answered.get_data(as_text=True)
