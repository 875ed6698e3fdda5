"""The case-law table of the catalog (§9), each case written as facts with its expected outcome.

Amounts and dates are chosen inside the shipped threshold table; what matters is the legal
structure of each case (who controls whom, who contributes what, what is unknown).
"""

from __future__ import annotations

import pytest

from contracts_app.rules import evaluate

from .facts_factory import all_ids, ids


def party(name: str, legal_type: str, *, entity_id: str, central: bool = False, **extra) -> dict:
    return {
        "name": name,
        "entity_id": entity_id,
        "legal_type": legal_type,
        "is_contracting_authority": True,
        "is_central_government": central,
        **extra,
    }


def coop_party(name: str, *, entity_id: str, task: str, contributions: list[str], payment_only: bool, share=0) -> dict:
    return {
        "name": name,
        "entity_id": entity_id,  # the buyer's and the supplier's entity_id: both must be parties (EXC-HOR-01)
        "public_service_task": task,
        "contributions": contributions,
        "payment_only": payment_only,
        "open_market_share_pct": share,
    }


def facts(buyer: dict, supplier: dict, *, value: int, category: str = "services_ordinary", day: str = "2024-06-01", **blocks) -> dict:
    return {
        "schema_version": 1,
        "reference_date": day,
        "buyer": buyer,
        "supplier": supplier,
        "contract": {"pecuniary": True, "category": category, "value": {"base_nok": value}},
        **blocks,
    }


TECKAL = facts(
    party("Comune di Viano", "municipality", entity_id="IT-VIANO"),
    party("AGAC (consorzio)", "public_body", entity_id="IT-AGAC", direct_private_capital=False),
    value=3_500_000,
    relationship={"control": "partial", "inverse_or_sister": False},
)

STADT_HALLE = facts(
    party("Stadt Halle", "municipality", entity_id="DE-HALLE"),
    party(
        "RPL Recyclingpark Lochau GmbH",
        "mixed_company",
        entity_id="DE-RPL",
        direct_private_capital=True,  # 24.9 % held by a private company
        private_capital_required_by_law_noncontrolling=False,
        activity_for_controllers_pct=90,
        activity_basis="avg_turnover_3y",
    ),
    value=20_000_000,
    relationship={"control": "sole_indirect"},  # 75.1 % through Stadtwerke Halle
)

HAMBURG = facts(
    party("Landkreis Harburg", "county_municipality", entity_id="DE-LK-HARBURG"),
    party("Stadtreinigung Hamburg", "public_body", entity_id="DE-SRH"),
    value=200_000_000,
    cooperation={
        "parties": [
            coop_party("Stadtreinigung Hamburg", entity_id="DE-SRH", task="waste disposal", contributions=["incineration capacity 120 000 t/yr"], payment_only=False),
            *[
                coop_party(f"Landkreis {n}", entity_id=f"DE-LK-{n.upper()}", task="waste disposal", contributions=["spare landfill capacity", "mutual assistance"], payment_only=False)
                for n in ("Harburg", "Stade", "Rotenburg", "Soltau-Fallingbostel")
            ],
        ],
        "private_party_in_contract": False,
        "common_objectives_documented": True,
        "public_interest_only": True,
        "pricing": "cost_reimbursement",
        "activity_basis": "avg_turnover_3y",
        "private_operator_advantaged": "no",
        "third_party_subcontracting": False,
    },
)

LECCE = facts(
    party("ASL Lecce", "public_body", entity_id="IT-ASL-LE"),
    party("Università del Salento", "public_body", entity_id="IT-UNISALENTO"),
    value=2_200_000,  # EUR 200 000 excl. VAT, cost-based
    cooperation={
        "parties": [
            coop_party("ASL Lecce", entity_id="IT-ASL-LE", task="hospital safety", contributions=[], payment_only=True),
            coop_party("Università del Salento", entity_id="IT-UNISALENTO", task="research and teaching", contributions=["seismic study"], payment_only=False),
        ],
        "private_party_in_contract": False,
        "common_objectives_documented": False,  # no public task common to both
        "public_interest_only": False,
        "pricing": "cost_reimbursement",
        "activity_basis": "avg_turnover_3y",
        "private_operator_advantaged": "yes",  # external collaborators
        "third_party_subcontracting": True,
    },
)

PIEPENBROCK = facts(
    party("Kreis Düren", "county_municipality", entity_id="DE-KREIS-DUEREN"),
    party("Stadt Düren", "municipality", entity_id="DE-STADT-DUEREN"),
    value=2_500_000,
    relationship={"control": "none", "inverse_or_sister": False},
    cooperation={
        "parties": [
            coop_party("Kreis Düren", entity_id="DE-KREIS-DUEREN", task="maintenance of its buildings", contributions=[], payment_only=True),
            coop_party("Stadt Düren", entity_id="DE-STADT-DUEREN", task="maintenance of its buildings", contributions=["cleaning staff"], payment_only=False),
        ],
        "private_party_in_contract": False,
        "common_objectives_documented": False,
        "public_interest_only": True,
        "pricing": "cost_reimbursement",
        "activity_basis": "avg_turnover_3y",
        "private_operator_advantaged": "unknown",
        "third_party_subcontracting": True,  # Stadt Düren may use third parties
    },
)

TUHH = facts(
    party("Technische Universität Hamburg-Harburg", "public_body", entity_id="DE-TUHH"),
    party("HIS Hochschul-Informations-System GmbH", "mixed_company", entity_id="DE-HIS", direct_private_capital=False),
    value=2_000_000,
    relationship={"control": "none", "inverse_or_sister": False},
)

REMONDIS_2016 = facts(
    party("Region Hannover", "county_municipality", entity_id="DE-REGION-H"),
    party("Zweckverband Abfallwirtschaft Region Hannover", "public_body", entity_id="DE-AHA"),
    value=100_000_000,
    transfer={"receiver_has_powers": True, "receiver_financial_independence": True, "transferor_relinquishes_responsibility": True},
)

ISE = facts(
    party("Stadt Köln", "municipality", entity_id="DE-KOELN"),
    party("Land Berlin", "public_body", entity_id="DE-BERLIN"),
    value=2_000_000,  # reciprocal free provision of software and its developments
    cooperation={
        "parties": [
            coop_party("Land Berlin", entity_id="DE-BERLIN", task="fire brigade", contributions=["dispatch software", "future developments"], payment_only=False),
            coop_party("Stadt Köln", entity_id="DE-KOELN", task="fire brigade", contributions=["future developments"], payment_only=False),
        ],
        "private_party_in_contract": False,
        "common_objectives_documented": True,
        "public_interest_only": True,
        "pricing": "own_costs_each",
        "activity_basis": "avg_turnover_3y",
        "private_operator_advantaged": "unknown",  # left to the national court
        "third_party_subcontracting": False,
    },
)

REMONDIS_2020 = facts(
    party("Abfallzweckverband Rhein-Mosel-Eifel", "public_body", entity_id="DE-AZV-RME"),
    party("Landkreis Neuwied", "county_municipality", entity_id="DE-LK-NEUWIED"),
    value=15_000_000,
    cooperation={
        "parties": [
            coop_party("Abfallzweckverband Rhein-Mosel-Eifel", entity_id="DE-AZV-RME", task="waste disposal", contributions=["payment"], payment_only=True),
            coop_party("Landkreis Neuwied", entity_id="DE-LK-NEUWIED", task="waste disposal", contributions=["mechanical-biological treatment plant"], payment_only=False),
        ],
        "private_party_in_contract": False,
        "common_objectives_documented": True,
        "public_interest_only": True,
        "pricing": "cost_reimbursement",
        "activity_basis": "avg_turnover_3y",
        "private_operator_advantaged": "no",
        "third_party_subcontracting": False,
    },
)

KOFA_2017_18 = facts(
    party("Riksantikvaren", "state", entity_id="971527412", central=True),
    party("NIKU", "foundation", entity_id="984078854"),
    value=589_702,  # altarpiece and predella
    category="services_ordinary",
    day="2017-11-22",
    related_purchases=[{"value_nok": 382_836, "date": "2017-10-01", "same_need": True}],  # pulpit
    transfer={"receiver_has_powers": False, "receiver_financial_independence": False, "transferor_relinquishes_responsibility": False},
    cooperation={
        "parties": [
            coop_party("Riksantikvaren", entity_id="971527412", task="cultural heritage management", contributions=["expertise", "project management"], payment_only=False),
            coop_party("NIKU", entity_id="984078854", task="cultural heritage research", contributions=["conservators", "research"], payment_only=False, share=10),
        ],
        "private_party_in_contract": False,
        "common_objectives_documented": True,
        "public_interest_only": True,
        "pricing": "cost_reimbursement",
        "activity_basis": "avg_turnover_3y",
        "private_operator_advantaged": "no",
        "third_party_subcontracting": False,
    },
)

KOFA_2023_755 = facts(
    party("Kommune i Troms", "municipality", entity_id="NO-TROMS-K"),
    party(
        "Bredbåndsfylket AS",
        "mixed_company",
        entity_id="NO-BBF",
        direct_private_capital=False,
        activity_for_controllers_pct=95,
        activity_basis="avg_turnover_3y",
    ),
    value=3_000_000,
    relationship={
        "control": "joint",
        "joint_control": {"representation_all": True, "joint_decisive_influence": True, "no_contrary_interests": True},
    },
)


@pytest.mark.parametrize(
    ("case", "verdict", "expected_ids"),
    [
        pytest.param(TECKAL, "procurement_required", {"SCOPE-02", "EXC-VERT-01"}, id="Teckal C-107/98"),
        pytest.param(STADT_HALLE, "procurement_required", {"EXC-VERT-06", "EXC-BURDEN-01"}, id="Stadt Halle C-26/03"),
        pytest.param(HAMBURG, "exempt", {"EXC-HOR-01", "EXC-HOR-02", "EXC-HOR-03"}, id="Hamburg C-480/06"),
        pytest.param(LECCE, "procurement_required", {"SCOPE-03", "EXC-HOR-01", "EXC-HOR-03", "EXC-HOR-06"}, id="Lecce C-159/11"),
        pytest.param(PIEPENBROCK, "procurement_required", {"EXC-HOR-02", "EXC-HOR-06", "EXC-VERT-01"}, id="Piepenbrock C-386/11"),
        pytest.param(TUHH, "procurement_required", {"EXC-VERT-07"}, id="TUHH C-15/13"),
        pytest.param(REMONDIS_2016, "exempt", {"EXC-COMP-01"}, id="Remondis C-51/15"),
        pytest.param(ISE, "needs_assessment", {"SCOPE-01", "EXC-HOR-03"}, id="ISE C-796/18"),
        pytest.param(REMONDIS_2020, "procurement_required", {"EXC-HOR-02"}, id="Remondis C-429/19"),
        pytest.param(KOFA_2017_18, "exempt", {"EXC-HOR-01", "EXC-COMP-01"}, id="KOFA 2017/18"),
        pytest.param(KOFA_2023_755, "exempt", {"EXC-VERT-03", "EXC-VERT-06"}, id="KOFA 2023/755"),
    ],
)
def test_case_law(case, verdict, expected_ids):
    result = evaluate(case)
    assert result["verdict"] == verdict
    assert expected_ids <= all_ids(result)
    if verdict == "exempt":
        assert result["missing_facts"] == []
        assert "OBL-05" in ids(result, "obligations")


def test_ise_names_the_question_to_decide():
    result = evaluate(ISE)
    assert result["missing_facts"] == ["cooperation.private_operator_advantaged"]
    assert "Juridisk vurdering" in result["reasons"][-1]["message"]


def test_kofa_2017_18_negative_transfer_finding_stays_in_the_reasons():
    result = evaluate(KOFA_2017_18)
    assert ids(result)[0] == "EXC-COMP-01"
    assert result["aggregated_value_nok"] == "972538.00"


def test_lecce_negative_findings_are_reasons_and_indicators_are_warnings():
    result = evaluate(LECCE)
    assert {"EXC-HOR-01", "EXC-HOR-02", "EXC-HOR-03"} <= set(ids(result))
    assert "EXC-HOR-06" in ids(result, "warnings")


def test_teckal_with_similar_control_and_essential_activity_would_be_exempt():
    teckal_in_house = {
        **TECKAL,
        "relationship": {"control": "sole"},
        "supplier": {**TECKAL["supplier"], "activity_for_controllers_pct": 85, "activity_basis": "avg_turnover_3y"},
    }
    assert evaluate(teckal_in_house)["verdict"] == "exempt"
