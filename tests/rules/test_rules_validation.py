"""Input validation (contract §2): every kind of error, with its exact path; batches; odd inputs."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from contracts_app.rules import FactsError, evaluate, evaluate_document, validate

from .facts_factory import DELETE, cooperation, make_facts


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        # required fields
        ({"schema_version": DELETE}, "schema_version"),
        ({"schema_version": 2}, "schema_version"),
        ({"schema_version": True}, "schema_version"),
        ({"schema_version": "1"}, "schema_version"),
        ({"reference_date": DELETE}, "reference_date"),
        ({"reference_date": None}, "reference_date"),
        ({"buyer": DELETE}, "buyer"),
        ({"supplier": None}, "supplier"),
        ({"buyer.name": DELETE}, "buyer.name"),
        ({"buyer.name": "   "}, "buyer.name"),
        ({"buyer.name": 42}, "buyer.name"),
        ({"buyer.entity_id": DELETE}, "buyer.entity_id"),
        ({"supplier.entity_id": ""}, "supplier.entity_id"),
        ({"supplier.entity_id": 889640782}, "supplier.entity_id"),
        # wrong shapes
        ({"buyer": "Nav"}, "buyer"),
        ({"contract": []}, "contract"),
        ({"contract.value": 60000}, "contract.value"),
        ({"related_purchases": {"value_nok": 1}}, "related_purchases"),
        ({"related_purchases": [None]}, "related_purchases[0]"),
        ({"related_purchases": [{"value_nok": 1, "date": "2026-01-01", "same_need": True}, "x"]}, "related_purchases[1]"),
        ({"cooperation": "yes"}, "cooperation"),
        ({"nav": ["state"]}, "nav"),
        ({"relationship.joint_control": True}, "relationship.joint_control"),
        ({"participant.integration": "none"}, "participant.integration"),
        ({"docs": "all"}, "docs"),
        # unknown enum values
        ({"buyer.legal_type": "kommune"}, "buyer.legal_type"),
        ({"buyer.legal_type": 3}, "buyer.legal_type"),
        ({"relationship.control": "total"}, "relationship.control"),
        ({"contract.category": "education"}, "contract.category"),
        ({"nav.contracting_side": "both"}, "nav.contracting_side"),
        ({"nav.mode": "single"}, "nav.mode"),
        ({"nav.price_type": "grant"}, "nav.price_type"),
        ({"supplier.activity_basis": "turnover"}, "supplier.activity_basis"),
        ({"supplier.projection_reason": "old_entity"}, "supplier.projection_reason"),
        ({"buyer.projection_reason": True}, "buyer.projection_reason"),
        ({"cooperation": cooperation(projection_reason="merger")}, "cooperation.projection_reason"),
        ({"cooperation": cooperation(entity_ids=(3, "964000002"))}, "cooperation.parties[0].entity_id"),
        ({"cooperation": cooperation(pricing="free")}, "cooperation.pricing"),
        ({"cooperation": cooperation(private_operator_advantaged=False)}, "cooperation.private_operator_advantaged"),
        ({"grant": {"initiative": "nav"}}, "grant.initiative"),
        ({"grant": {"sanction": "fine"}}, "grant.sanction"),
        ({"participant": {"integration": {"status": "refugee"}}}, "participant.integration.status"),
        # booleans are booleans
        ({"contract.pecuniary": "true"}, "contract.pecuniary"),
        ({"contract.pecuniary": 1}, "contract.pecuniary"),
        ({"buyer.is_contracting_authority": 0}, "buyer.is_contracting_authority"),
        ({"relationship.inverse_or_sister": "no"}, "relationship.inverse_or_sister"),
        ({"relationship.joint_control": {"representation_all": "yes"}}, "relationship.joint_control.representation_all"),
        ({"related_purchases": [{"value_nok": 1, "date": "2026-01-01", "same_need": 1}]}, "related_purchases[0].same_need"),
        ({"transfer": {"receiver_has_powers": "y"}}, "transfer.receiver_has_powers"),
        ({"docs": {"protocol": 1}}, "docs.protocol"),
        ({"nav.needs_assessment_done": "ja"}, "nav.needs_assessment_done"),
        # numbers: bool is not a number; strings must be decimal strings
        ({"contract.value.base_nok": True}, "contract.value.base_nok"),
        ({"contract.value.base_nok": "60 000"}, "contract.value.base_nok"),
        ({"contract.value.base_nok": "1e5"}, "contract.value.base_nok"),
        ({"contract.value.base_nok": "NaN"}, "contract.value.base_nok"),
        ({"contract.value.base_nok": float("nan")}, "contract.value.base_nok"),
        ({"contract.value.base_nok": float("inf")}, "contract.value.base_nok"),
        ({"contract.value.base_nok": [60000]}, "contract.value.base_nok"),
        ({"contract.value.base_nok": {"amount": 1}}, "contract.value.base_nok"),
        # negative and out-of-range amounts
        ({"contract.value.base_nok": -1}, "contract.value.base_nok"),
        ({"contract.value.options_nok": "-0.01"}, "contract.value.options_nok"),
        ({"contract.value.extensions_nok": -5.5}, "contract.value.extensions_nok"),
        ({"contract.value.framework_max_nok": 10**15}, "contract.value.framework_max_nok"),
        ({"contract.value.monthly_nok": "1" * 41}, "contract.value.monthly_nok"),
        ({"contract.lots_nok": [100, -1]}, "contract.lots_nok[1]"),
        ({"contract.lots_nok": [100, None]}, "contract.lots_nok[1]"),
        ({"related_purchases": [{"value_nok": -60000, "date": "2026-01-01", "same_need": True}]}, "related_purchases[0].value_nok"),
        # integers
        ({"contract.value.duration_months": 12.5}, "contract.value.duration_months"),
        ({"contract.value.duration_months": 0}, "contract.value.duration_months"),
        ({"contract.value.duration_months": -3}, "contract.value.duration_months"),
        ({"contract.value.duration_months": True}, "contract.value.duration_months"),
        ({"participant": {"age": 200}}, "participant.age"),
        ({"participant": {"age": "thirty"}}, "participant.age"),
        # percentages 0–100
        ({"supplier.activity_for_controllers_pct": 100.5}, "supplier.activity_for_controllers_pct"),
        ({"supplier.activity_for_controllers_pct": -1}, "supplier.activity_for_controllers_pct"),
        ({"cooperation": cooperation(shares=(0, 120))}, "cooperation.parties[1].open_market_share_pct"),
        ({"cooperation": cooperation(shares=(0, "x"))}, "cooperation.parties[1].open_market_share_pct"),
        # dates
        ({"reference_date": "02.03.2026"}, "reference_date"),
        ({"reference_date": "2026-02-30"}, "reference_date"),
        ({"reference_date": "20260302"}, "reference_date"),
        ({"reference_date": "2026-W10-1"}, "reference_date"),
        ({"reference_date": 20260302}, "reference_date"),
        ({"supplier.established": "2026-13-01"}, "supplier.established"),
        ({"related_purchases": [{"value_nok": 1, "date": "yesterday", "same_need": True}]}, "related_purchases[0].date"),
        ({"participant": {"integration": {"right_start_date": "2024/01/31"}}}, "participant.integration.right_start_date"),
        # lists of strings
        ({"contract.cpv": "80580000-3"}, "contract.cpv"),
        ({"contract.cpv": ["80580000-3", 80580000]}, "contract.cpv[1]"),
        ({"cooperation": cooperation(contributions=(["x"], "staff"))}, "cooperation.parties[1].contributions"),
        ({"cooperation": {**cooperation(), "parties": {"a": 1}}}, "cooperation.parties"),
        ({"cooperation": {**cooperation(), "parties": [None]}}, "cooperation.parties[0]"),
        ({"nav.measure_code": 7}, "nav.measure_code"),
    ],
)
def test_invalid_input_is_reported_with_its_exact_path(changes, path):
    facts = make_facts(changes)
    errors = validate(facts)
    assert [e["path"] for e in errors] == [path]
    assert errors[0]["message"] and errors[0]["message_en"]
    with pytest.raises(FactsError) as info:
        evaluate(facts)
    assert info.value.errors == errors
    code, body = evaluate_document(facts)
    assert code == 2 and body == {"errors": errors}


def test_all_errors_are_collected_not_just_the_first():
    facts = make_facts(
        {
            "buyer.entity_id": DELETE,
            "contract.value.base_nok": -1,
            "contract.category": "education",
            "cooperation": cooperation(shares=(0, 101)),
            "related_purchases": [{"value_nok": 1, "date": "x", "same_need": "y"}],
        }
    )
    assert [e["path"] for e in validate(facts)] == [
        "buyer.entity_id",
        "contract.category",
        "contract.value.base_nok",
        "related_purchases[0].date",
        "related_purchases[0].same_need",
        "cooperation.parties[1].open_market_share_pct",
    ]


@pytest.mark.parametrize("doc", [None, [], "facts", 42, 4.2, True, [{"schema_version": 1}]])
def test_facts_that_are_not_an_object(doc):
    code, body = evaluate_document(doc)
    assert code == 2
    assert body["errors"][0]["path"] == ""


def test_unknown_fields_are_ignored():
    facts = make_facts({"future_field": {"x": 1}, "buyer.org_form": "ASA", "contract.value.currency": "NOK"})
    assert validate(facts) == []
    assert evaluate(facts)["verdict"] == "below_scope"


@pytest.mark.parametrize(
    ("changes", "estimated"),
    [
        ({"contract.value.base_nok": "60000"}, "60000.00"),
        ({"contract.value.base_nok": "60000.5"}, "60000.50"),
        ({"contract.value.base_nok": 60000.25}, "60000.25"),
        ({"contract.value.base_nok": 0.1}, "0.10"),
        ({"contract.value.base_nok": Decimal("60000.004")}, "60000.00"),
        ({"contract.value.base_nok": "60000.005"}, "60000.01"),  # half up to whole øre
        ({"contract.value.base_nok": "-0"}, "0.00"),
        ({"contract.value.base_nok": -0.0}, "0.00"),
        ({"contract.value.base_nok": Decimal("-0.00")}, "0.00"),
    ],
)
def test_numbers_as_json_numbers_decimal_strings_or_decimals(changes, estimated):
    assert evaluate(make_facts(changes))["estimated_value_nok"] == estimated


def test_python_callers_may_pass_date_objects_but_not_datetimes():
    assert validate(make_facts({"reference_date": date(2026, 3, 2)})) == []
    errors = validate(make_facts({"reference_date": datetime(2026, 3, 2, 12, 0)}))
    assert [e["path"] for e in errors] == ["reference_date"]


def test_nulls_everywhere_optional_mean_unknown():
    facts = make_facts(
        {
            "relationship": None,
            "contract": None,
            "related_purchases": None,
            "cooperation": None,
            "transfer": None,
            "grant": None,
            "nav": None,
            "participant": None,
            "docs": None,
            "buyer.legal_type": None,
            "supplier.is_contracting_authority": None,
        }
    )
    result = evaluate(facts)
    assert result["verdict"] == "procurement_required"
    assert result["estimated_value_nok"] is None
    assert set(result["missing_facts"]) == {"contract.pecuniary", "contract.value.base_nok"}


GOOD = make_facts()
BAD = make_facts({"contract.value.base_nok": "abc"})


@pytest.mark.parametrize(
    ("cases", "code", "shapes"),
    [
        ([GOOD, GOOD, BAD, "not facts", GOOD], 0, ["verdict", "verdict", "errors", "errors", "verdict"]),
        ([BAD, GOOD], 0, ["errors", "verdict"]),
        ([GOOD], 0, ["verdict"]),
        ([BAD], 2, ["errors"]),
        ([BAD, "not facts", None], 2, ["errors", "errors", "errors"]),
        ([], 0, []),
    ],
    ids=["one-bad-among-good", "bad-first", "all-good", "one-bad", "all-bad", "empty"],
)
def test_a_batch_never_fails_whole(cases, code, shapes):
    """Catalog § 14 item 6: each result is an assessment or that case's own errors, in order; exit code 2
    only when no case could be assessed."""
    got, body = evaluate_document({"cases": cases})
    assert got == code
    assert set(body) == {"results"}
    assert [("errors" if "errors" in r else "verdict") for r in body["results"]] == shapes
    for case, result in zip(cases, body["results"]):
        if "errors" in result:
            assert set(result) == {"errors"}
            assert result["errors"] == validate(case)  # paths relative to the case, no "cases[i]." prefix
        else:
            assert result == evaluate(case)


def test_per_case_error_paths_are_relative_to_the_case():
    _, body = evaluate_document({"cases": [GOOD, BAD, "not facts"]})
    assert [e["path"] for e in body["results"][1]["errors"]] == ["contract.value.base_nok"]
    assert [e["path"] for e in body["results"][2]["errors"]] == [""]


@pytest.mark.parametrize("cases", [None, {}, "x", 3])
def test_batch_cases_must_be_a_list(cases):
    code, body = evaluate_document({"cases": cases})
    assert code == 2
    assert body["errors"][0]["path"] == "cases"


def test_empty_batch_and_order_of_results():
    assert evaluate_document({"cases": []}) == (0, {"results": []})
    first = make_facts({"contract.value.base_nok": 10})
    second = make_facts({"contract.value.base_nok": 200_000})
    code, body = evaluate_document(json.loads(json.dumps({"cases": [first, second]})))
    assert code == 0
    assert [r["verdict"] for r in body["results"]] == ["below_scope", "procurement_required"]


def test_errors_are_json_serialisable_and_bilingual():
    code, body = evaluate_document(make_facts({"contract.category": "education"}))
    text = json.dumps(body, ensure_ascii=False)
    assert "Ukjent verdi" in text and "Unknown value" in text
    assert code == 2
