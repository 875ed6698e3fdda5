"""THR-01…11: threshold boundaries, dated periods, and the ThresholdTable API."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from contracts_app.rules import FactsError, ThresholdTable, ThresholdTableError, evaluate, evaluate_document

from .facts_factory import ids, make_facts, plain, run

SHIPPED = ThresholdTable.shipped()


def _regime(facts: dict) -> tuple[str, str | None]:
    result = evaluate(facts)
    return result["verdict"], result["regime"]


@pytest.mark.parametrize(
    ("value", "verdict"),
    [(99_999, "below_scope"), (100_000, "procurement_required"), ("99999.99", "below_scope"), ("99999.995", "procurement_required")],
)
def test_lower_limit_is_equal_to_or_above(value, verdict):
    result = run({"contract.value.base_nok": value})
    assert result["verdict"] == verdict
    assert "THR-01" in ids(result)


@pytest.mark.parametrize(
    ("category", "central", "value", "regime", "rule"),
    [
        # national threshold 1 300 000 (THR-03)
        ("goods", False, 1_299_999, "part_I", "THR-03"),
        ("goods", False, 1_300_000, "part_I_II", "THR-03"),
        ("services_ordinary", True, 1_299_999, "part_I", "THR-03"),
        ("services_ordinary", True, 1_300_000, "part_I_II", "THR-03"),
        # EEA central government 1 490 000 (THR-04)
        ("goods", True, 1_489_999, "part_I_II", "THR-03"),
        ("goods", True, 1_490_000, "part_I_III", "THR-04"),
        # EEA other authorities 2 300 000 (THR-05)
        ("services_ordinary", False, 2_299_999, "part_I_II", "THR-03"),
        ("services_ordinary", False, 2_300_000, "part_I_III", "THR-05"),
        # works 57 800 000 (THR-06)
        ("works", False, 1_299_999, "part_I", "THR-03"),
        ("works", True, 1_300_000, "part_I_II", "THR-06"),
        ("works", False, 57_799_999, "part_I_II", "THR-06"),
        ("works", False, 57_800_000, "part_I_III", "THR-06"),
        # special services (THR-07/08)
        ("special_services", True, 1_299_999, "part_I", "THR-08"),
        ("special_services", True, 1_300_000, "part_I_II", "THR-08"),
        ("special_services", False, 7_799_999, "part_I_II", "THR-08"),
        ("special_services", False, 7_800_000, "part_I_II_plus_III_special", "THR-08"),
        # health and social services (THR-07/09): no part II
        ("health_social_services", True, 1_300_000, "part_I", "THR-09"),
        ("health_social_services", False, 7_799_999, "part_I", "THR-09"),
        ("health_social_services", False, 7_800_000, "part_I_VI", "THR-09"),
    ],
)
def test_regime_boundaries(category, central, value, regime, rule):
    result = evaluate(
        plain({"contract.category": category, "buyer.is_central_government": central, "contract.value.base_nok": value})
    )
    assert result["verdict"] == "procurement_required"
    assert result["regime"] == regime
    assert ids(result)[-1] == rule or rule in ids(result)


@pytest.mark.parametrize(
    ("day", "central", "value", "regime"),
    [
        # 2023: central 1 400 000, other 2 200 000 (THR-04/05 previous periods)
        ("2023-06-01", True, 1_399_999, "part_I_II"),
        ("2023-06-01", True, 1_400_000, "part_I_III"),
        ("2023-06-01", False, 2_199_999, "part_I_II"),
        ("2023-06-01", False, 2_200_000, "part_I_III"),
        # the last day of a period and the first day of the next
        ("2024-03-13", True, 1_400_000, "part_I_III"),
        ("2024-03-14", True, 1_400_000, "part_I_II"),
        ("2024-03-13", False, 2_299_999, "part_I_III"),
        ("2024-03-14", False, 2_299_999, "part_I_II"),
        # 2020–2022: the central EEA threshold equalled the national threshold (1 300 000)
        ("2021-05-05", True, 1_300_000, "part_I_III"),
        ("2021-05-05", False, 2_049_999, "part_I_II"),
        ("2021-05-05", False, 2_050_000, "part_I_III"),
    ],
)
def test_dated_eea_thresholds(day, central, value, regime):
    facts = plain(
        {"reference_date": day, "contract.category": "goods", "buyer.is_central_government": central, "contract.value.base_nok": value}
    )
    assert _regime(facts) == ("procurement_required", regime)


@pytest.mark.parametrize(
    ("day", "value", "regime"),
    [("2018-04-05", 1_099_999, "part_I"), ("2018-04-06", 1_299_999, "part_I"), ("2022-03-22", 7_200_000, "part_I_II_plus_III_special"), ("2022-03-23", 7_200_000, "part_I_II")],
)
def test_dated_national_and_special_thresholds(day, value, regime):
    facts = plain({"reference_date": day, "contract.category": "special_services", "contract.value.base_nok": value})
    assert _regime(facts) == ("procurement_required", regime)


@pytest.mark.parametrize(
    ("changes", "key", "rule", "day"),
    [
        # 1 100 000 reaches the national threshold of that day; the regime then needs an EEA figure the
        # shipped table does not have for special services before 2020-02-13 (catalog § 14 item 2).
        ({"reference_date": "2018-04-05", "contract.category": "special_services", "contract.value.base_nok": 1_100_000},
         "eea_special_health_social", "THR-07", "2018-04-05"),
        # Before the Act (2017-01-01) the table has no lower limit at all.
        ({"reference_date": "2016-12-31"}, "lower_limit", "THR-01", "2016-12-31"),
    ],
    ids=["2018-special-services-no-eea-row", "before-the-act"],
)
def test_a_missing_threshold_gives_needs_assessment_with_a_warning_not_an_input_error(changes, key, rule, day):
    facts = plain(changes)
    code, result = evaluate_document(facts)
    assert code == 0
    assert result == evaluate(facts)
    assert result["verdict"] == "needs_assessment" and result["regime"] is None
    assert result["missing_facts"] == [] and result["reasons"] == [] and result["obligations"] == []
    assert ids(result, "warnings") == ["THR-11"]
    warning = result["warnings"][0]
    shown = ".".join(reversed(day.split("-")))  # one date format in both languages: 05.04.2018
    assert f"'{key}' ({rule})" in warning["message_en"] and shown in warning["message_en"]
    assert f"«{key}» ({rule})" in warning["message"]
    assert set(result["ruleset"]) >= {"version", "thresholds_effective_from", "table_id"}
    assert "law" in result


def test_a_batch_with_a_missing_threshold_case_still_assesses_the_others():
    missing = plain({"reference_date": "2016-12-31"})
    code, body = evaluate_document({"cases": [missing, plain()]})
    assert code == 0
    assert [r["verdict"] for r in body["results"]] == ["needs_assessment", "procurement_required"]


def test_category_unknown_above_national_threshold_leaves_regime_open():
    result = evaluate(plain({"contract.category": None, "contract.value.base_nok": 2_000_000}))
    assert result["verdict"] == "procurement_required"
    assert result["regime"] is None
    assert "contract.category" in result["missing_facts"]


def test_category_unknown_below_national_threshold_is_part_i_for_every_category():
    result = evaluate(plain({"contract.category": None, "contract.value.base_nok": 1_000_000}))
    assert result["regime"] == "part_I"
    assert "contract.category" not in result["missing_facts"]


@pytest.mark.parametrize(("value", "regime", "missing"), [(1_400_000, "part_I_II", False), (1_600_000, None, True), (2_300_000, "part_I_III", False)])
def test_central_government_unknown_matters_only_between_the_two_eea_thresholds(value, regime, missing):
    result = evaluate(plain({"contract.category": "goods", "buyer.is_central_government": None, "contract.value.base_nok": value}))
    assert result["regime"] == regime
    assert ("buyer.is_central_government" in result["missing_facts"]) is missing


def test_thr10_warns_in_2026_when_the_value_reaches_a_2024_eea_threshold():
    result = evaluate(plain({"contract.category": "goods", "contract.value.base_nok": 2_500_000}))
    assert "THR-10" in ids(result, "warnings")
    before = evaluate(plain({"reference_date": "2025-12-31", "contract.category": "goods", "contract.value.base_nok": 2_500_000}))
    assert "THR-10" not in ids(before, "warnings")
    below = evaluate(plain({"contract.category": "goods", "contract.value.base_nok": 2_000_000}))
    assert "THR-10" not in ids(below, "warnings")


# --- ThresholdTable API -------------------------------------------------------------------------


def _rows() -> list[dict]:
    return SHIPPED.as_rows()


def test_shipped_table_is_loaded_once_and_lookups_are_cached():
    assert ThresholdTable.shipped() is SHIPPED
    assert SHIPPED.lookup(date(2026, 3, 2)) is SHIPPED.lookup(date(2026, 3, 2))


@pytest.mark.parametrize(
    ("day", "key", "value"),
    [
        ("2017-01-01", "lower_limit", "100000"),
        ("2017-01-01", "national", "1100000"),
        ("2018-04-06", "national", "1300000"),
        ("2020-02-13", "eea_goods_services_central", "1300000"),
        ("2022-03-23", "eea_goods_services_central", "1400000"),
        ("2024-03-14", "eea_goods_services_central", "1490000"),
        ("2022-03-22", "eea_goods_services_other", "2050000"),
        ("2023-01-01", "eea_goods_services_other", "2200000"),
        ("2026-01-01", "eea_goods_services_other", "2300000"),
        ("2021-01-01", "eea_works", "51500000"),
        ("2023-01-01", "eea_works", "56000000"),
        ("2025-01-01", "eea_works", "57800000"),
        ("2021-01-01", "eea_special_health_social", "7200000"),
        ("2022-03-23", "eea_special_health_social", "7800000"),
        ("2026-03-02", "small_lot", "750000"),
        ("2026-03-02", "protocol_trigger", "100000"),
    ],
)
def test_shipped_values(day, key, value):
    assert getattr(SHIPPED.lookup(date.fromisoformat(day)), key) == Decimal(value)


def test_shipped_table_has_only_the_2026_2027_eea_rows_pending_and_no_guessed_figure():
    rows = _rows()
    pending = [r for r in rows if r["status"] == "pending"]
    assert sorted(r["key"] for r in pending) == sorted(
        ["eea_goods_services_central", "eea_goods_services_other", "eea_works", "eea_special_health_social"]
    )
    assert all(r["value_nok"] is None and r["effective_from"] is None for r in pending)
    assert not any(r["key"] == "lower_limit_prop147" for r in rows)  # the 300 000 proposal never became law
    assert all(r["value_nok"] is not None for r in rows if r["status"] == "active")
    assert SHIPPED.lookup(date(2030, 1, 1)).lower_limit == Decimal(500000)


def test_before_2017_nothing_is_in_force():
    assert SHIPPED.lookup(date(2016, 12, 31)).lower_limit is None


def test_effective_from_is_the_latest_start_among_the_rows_used():
    assert SHIPPED.lookup(date(2026, 3, 2)).effective_from == date(2024, 3, 14)
    assert SHIPPED.lookup(date(2019, 1, 1)).effective_from == date(2018, 4, 6)


def test_from_rows_accepts_date_objects_decimals_and_strings():
    rows = [
        {"key": "lower_limit", "value_nok": Decimal("100000"), "effective_from": date(2017, 1, 1), "effective_to": None,
         "source": "s", "last_verified": date(2026, 1, 5), "status": "active", "note": ""},
        {"key": "national", "value_nok": 1300000, "effective_from": "2017-01-01", "effective_to": None,
         "source": "s", "last_verified": None, "status": "active", "note": ""},
    ]
    table = ThresholdTable.from_rows(rows)
    day = table.lookup(date(2026, 1, 1))
    assert day.lower_limit == Decimal(100000) and day.national == Decimal(1300000)
    assert day.eea_works is None


def test_the_amended_lower_limit_is_a_row_naming_thr02_and_its_date():
    before = evaluate(make_facts({"reference_date": "2026-06-30", "contract.value.base_nok": 250_000}))
    after = evaluate(make_facts({"reference_date": "2026-07-01", "contract.value.base_nok": 250_000}))
    assert before["verdict"] == "procurement_required" and "THR-01" in ids(before)
    assert after["verdict"] == "below_scope" and "THR-02" in ids(after)
    message = next(r for r in after["reasons"] if r["rule_id"] == "THR-02")["message"]
    assert "500\xa0000" in message and "01.07.2026" in message
    at_limit = evaluate(make_facts({"reference_date": "2026-07-01", "contract.value.base_nok": 500_000}))
    assert at_limit["verdict"] == "procurement_required"
    assert "Prop. 147 L" in at_limit["obligations"][0]["message"]


def test_adding_a_2026_period_is_data_and_removes_the_thr10_warning():
    rows = _rows()
    for row in rows:
        if row["key"] == "eea_goods_services_other" and row["effective_to"] is None:
            row["effective_to"] = "2026-05-31"
    rows.append({"key": "eea_goods_services_other", "value_nok": "2600000", "effective_from": "2026-06-01",
                 "effective_to": None, "source": "FOA § 5-3 (test)", "last_verified": "2026-06-01", "status": "active", "note": ""})
    table = ThresholdTable.from_rows(rows)
    facts = plain({"reference_date": "2026-06-01", "contract.category": "goods", "contract.value.base_nok": 2_500_000})
    result = evaluate(facts, table)
    assert result["regime"] == "part_I_II"
    assert "THR-10" not in ids(result, "warnings")
    assert result["ruleset"]["thresholds_effective_from"] == "2026-06-01"
    assert result["ruleset"]["table_id"] == table.id


def test_table_id_ignores_pending_rows_and_notes():
    rows = _rows()
    rows[0]["note"] = "reviewed again"
    rows.append({"key": "eea_works", "value_nok": "60000000", "effective_from": None, "effective_to": None,
                 "source": "", "last_verified": None, "status": "pending", "note": "2026 value, not yet in force"})
    assert ThresholdTable.from_rows(rows, [v.as_dict() for v in SHIPPED.law_versions]).id == SHIPPED.id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "enabled"}, "status"),
        ({"value_nok": None}, "value_nok"),
        ({"value_nok": "-1"}, "value_nok"),
        ({"value_nok": "abc"}, "value_nok"),
        ({"value_nok": True}, "value_nok"),
        ({"effective_from": None}, "effective_from"),
        ({"effective_from": "01.01.2017"}, "effective_from"),
        ({"effective_to": "2016-01-01"}, "effective_to"),
        ({"key": ""}, "key"),
    ],
)
def test_invalid_rows_are_rejected(change, message):
    rows = _rows()
    rows[0].update(change)
    with pytest.raises(ThresholdTableError, match=message):
        ThresholdTable.from_rows(rows)


def test_overlapping_active_periods_are_rejected():
    rows = _rows()
    rows.append({"key": "national", "value_nok": "1400000", "effective_from": "2025-01-01", "effective_to": None,
                 "source": "", "last_verified": None, "status": "active", "note": ""})
    with pytest.raises(ThresholdTableError, match="overlap"):
        ThresholdTable.from_rows(rows)


def test_the_table_finding_reads_as_prose_for_lawyers():
    """Lawyer-facing text: dates the Norwegian way and no table hash (it stays in ``ruleset.table_id``)."""
    result = run()
    thr11 = next(r for r in result["reasons"] if r["rule_id"] == "THR-11")
    assert result["ruleset"]["table_id"] not in thr11["message"]
    assert re.search(r"\d{2}\.\d{2}\.\d{4}", thr11["message"]) and not re.search(r"\d{4}-\d{2}-\d{2}", thr11["message"])
