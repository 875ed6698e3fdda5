"""VAL-01…08: the estimated value and the aggregation of similar purchases."""

from __future__ import annotations

import pytest

from contracts_app.rules import evaluate

from .facts_factory import DELETE, ids, plain, run, seats


@pytest.mark.parametrize(
    ("value", "estimated", "verdict"),
    [
        ({"base_nok": 60000}, "60000.00", "below_scope"),
        ({"base_nok": 60000, "options_nok": 40000}, "100000.00", "procurement_required"),
        ({"base_nok": 60000, "extensions_nok": 39999}, "99999.00", "below_scope"),
        ({"base_nok": 50000, "options_nok": 25000, "extensions_nok": 25000}, "100000.00", "procurement_required"),
        ({"base_nok": "60000.50", "options_nok": "0.125"}, "60000.63", "below_scope"),
        ({"base_nok": 60000, "options_nok": None}, "60000.00", "below_scope"),
    ],
)
def test_val01_options_and_extensions_count(value, estimated, verdict):
    result = run({"contract.value": value})
    assert result["estimated_value_nok"] == estimated
    assert result["verdict"] == verdict
    assert "VAL-01" in ids(result)


@pytest.mark.parametrize(
    ("monthly", "duration", "estimated"),
    [
        (2000, 12, "24000.00"),
        (2000, 48, "96000.00"),  # fixed term of 48 months: the full term
        (2000, 49, "96000.00"),  # more than 48 months: monthly × 48
        (2000, 120, "96000.00"),
        (2000, None, "96000.00"),  # indefinite term: monthly × 48
        ("2083.34", 48, "100000.32"),
    ],
)
def test_val02_48_month_rule(monthly, duration, estimated):
    result = run({"contract.value": {"monthly_nok": monthly, "duration_months": duration}})
    assert result["estimated_value_nok"] == estimated
    assert "VAL-02" in ids(result)


def test_val02_boundary_decides_scope():
    assert run({"contract.value": {"monthly_nok": 2084, "duration_months": 47}})["verdict"] == "below_scope"
    assert run({"contract.value": {"monthly_nok": 2084, "duration_months": 48}})["verdict"] == "procurement_required"
    assert run({"contract.value": {"monthly_nok": 2084, "duration_months": 49}})["verdict"] == "procurement_required"


def test_val04_framework_maximum_is_the_value():
    result = run({"contract.value": {"base_nok": 50000, "framework_max_nok": 1_300_000}})
    assert result["estimated_value_nok"] == "1300000.00"
    assert result["regime"] == "part_I_II"
    assert "VAL-04" in ids(result)


def test_val05_lots_are_aggregated():
    result = evaluate(plain({"contract.value": DELETE, "contract.lots_nok": [600_000, 700_000, 100_000]}))
    assert result["estimated_value_nok"] == "1400000.00"
    assert result["regime"] == "part_I_II"
    assert "VAL-05" in ids(result)


def test_val05_small_lot_note_when_small_lots_are_at_most_20_percent():
    result = evaluate(plain({"contract.value": DELETE, "contract.lots_nok": [2_000_000, 400_000, 100_000]}))
    assert result["regime"] == "part_I_III"
    note = next(r for r in result["reasons"] if r["rule_id"] == "VAL-05")
    assert "750" in note["message"] and "20 %" in note["message"]
    big_small_lots = evaluate(plain({"contract.value": DELETE, "contract.lots_nok": [2_000_000, 700_000, 700_000]}))
    note = next(r for r in big_small_lots["reasons"] if r["rule_id"] == "VAL-05")
    assert "750" not in note["message"]


def test_lots_higher_than_the_base_value_win():
    result = evaluate(plain({"contract.value.base_nok": 1_000_000, "contract.lots_nok": [800_000, 800_000]}))
    assert result["estimated_value_nok"] == "1600000.00"


def test_unknown_value_is_not_below_scope():
    result = run({"contract.value": DELETE})
    assert result["verdict"] == "procurement_required"
    assert result["regime"] is None
    assert result["estimated_value_nok"] is None and result["aggregated_value_nok"] is None
    assert "contract.value.base_nok" in result["missing_facts"]


@pytest.mark.parametrize(
    ("related", "aggregated", "verdict"),
    [
        (seats("2025-03-02"), "120000.00", "procurement_required"),  # exactly 12 months before: counted
        (seats("2025-03-01"), "60000.00", "below_scope"),  # outside the 12-month window
        (seats("2026-03-03"), "60000.00", "below_scope"),  # after the reference date
        (seats("2026-01-01", same_need=False), "60000.00", "below_scope"),
        (seats("2026-01-01", "2025-12-01"), "180000.00", "procurement_required"),
        (seats("2025-03-01", "2026-01-01", value=30000), "90000.00", "below_scope"),
    ],
)
def test_aggregation_window_and_same_need(related, aggregated, verdict):
    result = run({"related_purchases": related})
    assert result["aggregated_value_nok"] == aggregated
    assert result["estimated_value_nok"] == "60000.00"
    assert result["verdict"] == verdict


def test_aggregation_window_uses_calendar_months_at_month_end():
    # 12 months before 2024-02-29 is 2023-02-28 (clamped), not 2023-03-01.
    counted = run({"reference_date": "2024-02-29", "related_purchases": seats("2023-02-28")})
    assert counted["aggregated_value_nok"] == "120000.00"
    outside = run({"reference_date": "2024-02-29", "related_purchases": seats("2023-02-27")})
    assert outside["aggregated_value_nok"] == "60000.00"


def test_val06_warns_when_the_aggregate_crosses_a_threshold_the_purchase_alone_does_not():
    crossing = run({"related_purchases": seats("2026-01-01")})
    assert ids(crossing, "warnings") == ["VAL-06"]
    assert "VAL-03" in ids(crossing)
    no_crossing = run({"contract.value.base_nok": 150000, "related_purchases": seats("2026-01-01")})
    assert "VAL-06" not in ids(no_crossing, "warnings")
    assert no_crossing["aggregated_value_nok"] == "210000.00"


def test_val06_national_threshold_crossing():
    result = evaluate(plain({"contract.value.base_nok": 1_000_000, "related_purchases": seats("2026-01-01", value=400_000)}))
    assert result["regime"] == "part_I_II"
    assert "VAL-06" in ids(result, "warnings")


def test_unknown_same_need_is_counted_and_reported_when_it_decides():
    result = run({"related_purchases": seats("2026-01-01", same_need=None)})
    assert result["verdict"] == "procurement_required"
    assert result["aggregated_value_nok"] == "120000.00"
    assert result["missing_facts"] == ["related_purchases[0].same_need"]


def test_unknown_same_need_not_reported_when_it_cannot_change_anything():
    result = run({"related_purchases": seats("2026-01-01", "2026-02-01") + seats("2026-02-10", same_need=None)})
    assert result["aggregated_value_nok"] == "240000.00"
    assert result["missing_facts"] == []


def test_unknown_related_date_is_counted_and_reported():
    result = run({"related_purchases": seats(None)})
    assert result["aggregated_value_nok"] == "120000.00"
    assert result["missing_facts"] == ["related_purchases[0].date"]


def test_unknown_related_value_is_a_missing_fact_even_below_scope():
    result = run({"related_purchases": seats("2026-01-01", value=None)})
    assert result["verdict"] == "below_scope"
    assert result["missing_facts"] == ["related_purchases[0].value_nok"]


def test_ingen_kostnader_without_a_value_is_zero_and_below_scope():
    result = run({"contract.value": DELETE, "nav.price_type": "ingen_kostnader"})
    assert result["verdict"] == "below_scope"
    assert result["estimated_value_nok"] == "0.00"
    assert "GRANT-03" in ids(result)


def test_ingen_kostnader_with_a_stated_value_warns_and_uses_the_value():
    result = run({"contract.value.base_nok": 150000, "nav.price_type": "ingen_kostnader"})
    assert result["verdict"] == "procurement_required"
    assert "GRANT-03" in ids(result, "warnings")
