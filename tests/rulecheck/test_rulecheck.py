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
from contracts_app.errors import ValidationFailed
from contracts_app.rulecheck.models import LawChange, Scenario, ThresholdPeriod

from ..support import login


# The world is built once per module and every test runs in a savepoint rolled back after it (tests/conftest.py,
# module_world): each test still starts from the same fresh world, without building it again.
pytestmark = pytest.mark.shared_world()


ROOT = Path(__file__).resolve().parents[2]

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
        ({"cases": {"0": NAV_SEAT}}, "cases"),
    ],
    ids=["negative-amount", "missing-date", "cases-not-a-list"],
)
def test_cli_invalid_input_exits_2_with_errors_only(tmp_path, document, path):
    result = run_cli(["rules", "evaluate", "-"], json.dumps(document), {"CONTRACTS_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert result.returncode == 2
    body = json.loads(result.stdout)
    assert set(body) == {"errors"} and path in {e["path"] for e in body["errors"]}


BAD_DATE = {**NAV_SEAT, "reference_date": "02.03.2026"}


@pytest.mark.parametrize(
    "cases,code,shapes",
    [
        ([NAV_SEAT, BAD_DATE, with_related(3)], 0, ["verdict", "errors", "verdict"]),
        ([BAD_DATE, NAV_SEAT], 0, ["errors", "verdict"]),
        ([BAD_DATE, "not facts"], 2, ["errors", "errors"]),
    ],
    ids=["one-invalid-among-valid", "invalid-first", "all-invalid"],
)
def test_cli_batch_answers_case_by_case_and_exits_2_only_when_none_was_assessed(tmp_path, cases, code, shapes):
    result = run_cli(["rules", "evaluate", "-"], json.dumps({"cases": cases}), {"CONTRACTS_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert result.returncode == code, result.stderr
    body = json.loads(result.stdout)
    assert set(body) == {"results"}
    assert [("errors" if "errors" in r else "verdict") for r in body["results"]] == shapes
    if "errors" in body["results"][0] and cases[0] is BAD_DATE:
        assert [e["path"] for e in body["results"][0]["errors"]] == ["reference_date"]  # relative to the case
    assert body == rules.evaluate_document({"cases": cases})[1]


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
    "cases,shapes",
    [
        ([NAV_SEAT, BAD_DATE, with_related(3)], ["verdict", "errors", "verdict"]),
        ([BAD_DATE, {"schema_version": 1}], ["errors", "errors"]),
        ([], []),
    ],
    ids=["one-invalid-among-valid", "all-invalid", "empty"],
)
def test_http_batch_is_200_with_per_case_errors(client, world, db, cases, shapes):
    login(client, "advisor@test.no")
    response = client.post("/api/v1/rules/evaluate", json={"cases": cases})
    assert response.status_code == 200
    body = response.get_json()
    assert [("errors" if "errors" in r else "verdict") for r in body["results"]] == shapes
    assert body == rules.evaluate_document({"cases": cases}, services.current_table(db))[1]


def test_http_batch_above_the_cap_is_413_with_a_json_message(client, world):
    login(client, "advisor@test.no")
    response = client.post("/api/v1/rules/evaluate", json={"cases": [{}] * 10_001})
    assert response.status_code == 413
    [error] = response.get_json()["errors"]
    assert error["path"] == "cases" and "10,000" in error["message_en"] and "10,001" in error["message_en"]
    assert "10\u00a0000" in error["message"]


def test_http_batch_cap_is_a_setting(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "RULES_BATCH_MAX_CASES", 2)
    login(client, "advisor@test.no")
    assert client.post("/api/v1/rules/evaluate", json={"cases": [NAV_SEAT, NAV_SEAT]}).status_code == 200
    assert client.post("/api/v1/rules/evaluate", json={"cases": [NAV_SEAT] * 3}).status_code == 413
    assert client.post("/api/v1/rules/evaluate", json=NAV_SEAT).status_code == 200  # a single case is no batch


def test_http_batch_body_limit_is_its_own_setting(client, world, app, monkeypatch):
    login(client, "advisor@test.no")
    # A batch at the cap must fit: 10 000 cases like NAV_SEAT are about 8 MB.
    assert app.config["RULES_BATCH_MAX_BYTES"] > 10_000 * len(json.dumps(NAV_SEAT))
    monkeypatch.setitem(app.config, "RULES_BATCH_MAX_BYTES", 4096)
    response = client.post("/api/v1/rules/evaluate", json={"cases": [NAV_SEAT] * 10})
    assert response.status_code == 413 and response.get_json()["errors"][0]["path"] == ""


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
    """The Storting asked for a lower limit adjusted every three years: the next figure is a new period."""
    services.load_shipped(db, actor=SYSTEM, now=clock.now())
    services.add_period(
        db, {"key": "lower_limit", "value_nok": "600000", "status": "active", "effective_from": dt.date(2029, 7, 1),
             "source": "Adjustment (test)"}, actor=SYSTEM, now=clock.now(),
    )
    old = db.scalar(select(ThresholdPeriod).where(ThresholdPeriod.key == "lower_limit", ThresholdPeriod.value_nok == 500000))
    assert old.effective_to == dt.date(2029, 6, 30)
    table = services.current_table(db)
    seat_550k = {**NAV_SEAT, "contract": {**NAV_SEAT["contract"], "value": {"base_nok": 550000}}}
    assert rules.evaluate({**seat_550k, "reference_date": "2029-06-30"}, table)["verdict"] == "procurement_required"
    assert rules.evaluate({**seat_550k, "reference_date": "2029-07-01"}, table)["verdict"] == "below_scope"
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "threshold_period")).all()
    assert "threshold.period_closed" in actions and "threshold.period_added" in actions
    [change] = db.scalars(select(LawChange)).all()  # recorded with the change, for the impact report
    assert change.cause == "threshold.period_added:lower_limit" and change.status == "pending"
    assert change.table_after_id == table.id and change.table_before_id != table.id


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
    pending = db.scalar(select(ThresholdPeriod).where(ThresholdPeriod.status == "pending", ThresholdPeriod.key == "eea_works"))
    assert pending.value_nok is None  # the 2026–2027 NOK figure is not known
    table_before = services.current_table(db)
    with pytest.raises(ValidationFailed) as info:
        services.activate(db, pending.id, effective_from=dt.date(2026, 7, 1), actor=SYSTEM, now=clock.now())
    assert [e["path"] for e in info.value.errors] == ["value_nok"]
    services.activate(db, pending.id, effective_from=dt.date(2026, 7, 1), value_nok="60000000", source="Lovdata (test)",
                      actor=SYSTEM, now=clock.now())
    table = services.current_table(db)
    assert table.id != table_before.id and table.lookup(dt.date(2026, 7, 1)).eea_works == 60_000_000
    assert table.lookup(dt.date(2026, 6, 30)).eea_works == 57_800_000
    assert db.scalar(select(LawChange.cause)) == "threshold.period_activated:eea_works"


def test_a_legal_reviewer_marks_a_figure_verified_with_a_note(db, clock):
    services.load_shipped(db, actor=SYSTEM, now=clock.now())
    period = db.scalar(select(ThresholdPeriod).where(ThresholdPeriod.key == "lower_limit", ThresholdPeriod.value_nok == 500000))
    assert period.last_verified is None
    with pytest.raises(ValidationFailed):
        services.verify(db, period.id, note=" ", actor=SYSTEM, now=clock.now())
    table_id = services.current_table(db).id
    services.verify(db, period.id, note="Lovdata LOV-2016-06-17-73 § 2, read 07.12.2026", actor=SYSTEM, now=clock.now())
    assert period.last_verified is not None and "Lovdata" in period.verification_note
    assert services.current_table(db).id == table_id  # verifying changes no verdict: no law change
    assert db.scalar(select(LawChange)) is None
    assert "threshold.period_verified" in db.scalars(select(AuditEvent.action)).all()


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


def test_import_of_a_case_without_thresholds_shows_needs_assessment_and_the_warning(client, world):
    login(client, "legal@test.no")
    page = client.post("/regelsjekk/import", data={"facts_text": json.dumps({**NAV_SEAT, "reference_date": "2016-12-31"})})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-verdict="needs_assessment"' in text and "THR-11" in text and "lower_limit" in text


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


@pytest.mark.parametrize("reason, verdict", [("new_entity", "exempt"), ("none", "procurement_required"), (None, "needs_assessment")])
def test_the_projection_reason_goes_through_the_rules_check_form(client, world, reason, verdict):
    """EXC-VERT-05: the form asks what the engine needs (the basis and why projections are used) and keeps it."""
    login(client, "legal@test.no")
    buyer = {"name": "Eksempel kommune", "entity_id": "NO-MUNI-EKS", "legal_type": "municipality",
             "is_contracting_authority": True, "is_central_government": False}
    supplier = {"name": "Eksempel opplæring KF AS", "entity_id": "NO-EKS-AS", "legal_type": "public_body",
                "is_contracting_authority": True, "is_central_government": False, "activity_for_controllers_pct": 90,
                "activity_basis": "projection", "direct_private_capital": False,
                **({"projection_reason": reason} if reason else {})}
    facts = {"schema_version": 1, "reference_date": "2026-03-02", "buyer": buyer, "supplier": supplier,
             "relationship": {"control": "sole"},
             "contract": {"pecuniary": True, "category": "special_services", "value": {"base_nok": 900000}}}
    assert rules.evaluate(facts)["verdict"] == verdict
    page = client.post("/regelsjekk/import", data={"facts_text": json.dumps(facts)}).get_data(as_text=True)
    assert f'data-verdict="{verdict}"' in page
    assert 'name="supplier_activity_basis"' in page and 'name="supplier_projection_reason"' in page
    assert 'selected value="projection"' in page
    if reason:
        assert f'selected value="{reason}"' in page


def test_thresholds_page_names_the_figures_and_keeps_input_on_errors(client, db, world, clock):
    services.load_shipped(db, actor=SYSTEM, now=clock.now())
    db.commit()
    login(client, "legal@test.no")
    page = client.get("/admin/thresholds").get_data(as_text=True)
    assert "Nedre grense for anskaffelsesloven (THR-02)" in page and "ikke kontrollert" in page
    assert "eea_goods_services_central (" not in page  # names, not internal keys
    period = db.scalar(select(ThresholdPeriod).where(ThresholdPeriod.key == "lower_limit", ThresholdPeriod.value_nok == 500000))
    refused = client.post(f"/admin/thresholds/{period.id}/verify", data={"note": "x"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="error-summary"' in text and f'href="#verify-{period.id}-note"' in text and ">x</textarea>" in text
    pending = db.scalar(select(ThresholdPeriod).where(ThresholdPeriod.status == "pending", ThresholdPeriod.key == "eea_works"))
    refused = client.post(f"/admin/thresholds/{pending.id}/activate", data={"effective_from": "2026-12-01", "value_nok": "abc"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert f'href="#activate-{pending.id}-value_nok"' in text and 'value="2026-12-01"' in text and 'value="abc"' in text
    from contracts_app.rulecheck.models import LawVersionPeriod

    law = db.scalar(select(LawVersionPeriod).where(LawVersionPeriod.name == "anskaffelsesloven-2026-07-01"))
    assert client.post(f"/admin/law-versions/{law.id}/verify", data={"note": "Lovdata LOV-2016-06-17-73, lest 07.12.2026"}).status_code == 302
    db.expire_all()
    assert law.last_verified is not None
    assert rules.evaluate({**NAV_SEAT, "reference_date": "2026-07-01"}, services.current_table(db))["law"]["verified"] is True
