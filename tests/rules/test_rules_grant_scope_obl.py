"""GRANT-01…03, SCOPE-01…03 and OBL-01…07."""

from __future__ import annotations

import pytest

from contracts_app.rules import evaluate

from .facts_factory import DELETE, cooperation, ids, municipal_pair, plain, run, seats

# --- GRANT ---------------------------------------------------------------------------------------

GRANT_LIKE = {
    "initiative": "recipient",
    "reciprocal_obligation": False,
    "authority_specifies_detail": False,
    "payment_proportional_to_delivery": False,
    "sanction": "repayment",
}


@pytest.mark.parametrize(
    ("changes", "verdict", "missing"),
    [
        ({}, "not_procurement_grant", []),  # 0 of 5 procurement indicators
        ({"reciprocal_obligation": True}, "not_procurement_grant", []),  # 1 of 5
        ({"reciprocal_obligation": True, "initiative": "authority"}, "needs_assessment", []),  # 2: ambiguous
        ({"reciprocal_obligation": True, "initiative": "authority", "sanction": "contract_remedies"}, "procurement_required", []),
        ({"reciprocal_obligation": None}, "not_procurement_grant", []),  # at most 1 even if unknown is true
        ({"reciprocal_obligation": True, "initiative": None}, "procurement_required", ["grant.initiative"]),
        ({"reciprocal_obligation": True, "initiative": "authority", "sanction": None}, "procurement_required", ["grant.sanction"]),
    ],
)
def test_grant_indicator_score(changes, verdict, missing):
    result = evaluate(municipal_pair({"grant": {**GRANT_LIKE, **changes}}))
    assert result["verdict"] == verdict
    assert "GRANT-02" in ids(result)
    assert result["missing_facts"] == missing


def test_ambiguous_grant_names_the_question():
    result = evaluate(municipal_pair({"grant": {**GRANT_LIKE, "reciprocal_obligation": True, "initiative": "authority"}}))
    assert result["verdict"] == "needs_assessment"
    assert ids(result)[0] == "GRANT-02"
    assert "Juridisk vurdering" in result["reasons"][0]["message"]


def test_ambiguous_grant_does_not_matter_below_scope():
    result = evaluate(
        municipal_pair({"grant": {**GRANT_LIKE, "reciprocal_obligation": True, "initiative": "authority"}, "contract.value.base_nok": 50_000})
    )
    assert result["verdict"] == "below_scope"
    assert "GRANT-02" not in ids(result)


@pytest.mark.parametrize(
    ("grant", "verdict", "missing"),
    [
        ({"standard_terms_open_to_all": True}, "not_procurement_grant", []),
        ({"standard_terms_open_to_all": False}, "procurement_required", []),
        # every indicator is unknown too, and knowing them could establish a grant (GRANT-02)
        ({"standard_terms_open_to_all": None}, "procurement_required",
         ["grant.standard_terms_open_to_all", "grant.reciprocal_obligation", "grant.initiative",
          "grant.authority_specifies_detail", "grant.payment_proportional_to_delivery", "grant.sanction"]),
        (None, "procurement_required", ["grant.standard_terms_open_to_all"]),
        ({"standard_terms_open_to_all": True, "reciprocal_obligation": True, "initiative": "authority",
          "authority_specifies_detail": True}, "procurement_required", []),
    ],
)
def test_nav_tilskudd_price_type(grant, verdict, missing):
    result = run({"nav.price_type": "tilskudd", "grant": grant, "contract.value.base_nok": 150_000})
    assert result["verdict"] == verdict
    assert "GRANT-03" in ids(result)
    assert result["missing_facts"] == missing


def test_tilskudd_label_with_procurement_substance_cites_grant01():
    result = run(
        {"nav.price_type": "tilskudd", "contract.value.base_nok": 150_000,
         "grant": {"standard_terms_open_to_all": True, "reciprocal_obligation": True, "initiative": "authority",
                   "authority_specifies_detail": True}}
    )
    assert "GRANT-01" in ids(result)


# --- SCOPE ---------------------------------------------------------------------------------------


def test_buyer_not_a_contracting_authority_is_outside_the_rules():
    result = evaluate(plain({"buyer.is_contracting_authority": False}))
    assert result["verdict"] == "exempt"
    assert ids(result) == ["SCOPE-01"]
    assert result["obligations"] == []


def test_no_pecuniary_interest_is_no_public_contract():
    result = evaluate(plain({"contract.pecuniary": False}))
    assert result["verdict"] == "exempt"
    assert ids(result) == ["SCOPE-01"]


@pytest.mark.parametrize(("path", "missing"), [("contract.pecuniary", "contract.pecuniary"), ("buyer.is_contracting_authority", "buyer.is_contracting_authority")])
def test_unknown_scope_fact_is_presumed_public_and_missing(path, missing):
    result = evaluate(plain({path: None}))
    assert result["verdict"] == "procurement_required"
    assert missing in result["missing_facts"]
    assert "SCOPE-01" in ids(result)


def test_unknown_pecuniary_is_not_reported_below_scope():
    result = run({"contract.pecuniary": None})
    assert result["verdict"] == "below_scope"
    assert result["missing_facts"] == []


def test_public_public_contract_cites_scope02_and_cost_only_scope03():
    result = evaluate(municipal_pair({"cooperation": cooperation(pricing="cost_reimbursement", public_interest_only=False)}))
    assert result["verdict"] == "procurement_required"
    assert ids(result)[:3] == ["SCOPE-01", "SCOPE-02", "SCOPE-03"]
    private = evaluate(plain())
    assert "SCOPE-02" not in ids(private)


# --- OBL -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "obligations"),
    [
        ({"contract.value.base_nok": 500_000}, ["OBL-01", "OBL-02", "OBL-03", "OBL-04", "OBL-07"]),
        ({"contract.value.base_nok": 1_500_000}, ["OBL-01", "OBL-03", "OBL-04", "OBL-06", "OBL-07"]),
        ({"contract.value.base_nok": 2_500_000, "contract.category": "goods"}, ["OBL-01", "OBL-03", "OBL-04", "OBL-06", "OBL-07"]),
        ({"contract.value.base_nok": 8_000_000, "contract.category": "health_social_services"}, ["OBL-01", "OBL-03", "OBL-04", "OBL-07"]),
        ({"contract.value": DELETE}, ["OBL-01", "OBL-03", "OBL-04", "OBL-07"]),
        ({"contract.value.base_nok": 50_000}, []),
    ],
)
def test_obligations_by_regime(changes, obligations):
    result = evaluate(plain(changes))
    assert ids(result, "obligations") == obligations


@pytest.mark.parametrize(
    ("regime_value", "section"),
    [(500_000, "§ 7-1"), (1_500_000, "§ 10-5"), (9_000_000, "§ 25-5")],
)
def test_protocol_names_the_section_of_the_regime(regime_value, section):
    result = evaluate(plain({"contract.value.base_nok": regime_value, "contract.category": "special_services"}))
    protocol = next(o for o in result["obligations"] if o["rule_id"] == "OBL-03")
    assert section in protocol["message"]


def test_announcement_obligation_names_doffin_and_ted():
    part3 = evaluate(plain({"contract.value.base_nok": 2_500_000, "contract.category": "goods"}))
    announcement = next(o for o in part3["obligations"] if o["rule_id"] == "OBL-06")
    assert "Doffin" in announcement["message"] and "TED" in announcement["message"]


@pytest.mark.parametrize(("protocol", "warned"), [(False, True), (True, False), (None, False)])
def test_missing_protocol_warning(protocol, warned):
    result = run({"related_purchases": seats("2026-01-01"), "docs": {"protocol": protocol}})
    assert ("OBL-03" in ids(result, "warnings")) is warned


def test_missing_protocol_is_no_warning_below_scope():
    result = run({"docs": {"protocol": False}})
    assert result["warnings"] == []


def test_exemption_assessment_warning_for_in_house():
    result = run({"buyer.entity_id": "NO-MUNI-EKS", "docs": {"exemption_assessment": False}})
    assert result["verdict"] == "exempt"
    assert ids(result, "warnings") == ["OBL-05"]
