"""Property-based tests (hypothesis) of the rules engine.

(a) Any JSON-like input gives an assessment or input errors — never an exception.
(b) On schema-valid facts, ``exempt`` is never returned while a condition of the exemption it rests on
    is unknown (burden of proof, EXC-BURDEN-01).
(c) An exemption leaves nothing in ``missing_facts``.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts_app.rules import evaluate_document
from contracts_app.rules.schema import (
    ACTIVITY_BASIS,
    ADVANTAGED,
    CATEGORIES,
    CONTROL,
    INTEGRATION_STATUS,
    LEGAL_TYPES,
    PRICE_TYPE,
    PRICING,
    PROJECTION_REASONS,
)

from .facts_factory import WORKED_EXAMPLE, ids, set_path

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VERDICTS = {"below_scope", "procurement_required", "exempt", "not_procurement_grant", "needs_assessment"}
REGIMES = {None, "part_I", "part_I_II", "part_I_III", "part_I_II_plus_III_special", "part_I_VI"}
AMOUNT = re.compile(r"[0-9]+\.[0-9]{2}")

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2026-03-02", "60000", "-1", "1e5", "sole", "joint", "yes", "unknown", "special_services"]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12,
)

PATHS = [
    "schema_version", "reference_date", "buyer", "buyer.name", "buyer.entity_id", "buyer.legal_type",
    "buyer.is_contracting_authority", "supplier", "supplier.activity_for_controllers_pct", "supplier.established",
    "relationship", "relationship.control", "relationship.joint_control", "contract", "contract.value",
    "contract.value.base_nok", "contract.value.duration_months", "contract.lots_nok", "contract.cpv",
    "related_purchases", "cooperation", "cooperation.parties", "transfer", "grant", "nav", "nav.measure_code",
    "participant", "participant.integration", "docs",
]


def _check_result(code: int, body: dict[str, Any]) -> None:
    assert code in (0, 2)
    if code == 2:
        assert body["errors"] and all(isinstance(e["path"], str) and e["message"] for e in body["errors"])
        return
    assert body["verdict"] in VERDICTS
    assert body["regime"] in REGIMES
    for key in ("estimated_value_nok", "aggregated_value_nok"):
        assert body[key] is None or AMOUNT.fullmatch(body[key])


@SETTINGS
@given(json_values)
def test_a_any_json_document_gives_errors_or_an_assessment(doc):
    code, body = evaluate_document(doc)
    if "results" in body:  # an arbitrary object with a "cases" key is a batch: answered case by case
        results = body["results"]
        assert len(results) == len(doc["cases"])
        for result in results:
            _check_result(2 if "errors" in result else 0, result)
        # exit code 2 only when no case could be assessed
        assert (code == 0) is (not results or any("verdict" in r for r in results))
    else:
        assert (code == 0) is ("verdict" in body)
        _check_result(code, body)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(PATHS), json_values), min_size=1, max_size=4))
def test_a_near_valid_facts_with_arbitrary_values_never_raise(changes):
    import copy

    doc = copy.deepcopy(WORKED_EXAMPLE)
    for path, value in changes:
        try:
            set_path(doc, path, value)
        except (TypeError, KeyError, IndexError, AttributeError):
            continue  # the path no longer exists in the mutated document
    single_code, single = evaluate_document(doc)
    _check_result(single_code, single)
    code, batch = evaluate_document({"cases": [doc, WORKED_EXAMPLE]})
    assert code == 0  # one invalid case never hides the others
    assert batch["results"][0] == single  # an assessment, or {"errors": [...]} with the same paths
    _check_result(0, batch["results"][1])


# --- schema-valid facts with unknowns ------------------------------------------------------------


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


amounts = st.one_of(st.integers(min_value=0, max_value=60_000_000), st.sampled_from([99_999, 100_000, 1_300_000, 7_800_000]))
percent = st.one_of(st.sampled_from([0, 5, 19.9, 20, 79.9, 80, 80.1, 95, 100]), st.integers(min_value=0, max_value=100))


@st.composite
def parties(draw: st.DrawFn, prefix: str) -> dict[str, Any]:
    return {
        "name": f"{prefix} navn",
        "entity_id": draw(st.sampled_from([f"{prefix}-1", f"{prefix}-2", "SAME"])),
        "legal_type": draw(maybe(st.sampled_from(sorted(LEGAL_TYPES)))),
        "is_contracting_authority": draw(maybe(st.booleans())),
        "is_central_government": draw(maybe(st.booleans())),
        "direct_private_capital": draw(maybe(st.booleans())),
        "private_capital_required_by_law_noncontrolling": draw(maybe(st.booleans())),
        "activity_for_controllers_pct": draw(maybe(percent)),
        "activity_basis": draw(maybe(st.sampled_from(sorted(ACTIVITY_BASIS)))),
        "established": draw(maybe(st.sampled_from(["2000-01-01", "2024-06-01"]))),
        "projection_reason": draw(maybe(st.sampled_from(sorted(PROJECTION_REASONS)))),
    }


@st.composite
def valid_facts(draw: st.DrawFn) -> dict[str, Any]:
    n_parties = draw(st.integers(min_value=1, max_value=3))
    facts: dict[str, Any] = {
        "schema_version": 1,
        "reference_date": draw(st.sampled_from(["2021-05-05", "2023-06-01", "2024-03-14", "2026-03-02"])),
        "buyer": draw(parties("B")),
        "supplier": draw(parties("S")),
        "contract": {
            "pecuniary": draw(maybe(st.booleans())),
            "category": draw(maybe(st.sampled_from(sorted(CATEGORIES)))),
            "value": {"base_nok": draw(maybe(amounts)), "options_nok": draw(maybe(st.integers(0, 500_000)))},
        },
        "related_purchases": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"value_nok": maybe(st.integers(0, 200_000)), "date": maybe(st.sampled_from(["2020-01-01", "2023-01-01", "2025-12-01", "2026-01-01"])),
                     "same_need": maybe(st.booleans())}
                ),
                max_size=3,
            )
        ),
    }
    if draw(st.booleans()):
        facts["relationship"] = {
            "control": draw(maybe(st.sampled_from(sorted(CONTROL)))),
            "joint_control": draw(maybe(st.fixed_dictionaries({
                "representation_all": maybe(st.booleans()),
                "joint_decisive_influence": maybe(st.booleans()),
                "no_contrary_interests": maybe(st.booleans()),
            }))),
            "inverse_or_sister": draw(maybe(st.booleans())),
        }
    if draw(st.booleans()):
        facts["cooperation"] = {
            "parties": draw(maybe(st.lists(
                st.fixed_dictionaries({
                    "name": st.just("P"),
                    "entity_id": maybe(st.sampled_from(["B-1", "S-1", "S-2", "SAME", "P"])),
                    "public_service_task": maybe(st.sampled_from(["oppgave", " "])),
                    "contributions": maybe(st.sampled_from([[], ["lærere"], ["lokaler", "veiledning"]])),
                    "payment_only": maybe(st.booleans()),
                    "open_market_share_pct": maybe(percent),
                }),
                min_size=n_parties, max_size=n_parties,
            ))),
            "private_party_in_contract": draw(maybe(st.booleans())),
            "common_objectives_documented": draw(maybe(st.booleans())),
            "public_interest_only": draw(maybe(st.booleans())),
            "pricing": draw(maybe(st.sampled_from(sorted(PRICING)))),
            "activity_basis": draw(maybe(st.sampled_from(sorted(ACTIVITY_BASIS)))),
            "private_operator_advantaged": draw(maybe(st.sampled_from(sorted(ADVANTAGED)))),
            "third_party_subcontracting": draw(maybe(st.booleans())),
            "projection_reason": draw(maybe(st.sampled_from(sorted(PROJECTION_REASONS)))),
        }
    if draw(st.booleans()):
        facts["transfer"] = {
            "receiver_has_powers": draw(maybe(st.booleans())),
            "receiver_financial_independence": draw(maybe(st.booleans())),
            "transferor_relinquishes_responsibility": draw(maybe(st.booleans())),
        }
    if draw(st.booleans()):
        facts["nav"] = {"contracting_side": draw(maybe(st.sampled_from(["state", "municipal"]))),
                        "price_type": draw(maybe(st.sampled_from(sorted(PRICE_TYPE)))),
                        "measure_code": "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV"}
        facts["participant"] = {"age": draw(maybe(st.integers(0, 90))),
                                "integration": {"status": draw(maybe(st.sampled_from(sorted(INTEGRATION_STATUS))))}}
    return facts


# Facts where an exemption is *almost* established: every condition holds, then a random subset of
# the conditions is made unknown (null) or false. This is where a burden-of-proof bug would show.
CONDITION_PATHS = [
    "buyer.is_contracting_authority", "supplier.is_contracting_authority", "contract.pecuniary",
    "supplier.direct_private_capital", "supplier.activity_for_controllers_pct", "supplier.activity_basis",
    "relationship.control", "relationship.inverse_or_sister", "relationship.joint_control.representation_all",
    "relationship.joint_control.joint_decisive_influence", "relationship.joint_control.no_contrary_interests",
    "cooperation.parties", "cooperation.parties[0].payment_only", "cooperation.parties[1].open_market_share_pct",
    "cooperation.parties[0].contributions", "cooperation.parties[1].public_service_task",
    "cooperation.private_party_in_contract", "cooperation.common_objectives_documented",
    "cooperation.public_interest_only", "cooperation.activity_basis", "cooperation.private_operator_advantaged",
    "cooperation.parties[0].entity_id", "cooperation.parties[1].entity_id",
    "transfer.receiver_has_powers", "transfer.receiver_financial_independence",
    "transfer.transferor_relinquishes_responsibility",
]


@st.composite
def almost_exempt_facts(draw: st.DrawFn) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "schema_version": 1,
        "reference_date": "2026-03-02",
        "buyer": {"name": "Kommune A", "entity_id": "A", "legal_type": "municipality",
                  "is_contracting_authority": True, "is_central_government": False},
        "supplier": {"name": "Selskap B", "entity_id": "B", "legal_type": draw(st.sampled_from(["mixed_company", "municipality"])),
                     "is_contracting_authority": True, "direct_private_capital": False,
                     "activity_for_controllers_pct": 90, "activity_basis": "avg_turnover_3y"},
        "contract": {"pecuniary": True, "category": "special_services",
                     "value": {"base_nok": draw(st.sampled_from([150_000, 1_500_000, 9_000_000]))}},
    }
    claims = {"relationship"} if draw(st.booleans()) else {"cooperation"}
    if draw(st.booleans()):
        claims.add("cooperation")
    if draw(st.integers(0, 4)) == 0:  # a transfer is decided first, so keep it rare
        claims.add("transfer")
    if "relationship" in claims:
        facts["relationship"] = {
            "control": draw(st.sampled_from(["sole", "sole_indirect", "joint", "none", "partial"])),
            "joint_control": {"representation_all": True, "joint_decisive_influence": True, "no_contrary_interests": True},
            "inverse_or_sister": draw(st.booleans()),
        }
    if "cooperation" in claims:
        facts["cooperation"] = {
            "parties": [
                {"name": "A", "entity_id": "A", "public_service_task": "oppgave", "contributions": ["lærere"],
                 "payment_only": False, "open_market_share_pct": 0},
                {"name": "B", "entity_id": "B", "public_service_task": "oppgave", "contributions": ["lokaler"],
                 "payment_only": False, "open_market_share_pct": 10},
            ],
            "private_party_in_contract": False, "common_objectives_documented": True, "public_interest_only": True,
            "pricing": "own_costs_each", "activity_basis": "avg_turnover_3y", "private_operator_advantaged": "no",
            "third_party_subcontracting": False,
        }
    if "transfer" in claims:
        facts["transfer"] = {"receiver_has_powers": True, "receiver_financial_independence": True,
                             "transferor_relinquishes_responsibility": True}
    for path in sorted(draw(st.sets(st.sampled_from(CONDITION_PATHS), max_size=3)), reverse=True):
        _set_if_present(facts, path, None)
    return facts


def _set_if_present(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` only when its parent exists (a nulled block stays null)."""
    parts = path.replace("]", "").replace("[", ".").split(".")
    node: Any = doc
    for part in parts[:-1]:
        key: Any = int(part) if part.isdigit() else part
        if isinstance(node, dict) and isinstance(node.get(key), (dict, list)):
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return
    last: Any = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
    node[last] = value


def _known_cooperation(facts: dict[str, Any]) -> list[str]:
    """Conditions of EXC-HOR-01…05 that are unknown (or blank) in ``facts``."""
    coop = facts["cooperation"]
    unknown = [k for k in ("private_party_in_contract", "common_objectives_documented", "public_interest_only", "activity_basis")
               if coop.get(k) is None]
    if coop.get("activity_basis") == "projection" and coop.get("projection_reason") is None:
        unknown.append("projection_reason")
    unknown += [f"{who}.is_contracting_authority" for who in ("buyer", "supplier") if facts[who]["is_contracting_authority"] is None]
    if coop["private_operator_advantaged"] in (None, "unknown"):
        unknown.append("private_operator_advantaged")
    if coop["parties"] is None:
        unknown.append("parties")
    else:
        for i, p in enumerate(coop["parties"]):
            for key in ("contributions", "payment_only", "open_market_share_pct"):
                if p[key] is None:
                    unknown.append(f"parties[{i}].{key}")
            if p["public_service_task"] is None or not p["public_service_task"].strip():
                unknown.append(f"parties[{i}].public_service_task")
    return unknown


@SETTINGS
@given(st.one_of(almost_exempt_facts(), valid_facts()))
def test_b_exempt_only_when_every_condition_of_the_exemption_is_known(facts):
    code, result = evaluate_document(facts)
    assert code == 0, result
    if result["verdict"] != "exempt":
        return
    last = ids(result)[-1]
    if last.startswith("EXC-HOR"):
        assert _known_cooperation(facts) == []
        coop = facts["cooperation"]
        assert coop["private_operator_advantaged"] == "no"
        assert all(not p["payment_only"] and p["contributions"] and p["open_market_share_pct"] < 20 for p in coop["parties"])
        members = {p["entity_id"] for p in coop["parties"]}
        assert facts["buyer"]["entity_id"] in members and facts["supplier"]["entity_id"] in members
        assert coop["activity_basis"] != "projection" or coop.get("projection_reason") not in (None, "none")
    elif last.startswith("EXC-VERT"):
        supplier = facts["supplier"]
        assert supplier["direct_private_capital"] is not None
        rel = facts["relationship"]
        if "EXC-VERT-04" in ids(result):  # inverse or sister award
            assert rel["inverse_or_sister"] is True and facts["buyer"]["is_contracting_authority"] is not None
        else:
            assert rel["control"] in ("sole", "sole_indirect", "joint")
            assert supplier["activity_for_controllers_pct"] is not None and supplier["activity_for_controllers_pct"] > 80
            assert supplier["activity_basis"] is not None
            if supplier["activity_basis"] == "projection":
                assert supplier.get("projection_reason") != "none"
                assert supplier.get("projection_reason") is not None or supplier.get("established") == "2024-06-01"
            if rel["control"] == "joint":
                assert all(v is True for v in rel["joint_control"].values())
    elif last == "EXC-COMP-01":
        assert all(v is True for v in facts["transfer"].values())
    elif last == "EXC-INH-01":
        assert facts["buyer"]["entity_id"] == facts["supplier"]["entity_id"]
    else:
        assert last == "SCOPE-01"
        assert facts["buyer"]["is_contracting_authority"] is False or facts["contract"]["pecuniary"] is False


@SETTINGS
@given(st.one_of(almost_exempt_facts(), valid_facts()))
def test_c_no_missing_facts_when_exempt(facts):
    code, result = evaluate_document(facts)
    assert code == 0, result
    if result["verdict"] == "exempt":
        assert result["missing_facts"] == []
    if result["verdict"] == "needs_assessment":
        assert result["regime"] is None
    if result["verdict"] == "procurement_required" and "cooperation" in facts and _known_cooperation(facts):
        # an unknown cooperation condition can only leave the exemption unestablished
        assert "EXC-BURDEN-01" in ids(result) or any(i.startswith("EXC-HOR") for i in ids(result))
