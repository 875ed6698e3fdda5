"""The registry covers the whole catalog, and the engine stays pure (no Flask, no database, no clock)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import contracts_app.rules as rules
from contracts_app.rules import RULES, Reference, Rule
from contracts_app.rules.facts import Facts, Party
from contracts_app.rules.registry import Finding
from contracts_app.rules.schema import parse_facts

from .facts_factory import WORKED_EXAMPLE

CATALOG_IDS = (
    [f"THR-{i:02d}" for i in range(1, 12)]
    + [f"VAL-{i:02d}" for i in range(1, 9)]
    + [f"SCOPE-{i:02d}" for i in range(1, 4)]
    + ["EXC-BURDEN-01", "EXC-INH-01"]
    + [f"EXC-VERT-{i:02d}" for i in range(1, 8)]
    + [f"EXC-HOR-{i:02d}" for i in range(1, 7)]
    + ["EXC-COMP-01"]
    + [f"GRANT-{i:02d}" for i in range(1, 4)]
    + [f"OBL-{i:02d}" for i in range(1, 8)]
    + [f"NAV-{i:02d}" for i in range(1, 9)]
    + [f"INT-{i:02d}" for i in range(1, 7)]
)
INFORMATIONAL = {"THR-07", "VAL-07", "VAL-08", "EXC-VERT-02", "EXC-HOR-04", "NAV-02", "NAV-03", "NAV-08", "INT-01", "INT-03", "INT-05"}
PACKAGE = Path(rules.__file__).parent


def test_every_catalog_rule_id_is_registered_in_catalog_order():
    assert list(RULES) == CATALOG_IDS


@pytest.mark.parametrize("rule_id", CATALOG_IDS)
def test_each_rule_has_a_title_a_citation_and_bilingual_messages(rule_id):
    rule = RULES[rule_id]
    assert rule.rule_id == rule_id
    assert rule.title and rule.citation
    assert isinstance(rule, Reference) is (rule_id in INFORMATIONAL)
    if isinstance(rule, Rule):
        assert rule.messages
        for outcome, nb, en in rule.messages.values():
            assert outcome in {"met", "not_met", "unknown", "judgment", "info"}
            assert nb and en and nb != en


@pytest.mark.parametrize(("rule_id", "cited"), [("THR-08", "THR-07"), ("VAL-03", "VAL-07"), ("EXC-VERT-01", "EXC-VERT-02"),
                                                 ("EXC-HOR-01", "EXC-HOR-04"), ("EXC-VERT-07", "NAV-02"), ("INT-04", "INT-02")])
def test_informational_rules_contribute_their_citation(rule_id, cited):
    for part in RULES[cited].citation.split("; "):
        assert part in RULES[rule_id].citation


def test_findings_and_facts_are_frozen_slotted_dataclasses():
    facts, errors = parse_facts(WORKED_EXAMPLE)
    assert errors == [] and isinstance(facts, Facts) and isinstance(facts.buyer, Party)
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.buyer.name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.reference_date = None  # type: ignore[misc]
    assert not hasattr(facts, "__dict__")
    finding = RULES["OBL-07"].finding("fee")  # type: ignore[union-attr]
    assert isinstance(finding, Finding)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.message = "x"  # type: ignore[misc]
    item = finding.as_dict()
    assert item == {"rule_id": "OBL-07", "message": finding.message, "message_en": finding.message_en, "citation": finding.citation}
    assert type(item) is dict and finding.as_dict() is not item
    assert dataclasses.replace(facts.buyer, name="y").name == "y"


def test_no_tricks_with_the_object_model():
    """Value objects are built by their own constructors: no exec, no class switching, no object.__new__."""
    offenders = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"exec", "eval"}:
                offenders.append(f"{path.name}:{node.lineno} {node.func.id}")
            elif isinstance(node, ast.Attribute) and node.attr in {"__class__", "__new__"} and isinstance(node.ctx, ast.Store):
                offenders.append(f"{path.name}:{node.lineno} assigns {node.attr}")
            elif (
                isinstance(node, ast.Attribute) and node.attr == "__new__"
                and isinstance(node.value, ast.Name) and node.value.id == "object"
            ):
                offenders.append(f"{path.name}:{node.lineno} object.__new__")
    assert offenders == []


def _sources() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(PACKAGE.glob("*.py"))]


def test_engine_imports_only_the_standard_library_and_itself():
    allowed_roots = {
        "__future__", "abc", "calendar", "collections", "dataclasses", "datetime", "decimal", "enum", "gc", "hashlib", "json",
        "math", "operator", "pathlib", "re", "threading", "typing",
    }
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative import inside the package
                    continue
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed_roots, f"{path.name}: imports {roots - allowed_roots}"


def test_engine_never_reads_the_wall_clock():
    forbidden = {"today", "now", "utcnow", "time", "monotonic", "perf_counter"}
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in forbidden and isinstance(node.value, ast.Name):
                assert node.value.id not in {"date", "datetime", "time"}, f"{path.name}:{node.lineno} reads the clock"


def test_no_floats_in_amount_arithmetic():
    offenders = [
        f"{path.name}:{node.lineno}"
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float"
    ]
    assert offenders == [], f"these convert to float: {offenders}"


def test_shipped_threshold_table_is_package_data_next_to_the_code():
    assert (PACKAGE / "thresholds.json").is_file()
