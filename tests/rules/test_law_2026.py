"""The law as amended from 2026-07-01 (catalog THR-02 and § 14): dated figures, law versions, and no figure
the threshold table owns written anywhere else."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from contracts_app.rules import RULES, ThresholdTable, evaluate
from contracts_app.rules.registry import Rule

SHIPPED = ThresholdTable.shipped()
ROOT = Path(__file__).resolve().parents[2]

NAV_STATE = {"name": "Arbeids- og velferdsetaten", "entity_id": "889640782", "legal_type": "state",
             "is_contracting_authority": True, "is_central_government": True}
MUNICIPALITY = {"name": "Eksempel kommune", "entity_id": "NO-MUNI-EKS", "legal_type": "municipality",
                "is_contracting_authority": True, "is_central_government": False, "direct_private_capital": False}


def facts(day: str, value, *, category: str = "special_services", central: bool = True) -> dict:
    buyer = dict(NAV_STATE, is_central_government=central,
                 legal_type="state" if central else "municipality", entity_id="889640782" if central else "NO-MUNI-A")
    return {"schema_version": 1, "reference_date": day, "buyer": buyer, "supplier": MUNICIPALITY,
            "relationship": {"control": "none"},
            "contract": {"pecuniary": True, "category": category, "value": {"base_nok": value}}}


@pytest.mark.parametrize(
    ("day", "value", "verdict", "rule"),
    [
        ("2026-06-30", 99_999, "below_scope", "THR-01"),
        ("2026-06-30", 100_000, "procurement_required", "THR-01"),
        ("2026-06-30", 499_999, "procurement_required", "THR-01"),
        ("2026-06-30", 500_000, "procurement_required", "THR-01"),
        ("2026-07-01", 100_000, "below_scope", "THR-02"),
        ("2026-07-01", 499_999, "below_scope", "THR-02"),
        ("2026-07-01", "499999.99", "below_scope", "THR-02"),
        ("2026-07-01", 500_000, "procurement_required", "THR-02"),
        ("2026-12-07", 450_000, "below_scope", "THR-02"),
    ],
)
def test_lower_limit_on_each_side_of_the_amendment(day, value, verdict, rule):
    result = evaluate(facts(day, value))
    assert result["verdict"] == verdict
    assert rule in [r["rule_id"] for r in result["reasons"]]


def test_same_facts_on_2026_06_30_and_2026_07_01_name_two_law_versions_and_two_verdicts():
    before, after = evaluate(facts("2026-06-30", 450_000)), evaluate(facts("2026-07-01", 450_000))
    assert (before["verdict"], after["verdict"]) == ("procurement_required", "below_scope")
    assert before["law"]["id"] == "anskaffelsesloven-2017" and before["law"]["in_force_to"] == "2026-06-30"
    assert after["law"]["id"] == "anskaffelsesloven-2026-07-01" and after["law"]["in_force_from"] == "2026-07-01"
    assert "01.07.2026" in after["law"]["title"] and after["law"]["verified"] is False
    assert before["ruleset"]["table_id"] == after["ruleset"]["table_id"] == SHIPPED.id


@pytest.mark.parametrize(
    ("day", "central", "value", "regime"),
    [
        # 2017-01-01 → 2018-04-05: central 1 100 000, others 1 750 000 (FOR-2018-04-04-533)
        ("2017-06-01", True, 1_099_999, "part_I"),  # below the national threshold of the day (1 100 000) too
        ("2017-06-01", True, 1_100_000, "part_I_III"),
        ("2017-06-01", False, 1_749_999, "part_I_II"),
        ("2017-06-01", False, 1_750_000, "part_I_III"),
        # 2018-04-06 → 2020-02-12: central 1 300 000, others 2 000 000
        ("2018-04-06", True, 1_299_999, "part_I"),
        ("2018-04-06", True, 1_300_000, "part_I_III"),
        ("2019-09-01", False, 1_999_999, "part_I_II"),
        ("2019-09-01", False, 2_000_000, "part_I_III"),
        ("2020-02-12", False, 2_000_000, "part_I_III"),
        ("2020-02-13", False, 2_000_000, "part_I_II"),  # the 2020 figure (2 050 000) from the next day
    ],
)
def test_pre_2020_eea_goods_and_services(day, central, value, regime):
    result = evaluate(facts(day, value, category="services_ordinary", central=central))
    assert (result["verdict"], result["regime"]) == ("procurement_required", regime)


@pytest.mark.parametrize(
    ("day", "value", "regime"),
    [("2017-03-01", 43_999_999, "part_I_II"), ("2017-03-01", 44_000_000, "part_I_III"),
     ("2018-12-01", 50_999_999, "part_I_II"), ("2019-12-01", 51_000_000, "part_I_III")],
)
def test_pre_2020_eea_works(day, value, regime):
    result = evaluate(facts(day, value, category="works", central=False))
    assert (result["verdict"], result["regime"]) == ("procurement_required", regime)


def test_pending_2026_2027_rows_are_never_used_until_activated():
    day = date(2027, 6, 1)
    assert SHIPPED.lookup(day).eea_goods_services_central == Decimal(1_490_000)
    rows = SHIPPED.as_rows()
    for row in rows:
        if row["key"] == "eea_goods_services_central":
            if row["status"] == "pending":
                row.update(status="active", value_nok="1600000", effective_from="2027-01-01")
            elif row["effective_to"] is None:
                row["effective_to"] = "2026-12-31"
    activated = ThresholdTable.from_rows(rows, [v.as_dict() for v in SHIPPED.law_versions])
    assert activated.id != SHIPPED.id
    assert activated.lookup(day).eea_goods_services_central == Decimal(1_600_000)
    assert activated.lookup(date(2026, 12, 31)).eea_goods_services_central == Decimal(1_490_000)
    result = evaluate(facts("2027-06-01", 1_500_000, category="services_ordinary"), activated)
    assert result["regime"] == "part_I_II"
    assert evaluate(facts("2027-06-01", 1_500_000, category="services_ordinary"))["regime"] == "part_I_III"


def test_protocol_trigger_is_never_below_the_lower_limit_in_force():
    starts = sorted({r.effective_from for r in SHIPPED.rows if r.effective_from} | {
        r.effective_to + timedelta(days=1) for r in SHIPPED.rows if r.effective_to})
    for day in starts:
        ts = SHIPPED.lookup(day)
        if ts.lower_limit is not None:
            assert ts.protocol_trigger is not None and ts.protocol_trigger >= ts.lower_limit, day


def test_the_amended_lower_limit_is_shipped_unverified_with_its_sources():
    [row] = [r for r in SHIPPED.rows if r.key == "lower_limit" and r.effective_from == date(2026, 7, 1)]
    assert row.value_nok == Decimal(500_000) and row.rule == "THR-02" and row.last_verified is None
    assert "Prop. 147 L" in row.source and "anskaffelser.no" in row.source


# --- no figure the table owns is written anywhere else ---------------------------------------------------


def _spellings(value: Decimal) -> set[str]:
    """How a figure the table owns could be written: 100 000, 100000, 100.000, 1,3 MNOK, 7,8 millioner …"""
    n = int(value)
    grouped = f"{n:,}"
    out = {grouped.replace(",", " "), grouped.replace(",", "\u00a0"), grouped.replace(",", "."), str(n)}
    if n >= 1_000_000 and n % 100_000 == 0:
        millions = f"{n / 1_000_000:g}"
        out |= {f"{millions.replace('.', ',')} M", f"{millions.replace('.', ',')} mill", f"{millions} M", f"{millions} mill",
                f"{millions.replace('.', ',')} MNOK", f"{millions} MNOK"}
    return out


FIGURES = sorted({s for r in SHIPPED.rows if r.value_nok is not None for s in _spellings(r.value_nok)}, key=len, reverse=True)
PATTERN = re.compile(r"(?<![\d.,])(" + "|".join(re.escape(f) for f in FIGURES) + r")(?![\d])")


def _rule_texts(rule: Rule) -> list[str]:
    texts = [rule.title, getattr(rule, "citation", "")]
    for message in getattr(rule, "messages", {}).values():
        texts.extend(m for m in message if isinstance(m, str))
    return texts


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_no_rule_text_writes_a_figure_of_the_threshold_table(rule_id):
    found = [(t, PATTERN.findall(t)) for t in _rule_texts(RULES[rule_id]) if PATTERN.search(t)]
    assert not found, f"{rule_id} writes a threshold figure; take it from the table ({{limit}} etc.): {found}"


def test_the_check_catches_a_hard_coded_figure():
    assert PATTERN.search("Verdien er under nedre grense kr 100 000")
    assert PATTERN.search("over 1,3 MNOK") and PATTERN.search("1 490 000 kroner")
    assert not PATTERN.search("Verdien er under nedre grense {limit}")


@pytest.mark.parametrize("folder", ["templates", "contracts_app", "contract_templates"])
def test_no_page_message_or_document_template_writes_a_figure_of_the_threshold_table(folder):
    suffixes = {".html", ".py", ".po", ".txt"}
    skip = {"thresholds.json"}
    offenders = []
    for path in (ROOT / folder).rglob("*"):
        if path.suffix not in suffixes or path.name in skip or "__pycache__" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith(("#", "msgid", '"""', "//")):
                continue  # comments and the English source ids (their translation lines are checked)
            match = PATTERN.search(line)
            if match and _is_message(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)!r} in {line.strip()[:120]}")
    assert not offenders, "\n".join(offenders)


def _is_message(line: str) -> bool:
    """A line that puts text in front of a user: a template's text, a translated message, a quoted string."""
    return ">" in line or "msgstr" in line or '"' in line or "'" in line
