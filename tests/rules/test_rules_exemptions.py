"""EXC-*: in-house, extended in-house, horizontal cooperation, transfer of competences, burden of proof."""

from __future__ import annotations

import pytest

from contracts_app.rules import evaluate

from .facts_factory import DELETE, MUNICIPAL_BUYER_ID, MUNICIPAL_SUPPLIER_ID, cooperation, ids, municipal_pair

COMPANY = {
    "name": "Kommunalt AS",
    "entity_id": "920000001",
    "legal_type": "mixed_company",
    "is_contracting_authority": True,
    "is_central_government": False,
    "direct_private_capital": False,
    "activity_for_controllers_pct": 90,
    "activity_basis": "avg_turnover_3y",
}


def in_house(changes: dict | None = None) -> dict:
    """A municipality buying from a company it controls; every EXC-VERT-01 condition holds."""
    base = {"supplier": COMPANY, "relationship": {"control": "sole", "inverse_or_sister": False}}
    return municipal_pair({**base, **(changes or {})})


# --- EXC-VERT ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pct", "verdict"),
    [(80, "procurement_required"), ("80.0", "procurement_required"), (80.1, "exempt"), ("80.01", "exempt"), (100, "exempt")],
)
def test_more_than_80_percent_activity(pct, verdict):
    result = evaluate(in_house({"supplier.activity_for_controllers_pct": pct}))
    assert result["verdict"] == verdict
    assert "EXC-VERT-01" in ids(result)


def test_sole_control_established_lists_the_three_criteria():
    result = evaluate(in_house())
    assert result["verdict"] == "exempt"
    assert ids(result)[-3:] == ["EXC-VERT-01", "EXC-VERT-05", "EXC-VERT-06"]
    assert ids(result, "obligations") == ["OBL-05"]
    assert result["missing_facts"] == []


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"supplier.activity_for_controllers_pct": None}, ["supplier.activity_for_controllers_pct"]),
        ({"supplier.direct_private_capital": None}, ["supplier.direct_private_capital"]),
        ({"supplier.activity_basis": None}, ["supplier.activity_basis"]),
        ({"relationship.control": "unknown"}, ["relationship.control"]),
        ({"relationship.control": None}, ["relationship.control"]),
    ],
)
def test_unknown_in_house_condition_is_not_exempt_and_is_missing(changes, missing):
    result = evaluate(in_house(changes))
    assert result["verdict"] == "procurement_required"
    assert set(missing) <= set(result["missing_facts"])
    assert "EXC-BURDEN-01" in ids(result)


def test_private_capital_excludes_in_house_unless_required_by_law():
    private = evaluate(in_house({"supplier.direct_private_capital": True, "supplier.private_capital_required_by_law_noncontrolling": False}))
    assert private["verdict"] == "procurement_required"
    assert "EXC-VERT-06" in ids(private)
    by_law = evaluate(in_house({"supplier.direct_private_capital": True, "supplier.private_capital_required_by_law_noncontrolling": True}))
    assert by_law["verdict"] == "exempt"
    unknown = evaluate(in_house({"supplier.direct_private_capital": True}))
    assert unknown["verdict"] == "procurement_required"
    assert "supplier.private_capital_required_by_law_noncontrolling" in unknown["missing_facts"]


@pytest.mark.parametrize(
    ("joint", "verdict", "missing"),
    [
        ({"representation_all": True, "joint_decisive_influence": True, "no_contrary_interests": True}, "exempt", []),
        ({"representation_all": False, "joint_decisive_influence": True, "no_contrary_interests": True}, "procurement_required", []),
        ({"representation_all": True, "joint_decisive_influence": None, "no_contrary_interests": True}, "procurement_required",
         ["relationship.joint_control.joint_decisive_influence"]),
        (None, "procurement_required", ["relationship.joint_control.representation_all",
                                        "relationship.joint_control.joint_decisive_influence",
                                        "relationship.joint_control.no_contrary_interests"]),
    ],
)
def test_joint_control(joint, verdict, missing):
    result = evaluate(in_house({"relationship.control": "joint", "relationship.joint_control": joint}))
    assert result["verdict"] == verdict
    assert "EXC-VERT-03" in ids(result)
    assert result["missing_facts"] == missing


def test_inverse_or_sister_award():
    result = evaluate(in_house({"relationship": {"control": "none", "inverse_or_sister": True}}))
    assert result["verdict"] == "exempt"
    assert "EXC-VERT-04" in ids(result)
    unknown = evaluate(in_house({"relationship": {"control": "none"}}))
    assert unknown["verdict"] == "procurement_required"
    assert unknown["missing_facts"] == ["relationship.inverse_or_sister"]


def test_no_control_rejects_in_house():
    result = evaluate(in_house({"relationship": {"control": "none", "inverse_or_sister": False}}))
    assert result["verdict"] == "procurement_required"
    assert {"EXC-VERT-01", "EXC-VERT-07"} <= set(ids(result))
    assert result["missing_facts"] == []


def test_state_versus_municipality_never_in_house_even_when_control_is_claimed():
    result = evaluate(
        in_house({"buyer": {"name": "Arbeids- og velferdsetaten", "entity_id": "889640782", "legal_type": "state",
                            "is_contracting_authority": True, "is_central_government": True},
                  "supplier.legal_type": "municipality"})
    )
    assert result["verdict"] == "procurement_required"
    assert "EXC-VERT-07" in ids(result)
    assert "EXC-BURDEN-01" in ids(result)
    assert result["missing_facts"] == []


# Projections (EXC-VERT-05, catalog § 14 item 4): only for a new entity, a new activity or a reorganisation.
PROJECTION = {"supplier.activity_basis": "projection"}


@pytest.mark.parametrize(
    ("reason", "verdict", "reason_ids", "missing"),
    [
        ("new_entity", "exempt", ["EXC-VERT-05"], []),
        ("new_activity", "exempt", ["EXC-VERT-05"], []),
        ("reorganisation", "exempt", ["EXC-VERT-05"], []),
        ("none", "procurement_required", ["EXC-VERT-05", "EXC-BURDEN-01"], []),
    ],
)
def test_in_house_projection_reasons(reason, verdict, reason_ids, missing):
    result = evaluate(in_house({**PROJECTION, "supplier.projection_reason": reason}))
    assert result["verdict"] == verdict
    assert set(reason_ids) <= set(ids(result))
    assert result["missing_facts"] == missing
    assert "EXC-VERT-05" not in ids(result, "warnings")


def test_in_house_projection_with_three_years_of_figures_is_not_proof():
    result = evaluate(in_house({**PROJECTION, "supplier.projection_reason": "none"}))
    vert05 = next(r for r in result["reasons"] if r["rule_id"] == "EXC-VERT-05")
    assert "projections alone do not prove more than 80%" in vert05["message_en"]
    assert "fremskrivninger alene" in vert05["message"]
    assert ids(result)[-1] == "EXC-BURDEN-01"
    assert ids(result).index("EXC-VERT-05") < ids(result).index("EXC-BURDEN-01")


def test_in_house_projection_without_a_reason_is_needs_assessment_where_decisive():
    result = evaluate(in_house(PROJECTION))
    assert result["verdict"] == "needs_assessment"
    assert result["missing_facts"] == ["supplier.projection_reason"]
    assert "EXC-VERT-05" in ids(result)


def test_in_house_projection_without_a_reason_is_never_exempt():
    result = evaluate(in_house(PROJECTION))
    assert result["verdict"] in ("needs_assessment", "procurement_required")
    assert result["missing_facts"] == ["supplier.projection_reason"]
    assert "EXC-VERT-05" in ids(result)


def test_in_house_projection_without_a_reason_is_not_decisive_when_another_fact_is_unknown():
    result = evaluate(in_house({**PROJECTION, "supplier.direct_private_capital": None}))
    assert result["verdict"] == "procurement_required"
    assert set(result["missing_facts"]) == {"supplier.projection_reason", "supplier.direct_private_capital"}
    assert "EXC-BURDEN-01" in ids(result)


def test_in_house_projection_without_a_reason_does_not_matter_when_another_condition_fails():
    result = evaluate(in_house({**PROJECTION, "supplier.activity_for_controllers_pct": 50}))
    assert result["verdict"] == "procurement_required"
    assert result["missing_facts"] == []


@pytest.mark.parametrize(
    ("established", "reason", "verdict"),
    [
        ("2024-06-01", None, "exempt"),  # established less than three years before: a new entity
        ("2001-01-01", "new_activity", "exempt"),
        ("2024-06-01", "none", "procurement_required"),  # the stated reason wins
    ],
)
def test_in_house_projection_and_the_established_date(established, reason, verdict):
    changes = {**PROJECTION, "supplier.established": established}
    if reason is not None:
        changes["supplier.projection_reason"] = reason
    assert evaluate(in_house(changes))["verdict"] == verdict


def test_absent_relationship_is_not_a_claim():
    result = evaluate(municipal_pair())
    assert result["verdict"] == "procurement_required"
    assert result["missing_facts"] == []
    assert "EXC-BURDEN-01" not in ids(result)


# --- EXC-HOR -------------------------------------------------------------------------------------


def coop(**overrides) -> dict:
    return municipal_pair({"cooperation": cooperation(**overrides)})


def test_horizontal_cooperation_established():
    result = evaluate(coop())
    assert result["verdict"] == "exempt"
    assert {"EXC-HOR-01", "EXC-HOR-02", "EXC-HOR-03"} <= set(ids(result))
    assert ids(result, "obligations") == ["OBL-05"]
    assert result["missing_facts"] == []


@pytest.mark.parametrize(("share", "verdict"), [(19.9, "exempt"), ("19.99", "exempt"), (20, "procurement_required"), (20.0, "procurement_required")])
def test_open_market_share_less_than_20_percent(share, verdict):
    result = evaluate(coop(shares=(0, share)))
    assert result["verdict"] == verdict
    assert "EXC-HOR-01" in ids(result)


def test_payment_only_party_is_no_cooperation():
    result = evaluate(coop(payment_only=(False, True)))
    assert result["verdict"] == "procurement_required"
    assert "EXC-HOR-02" in ids(result)
    assert "EXC-BURDEN-01" in ids(result)


def test_party_without_contributions_is_no_cooperation():
    result = evaluate(coop(contributions=(["lærere"], [])))
    assert result["verdict"] == "procurement_required"
    assert "EXC-HOR-02" in ids(result)


@pytest.mark.parametrize(
    ("overrides", "failing"),
    [
        ({"private_party_in_contract": True}, "EXC-HOR-01"),
        ({"common_objectives_documented": False}, "EXC-HOR-01"),
        ({"public_interest_only": False}, "EXC-HOR-01"),
        ({"private_operator_advantaged": "yes"}, "EXC-HOR-03"),
        ({"shares": (5,), "payment_only": (False,), "contributions": (["x"],), "tasks": ("t",)}, "EXC-HOR-01"),
    ],
)
def test_each_known_failure_fails_the_cooperation(overrides, failing):
    result = evaluate(coop(**overrides))
    assert result["verdict"] == "procurement_required"
    assert failing in ids(result)
    assert result["missing_facts"] == []


# Projections (EXC-HOR-05, catalog § 14 item 4), measured for the cooperation's open-market shares.
@pytest.mark.parametrize(
    ("reason", "verdict", "reason_ids", "missing"),
    [
        ("new_entity", "exempt", ["EXC-HOR-05"], []),
        ("new_activity", "exempt", ["EXC-HOR-05"], []),
        ("reorganisation", "exempt", ["EXC-HOR-05"], []),
        ("none", "procurement_required", ["EXC-HOR-05", "EXC-BURDEN-01"], []),
        (DELETE, "needs_assessment", ["EXC-HOR-05"], ["cooperation.projection_reason"]),
        (None, "needs_assessment", ["EXC-HOR-05"], ["cooperation.projection_reason"]),
    ],
    ids=["new_entity", "new_activity", "reorganisation", "none", "absent", "null"],
)
def test_cooperation_projection_reasons(reason, verdict, reason_ids, missing):
    facts = coop(activity_basis="projection")
    if reason is not DELETE:
        facts["cooperation"]["projection_reason"] = reason
    result = evaluate(facts)
    assert result["verdict"] == verdict
    assert set(reason_ids) <= set(ids(result))
    assert result["missing_facts"] == missing
    assert result["regime"] is None if verdict != "procurement_required" else result["regime"] is not None


@pytest.mark.parametrize(
    ("overrides", "verdict", "missing"),
    [
        ({"public_interest_only": None}, "procurement_required", {"cooperation.projection_reason", "cooperation.public_interest_only"}),
        ({"private_operator_advantaged": "unknown"}, "needs_assessment",
         {"cooperation.projection_reason", "cooperation.private_operator_advantaged"}),
        ({"shares": (0, 25)}, "procurement_required", set()),
    ],
    ids=["another-unknown", "with-the-hor03-question", "another-failure"],
)
def test_cooperation_projection_without_a_reason_is_decisive_only_when_the_rest_holds(overrides, verdict, missing):
    result = evaluate(coop(activity_basis="projection", **overrides))
    assert result["verdict"] == verdict
    assert set(result["missing_facts"]) == missing


# Who is in the cooperation (EXC-HOR-01, catalog § 14 item 5): buyer and supplier, by entity_id.
@pytest.mark.parametrize(
    ("entity_ids", "verdict", "named", "missing"),
    [
        ((MUNICIPAL_BUYER_ID, MUNICIPAL_SUPPLIER_ID), "exempt", [], []),
        ((MUNICIPAL_SUPPLIER_ID, MUNICIPAL_BUYER_ID), "exempt", [], []),
        (("964 000 001", MUNICIPAL_SUPPLIER_ID.lower()), "exempt", [], []),  # compared like buyer/supplier ids
        (("999999999", MUNICIPAL_SUPPLIER_ID), "procurement_required", ["the buyer Kommune A (964000001)"], []),
        ((MUNICIPAL_BUYER_ID, "999999999"), "procurement_required", ["the supplier Kommune B (964000002)"], []),
        (("999999998", "999999999"), "procurement_required",
         ["the buyer Kommune A (964000001)", "the supplier Kommune B (964000002)"], []),
        ((None, MUNICIPAL_SUPPLIER_ID), "procurement_required", [], ["cooperation.parties[0].entity_id"]),
    ],
    ids=["both", "order-free", "normalised", "buyer-missing", "supplier-missing", "both-missing", "unknown-id"],
)
def test_buyer_and_supplier_must_be_parties_of_the_cooperation(entity_ids, verdict, named, missing):
    result = evaluate(coop(entity_ids=entity_ids))
    assert result["verdict"] == verdict
    assert result["missing_facts"] == missing
    hor01 = next(r for r in result["reasons"] if r["rule_id"] == "EXC-HOR-01")
    for who in named:
        assert f"{who} is not among the parties of the cooperation" in hor01["message_en"]
    if named:
        assert "EXC-BURDEN-01" in ids(result)
        assert "er ikke blant partene i samarbeidet" in hor01["message"]
    if verdict == "exempt":
        assert "not among the parties" not in hor01["message_en"]


def test_a_third_party_of_the_cooperation_is_allowed():
    facts = coop(shares=(0, 5, 10), payment_only=(False, False, False), contributions=(["a"], ["b"], ["c"]),
                 tasks=("t", "t", "t"), entity_ids=(MUNICIPAL_BUYER_ID, "970000003", MUNICIPAL_SUPPLIER_ID))
    assert evaluate(facts)["verdict"] == "exempt"


def test_supplier_not_a_contracting_authority_fails_the_cooperation():
    result = evaluate(municipal_pair({"cooperation": cooperation(), "supplier.is_contracting_authority": False}))
    assert result["verdict"] == "procurement_required"
    assert "EXC-HOR-01" in ids(result)


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"shares": (0, None)}, "cooperation.parties[1].open_market_share_pct"),
        ({"payment_only": (None, False)}, "cooperation.parties[0].payment_only"),
        ({"contributions": (["x"], None)}, "cooperation.parties[1].contributions"),
        ({"tasks": ("t", None)}, "cooperation.parties[1].public_service_task"),
        ({"tasks": ("t", "  ")}, "cooperation.parties[1].public_service_task"),
        ({"common_objectives_documented": None}, "cooperation.common_objectives_documented"),
        ({"public_interest_only": None}, "cooperation.public_interest_only"),
        ({"private_party_in_contract": None}, "cooperation.private_party_in_contract"),
        ({"activity_basis": None}, "cooperation.activity_basis"),
        ({"parties": None}, "cooperation.parties"),
    ],
)
def test_unknown_cooperation_condition_is_missing_never_exempt(overrides, path):
    result = evaluate(coop(**overrides))
    assert result["verdict"] == "procurement_required"
    assert path in result["missing_facts"]
    assert "EXC-BURDEN-01" in ids(result)


@pytest.mark.parametrize("advantaged", ["unknown", None])
def test_private_advantage_unknown_is_a_legal_judgment(advantaged):
    result = evaluate(coop(private_operator_advantaged=advantaged))
    assert result["verdict"] == "needs_assessment"
    assert result["regime"] is None
    assert ids(result)[-1] == "EXC-HOR-03"
    assert result["missing_facts"] == ["cooperation.private_operator_advantaged"]
    assert ids(result, "obligations") == ["OBL-05"]


def test_judgment_with_another_unknown_is_not_needs_assessment():
    result = evaluate(coop(private_operator_advantaged="unknown", shares=(0, None)))
    assert result["verdict"] == "procurement_required"
    assert result["missing_facts"] == [
        "cooperation.parties[1].open_market_share_pct",
        "cooperation.private_operator_advantaged",
    ]


def test_disguised_service_contract_indicators_are_warnings():
    result = evaluate(coop(pricing="market_price_margin", third_party_subcontracting=True))
    assert result["verdict"] == "exempt"
    warning = next(w for w in result["warnings"] if w["rule_id"] == "EXC-HOR-06")
    assert "markedspris" in warning["message"] and "tredjeparter" in warning["message"]


@pytest.mark.parametrize(
    ("docs", "warnings"),
    [
        ({"exemption_assessment": True, "coop_agreement_written": True}, []),
        ({"exemption_assessment": False, "coop_agreement_written": True}, ["OBL-05"]),
        ({"exemption_assessment": False, "coop_agreement_written": False}, ["OBL-05", "OBL-05"]),
        ({}, []),
    ],
)
def test_document_warnings_when_exempt_by_cooperation(docs, warnings):
    result = evaluate(municipal_pair({"cooperation": cooperation(), "docs": docs}))
    assert result["verdict"] == "exempt"
    assert ids(result, "warnings") == warnings


def test_in_house_exemption_wins_before_cooperation_is_considered():
    result = evaluate(in_house({"cooperation": cooperation(private_operator_advantaged="yes")}))
    assert result["verdict"] == "exempt"
    assert not any(i.startswith("EXC-HOR") for i in ids(result))


def test_failed_in_house_then_cooperation_established():
    parties = (MUNICIPAL_BUYER_ID, COMPANY["entity_id"])
    result = evaluate(in_house({"supplier.activity_for_controllers_pct": 50, "cooperation": cooperation(entity_ids=parties)}))
    assert result["verdict"] == "exempt"
    assert ids(result).index("EXC-VERT-01") < ids(result).index("EXC-HOR-01")
    assert "EXC-BURDEN-01" not in ids(result)


# --- EXC-COMP-01 ---------------------------------------------------------------------------------

ALL_TRUE = {"receiver_has_powers": True, "receiver_financial_independence": True, "transferor_relinquishes_responsibility": True}


@pytest.mark.parametrize(
    ("transfer", "verdict", "missing"),
    [
        (ALL_TRUE, "exempt", []),
        ({**ALL_TRUE, "receiver_financial_independence": False}, "procurement_required", []),
        ({**ALL_TRUE, "transferor_relinquishes_responsibility": None}, "procurement_required",
         ["transfer.transferor_relinquishes_responsibility"]),
    ],
)
def test_transfer_of_competences(transfer, verdict, missing):
    result = evaluate(municipal_pair({"transfer": transfer}))
    assert result["verdict"] == verdict
    assert ids(result)[0] == "EXC-COMP-01"
    assert result["missing_facts"] == missing


def test_transfer_is_decided_before_the_value():
    result = evaluate(municipal_pair({"transfer": ALL_TRUE, "contract.value": DELETE}))
    assert result["verdict"] == "exempt"
    assert result["missing_facts"] == []
    assert ids(result) == ["EXC-COMP-01"]
