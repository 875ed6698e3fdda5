"""The rules engine inside the app: the three entry points agree, thresholds live in the database, and the
rules check page assesses, saves, exports and imports scenarios."""
from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from contracts_app import rules
from contracts_app.audit import SYSTEM, AuditEvent
from contracts_app.rulecheck import services
from contracts_app.rulecheck.models import Scenario, ThresholdPeriod

from .conftest import login

ROOT = Path(__file__).resolve().parent.parent

NAV_SEAT = {
    "schema_version": 1, "reference_date": "2026-03-02",
    "buyer": {"name": "Arbeids- og velferdsetaten", "entity_id": "889640782", "legal_type": "state",
              "is_contracting_authority": True, "is_central_government": True},
    "supplier": {"name": "Eksempel kommune", "entity_id": "NO-MUNI-EKS", "legal_type": "municipality",
                 "is_contracting_authority": True, "is_central_government": False, "direct_private_capital": False},
    "relationship": {"control": "none"},
    "contract": {"pecuniary": True, "category": "special_services", "cpv": ["80580000-3"], "value": {"base_nok": 60000}},
    "related_purchases": [],
    "nav": {"contracting_side": "state", "measure_code": "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV",
            "mode": "enkeltplass", "price_type": "anskaffelse", "needs_assessment_done": True,
            "labour_market_need_documented": True},
}


def with_related(n: int) -> dict:
    facts = copy.deepcopy(NAV_SEAT)
    facts["related_purchases"] = [{"value_nok": 60000, "date": f"2025-{m:02d}-01", "same_need": True} for m in range(10, 10 + n)]
    return facts


def run_cli(args: list[str], stdin: str, env_extra: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "contracts_app", *args], input=stdin, capture_output=True, text=True,
        env=env, cwd=cwd, timeout=120,
    )


def test_contract_examples_through_python():
    assert rules.evaluate(NAV_SEAT)["verdict"] == "below_scope"
    aggregated = rules.evaluate(with_related(3))
    assert aggregated["verdict"] == "procurement_required" and aggregated["regime"] == "part_I"
    assert {w["rule_id"] for w in aggregated["warnings"]} >= {"VAL-06"}
    assert {o["rule_id"] for o in aggregated["obligations"]} >= {"OBL-01", "OBL-02", "OBL-03"}


def test_cli_works_before_any_database_exists_and_matches_python(tmp_path):
    doc = {"cases": [NAV_SEAT, with_related(3)]}
    missing_db = f"sqlite:///{tmp_path}/does-not-exist/x.sqlite3"
    result = run_cli(["rules", "evaluate", "-"], json.dumps(doc), {"CONTRACTS_DATABASE_URL": missing_db})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"results": [rules.evaluate(NAV_SEAT), rules.evaluate(with_related(3))]}


@pytest.mark.parametrize(
    "document,path",
    [
        ({**NAV_SEAT, "contract": {**NAV_SEAT["contract"], "value": {"base_nok": -5}}}, "contract.value.base_nok"),
        ({k: v for k, v in NAV_SEAT.items() if k != "reference_date"}, "reference_date"),
        ({"cases": [NAV_SEAT, {**NAV_SEAT, "reference_date": "02.03.2026"}]}, "cases[1].reference_date"),
    ],
    ids=["negative-amount", "missing-date", "batch-bad-date"],
)
def test_cli_invalid_input_exits_2_with_errors_only(tmp_path, document, path):
    result = run_cli(["rules", "evaluate", "-"], json.dumps(document), {"CONTRACTS_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert result.returncode == 2
    body = json.loads(result.stdout)
    assert set(body) == {"errors"} and path in {e["path"] for e in body["errors"]}


def test_cli_refuses_text_that_is_not_json(tmp_path):
    result = run_cli(["rules", "evaluate", "-"], "{not json", {"CONTRACTS_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert result.returncode == 2 and json.loads(result.stdout)["errors"][0]["path"] == ""


def test_http_matches_python_and_cli(client, world, db):
    login(client, "legal@test.no")
    response = client.post("/api/v1/rules/evaluate", json={"cases": [NAV_SEAT, with_related(3)]})
    assert response.status_code == 200
    table = services.current_table(db)
    assert response.get_json() == {"results": [rules.evaluate(NAV_SEAT, table), rules.evaluate(with_related(3), table)]}


@pytest.mark.parametrize(
    "body,status",
    [({"schema_version": 1}, 422), ([1, 2], 422), ({"cases": "x"}, 422)],
    ids=["missing-fields", "a-list", "cases-not-list"],
)
def test_http_invalid_input_is_422_with_paths(client, world, body, status):
    login(client, "advisor@test.no")
    response = client.post("/api/v1/rules/evaluate", json=body)
    assert response.status_code == status
    assert all("path" in e for e in response.get_json()["errors"])


def test_http_refuses_non_json_and_anonymous(client, world):
    assert client.post("/api/v1/rules/evaluate", json=NAV_SEAT).status_code == 401
    login(client, "advisor@test.no")
    assert client.post("/api/v1/rules/evaluate", data="x", content_type="text/plain").status_code == 415
    assert client.post("/api/v1/rules/evaluate", data="{bad", content_type="application/json").status_code == 422


def test_shipped_thresholds_load_once_and_the_table_id_is_recorded(db, clock):
    first = services.load_shipped(db, actor=SYSTEM, now=clock.now())
    assert first > 10 and services.load_shipped(db, actor=SYSTEM, now=clock.now()) == 0
    table = services.current_table(db)
    assert table.id == rules.ThresholdTable.shipped().id
    assert rules.evaluate(NAV_SEAT, table)["ruleset"]["thresholds_effective_from"]


def test_new_period_closes_the_open_one_and_is_used_from_its_date(db, clock):
    services.load_shipped(db, actor=SYSTEM, now=clock.now())
    services.add_period(
        db, {"key": "lower_limit", "value_nok": "300000", "status": "active", "effective_from": dt.date(2026, 7, 1),
             "source": "Prop. 147 L (test)"}, actor=SYSTEM, now=clock.now(),
    )
    old = db.scalar(select(ThresholdPeriod).where(ThresholdPeriod.key == "lower_limit", ThresholdPeriod.value_nok == 100000))
    assert old.effective_to == dt.date(2026, 6, 30)
    table = services.current_table(db)
    seat_200k = {**NAV_SEAT, "contract": {**NAV_SEAT["contract"], "value": {"base_nok": 200000}}}
    assert rules.evaluate({**seat_200k, "reference_date": "2026-06-30"}, table)["verdict"] == "procurement_required"
    assert rules.evaluate({**seat_200k, "reference_date": "2026-07-01"}, table)["verdict"] == "below_scope"
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "threshold_period")).all()
    assert "threshold.period_closed" in actions and "threshold.period_added" in actions


@pytest.mark.parametrize(
    "data,field",
    [
        ({"effective_from": dt.date(2020, 1, 1)}, "effective_from"),
        ({"effective_from": dt.date(2026, 3, 1)}, "effective_from"),
        ({"value_nok": "-1"}, "value_nok"),
        ({"value_nok": "abc"}, "value_nok"),
        ({"key": "nonsense"}, "key"),
        ({"source": ""}, "source"),
        ({"effective_from": None}, "effective_from"),
    ],
    ids=["rewrites-the-past", "yesterday", "negative", "text", "unknown-key", "no-source", "active-without-date"],
)
def test_bad_threshold_periods_are_refused_and_nothing_changes(db, clock, data, field):
    from contracts_app.errors import ValidationFailed

    services.load_shipped(db, actor=SYSTEM, now=clock.now())
    db.commit()
    before = [(p.id, p.effective_to) for p in db.scalars(select(ThresholdPeriod).order_by(ThresholdPeriod.id))]
    base = {"key": "national", "value_nok": "1500000", "status": "active", "effective_from": dt.date(2027, 1, 1), "source": "FOR-2026"}
    with pytest.raises(ValidationFailed) as info:
        services.add_period(db, {**base, **data}, actor=SYSTEM, now=clock.now())
    db.rollback()
    assert field in {e["path"] for e in info.value.errors}
    assert [(p.id, p.effective_to) for p in db.scalars(select(ThresholdPeriod).order_by(ThresholdPeriod.id))] == before


def test_pending_period_is_unused_until_activated(db, clock):
    services.load_shipped(db, actor=SYSTEM, now=clock.now())
    pending = db.scalar(select(ThresholdPeriod).where(ThresholdPeriod.status == "pending"))
    table_before = services.current_table(db)
    services.activate(db, pending.id, effective_from=dt.date(2026, 7, 1), actor=SYSTEM, now=clock.now())
    assert services.current_table(db).id != table_before.id


FORM = {
    "reference_date": "2026-03-02", "base_nok": "60000", "category": "special_services", "pecuniary": "yes",
    "control": "none", "nav_buyer": "y", "nav_side": "state",
    "related_purchases": "2025-10-01; 60000; ja\n2025-11-01; 60000; ja\n2026-01-10; 60000; ja",
}


def _form(world):
    return {**FORM, "buyer_entity": str(world.state.id), "supplier_entity": str(world.municipality.id)}


def test_rules_check_page_assesses_saves_reopens_exports_and_imports(client, db, world):
    login(client, "legal@test.no")
    page = client.post("/regelsjekk", data={**_form(world), "action": "assess"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-verdict="procurement_required"' in text and "VAL-06" in text
    live = client.post("/regelsjekk/vurdering", data=_form(world)).get_data(as_text=True)
    assert 'data-verdict="procurement_required"' in live
    saved = client.post("/regelsjekk", data={**_form(world), "action": "save", "scenario_name": "Fire plasser"})
    assert saved.status_code == 302
    scenario = db.scalar(select(Scenario).where(Scenario.name == "Fire plasser"))
    assert scenario.unit_id == world.legal_unit.id and len(scenario.facts["related_purchases"]) == 3
    reopened = client.get(f"/regelsjekk?scenario={scenario.id}").get_data(as_text=True)
    assert 'value="60000"' in reopened and 'data-verdict="procurement_required"' in reopened
    exported = client.get(f"/regelsjekk/scenarier/{scenario.id}.json")
    assert exported.status_code == 200 and exported.get_json() == scenario.facts
    imported = client.post("/regelsjekk/import", data={"facts_text": json.dumps(scenario.facts)})
    assert imported.status_code == 200 and 'data-verdict="procurement_required"' in imported.get_data(as_text=True)


def test_scenarios_of_another_unit_are_not_visible(client, db, world, clock):
    from contracts_app.audit import Actor

    other = services.save_scenario(db, name="Hemmelig", facts=NAV_SEAT, actor=Actor(world.users["admin"].id, None), now=clock.now())
    db.commit()
    login(client, "legal@test.no")
    assert client.get(f"/regelsjekk?scenario={other.id}").status_code == 404
    assert client.get(f"/regelsjekk/scenarier/{other.id}.json").status_code == 404


def test_bad_rules_check_input_keeps_the_users_answers(client, world):
    login(client, "legal@test.no")
    response = client.post("/regelsjekk", data={**_form(world), "reference_date": "", "base_nok": "abc", "action": "assess"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="reference_date-error"' in text and 'id="base_nok-error"' in text
    assert "2025-11-01; 60000; ja" in text


def test_unreadable_related_purchase_lines_are_named(client, world):
    login(client, "legal@test.no")
    text = client.post("/regelsjekk", data={**_form(world), "related_purchases": "i går; mye", "action": "assess"}).get_data(as_text=True)
    assert 'id="related_purchases-error"' in text


def test_threshold_admin_page_adds_a_period(client, db, world, clock):
    services.load_shipped(db, actor=SYSTEM, now=clock.now())
    db.commit()
    login(client, "legal@test.no")
    response = client.post("/admin/thresholds", data={"key": "national", "value_nok": "1 500 000", "status": "active",
                                                      "effective_from": "2027-01-01", "source": "FOR-2026-12-01"})
    assert response.status_code == 302
    assert db.scalar(select(func.count()).select_from(ThresholdPeriod).where(ThresholdPeriod.value_nok == 1500000)) == 1
    bad = client.post("/admin/thresholds", data={"key": "national", "value_nok": "1500000", "status": "active",
                                                 "effective_from": "2019-01-01", "source": "x" * 5})
    assert bad.status_code == 422


@pytest.mark.parametrize("count,expected", [(1, 1), (3, 3), (None, 1)])
def test_a_related_entry_may_sum_several_purchases(count, expected):
    """The app sends earlier purchases as monthly sums with a count (optional field, default 1)."""
    facts = copy.deepcopy(NAV_SEAT)
    entry = {"value_nok": 180000, "date": "2025-12-01", "same_need": True}
    if count is not None:
        entry["count"] = count
    facts["related_purchases"] = [entry]
    result = rules.evaluate(facts)
    assert result["aggregated_value_nok"] == "240000.00" and result["verdict"] == "procurement_required"
    assert f" {expected} " in next(r["message_en"] for r in result["reasons"] if r["rule_id"] == "VAL-03")


@pytest.mark.parametrize("count", [0, -1, 1.5, "3", True])
def test_a_bad_count_is_an_input_error(count):
    facts = copy.deepcopy(NAV_SEAT)
    facts["related_purchases"] = [{"value_nok": 1, "date": "2025-12-01", "same_need": True, "count": count}]
    with pytest.raises(rules.FactsError) as info:
        rules.evaluate(facts)
    assert info.value.errors[0]["path"] == "related_purchases[0].count"
