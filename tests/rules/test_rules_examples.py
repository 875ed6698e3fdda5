"""The worked examples of the rules-engine contract (§4) must come out exactly as stated."""

from __future__ import annotations

import copy
import json
import pickle

from contracts_app.rules import RULESET_VERSION, ThresholdTable, evaluate, evaluate_document

from .facts_factory import MUNICIPALITY, WORKED_EXAMPLE, all_ids, ids, make_facts, run, seats


def test_single_seat_is_below_scope():
    result = evaluate(json.loads(json.dumps(WORKED_EXAMPLE)))
    assert result["verdict"] == "below_scope"
    assert result["regime"] is None
    assert result["estimated_value_nok"] == "60000.00"
    assert result["aggregated_value_nok"] == "60000.00"
    assert "THR-01" in ids(result)
    assert result["missing_facts"] == []
    assert result["obligations"] == []
    assert result["warnings"] == []


def test_three_earlier_seats_for_the_same_need_are_aggregated():
    result = run({"related_purchases": seats("2025-05-10", "2025-09-01", "2026-01-15")})
    assert result["verdict"] == "procurement_required"
    assert result["regime"] == "part_I"
    assert result["estimated_value_nok"] == "60000.00"
    assert result["aggregated_value_nok"] == "240000.00"
    assert ids(result, "warnings") == ["VAL-06"]
    assert {"OBL-01", "OBL-02", "OBL-03"} <= set(ids(result, "obligations"))
    assert {"THR-01", "VAL-03", "THR-08", "NAV-07"} <= set(ids(result))
    assert result["missing_facts"] == []


def test_municipal_side_buying_from_its_own_municipality_is_in_house():
    result = run(
        {
            "buyer": dict(MUNICIPALITY, name="Eksempel kommune (Nav, kommunal del)"),
            "nav.contracting_side": "municipal",
        }
    )
    assert result["verdict"] == "exempt"
    assert result["regime"] is None
    assert ids(result) == ["NAV-01", "EXC-INH-01"]
    assert ids(result, "obligations") == ["OBL-05"]
    assert result["missing_facts"] == []


def test_same_entity_id_written_with_spaces_is_the_same_legal_person():
    result = run({"buyer.entity_id": "889 640 782", "supplier.entity_id": "889640782"})
    assert result["verdict"] == "exempt"
    assert "EXC-INH-01" in ids(result)


def test_assessment_shape_matches_the_contract():
    result = run({"related_purchases": seats("2025-05-10", "2025-09-01", "2026-01-15")})
    assert set(result) >= {
        "verdict",
        "regime",
        "estimated_value_nok",
        "aggregated_value_nok",
        "reasons",
        "warnings",
        "obligations",
        "missing_facts",
        "ruleset",
    }
    for section in ("reasons", "warnings", "obligations"):
        for item in result[section]:
            assert set(item) == {"rule_id", "message", "message_en", "citation"}
            assert item["message"] and item["message_en"] and item["citation"]
            assert item["message"] != item["message_en"]
    table = ThresholdTable.shipped()
    assert result["ruleset"] == {
        "version": RULESET_VERSION,
        "thresholds_effective_from": "2024-03-14",
        "table_id": table.id,
    }


def test_each_assessment_owns_its_output():
    """Plain dicts and lists, new for every assessment: a caller that changes one changes no other."""
    first = run({"related_purchases": seats("2025-05-10", "2025-09-01", "2026-01-15")})
    expected = copy.deepcopy(first)
    for section in ("reasons", "warnings", "obligations"):
        for item in first[section]:
            assert type(item) is dict
            item["message"] = "changed by a caller"
        first[section].clear()
    assert type(first["ruleset"]) is dict and type(first["law"]) is dict
    first["ruleset"]["version"] = "x"
    first["law"]["id"] = "x"
    second = run({"related_purchases": seats("2025-05-10", "2025-09-01", "2026-01-15")})
    assert second == expected and second["obligations"]
    assert pickle.loads(pickle.dumps(second)) == second
    assert json.loads(json.dumps(second)) == second


def test_cli_and_http_entry_point_gives_the_same_result_as_evaluate():
    facts = make_facts({"related_purchases": seats("2025-05-10")})
    code, body = evaluate_document(facts)
    assert code == 0
    assert body == evaluate(facts)
    code, batch = evaluate_document({"cases": [facts, WORKED_EXAMPLE]})
    assert code == 0
    assert batch == {"results": [evaluate(facts), evaluate(WORKED_EXAMPLE)]}


def test_all_rule_ids_in_an_assessment_exist_in_the_registry():
    from contracts_app.rules import RULES

    result = run({"related_purchases": seats("2025-05-10", "2025-09-01", "2026-01-15")})
    assert all_ids(result) <= set(RULES)
