"""API v1, the threshold table: the figures in force on a reference date (default today) with their rules, periods
and sources, from the rules engine's table (never figures written in code) — for any role with the scope
``rules``; an invalid date is a 422 naming the parameter."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contracts_app import clock as app_clock
from contracts_app.rulecheck.services import current_table
from contracts_app.rules.thresholds import ThresholdTable

from ..support import login
from .test_api import PROBLEM, make_token

UNITS = {"advisor": "nav_office", "budget_owner": "nav_office", "provider_coordinator": "adult_education",
         "legal_reviewer": "legal_unit"}


def token_for(db, world, role, scopes=("rules",)):
    return make_token(db, world.users[role], getattr(world, UNITS[role]), scopes)[1]


def expected(db, on: dt.date) -> dict:
    table = current_table(db)
    found = table.lookup(on)
    return {"table_id": table.id, "source": "shipped" if table is ThresholdTable.shipped() else "database",
            "rows": {r.key: (r.rule, r.value_nok, r.effective_from, r.source) for r in found.rows}, "law": found.law}


@pytest.mark.parametrize("role", list(UNITS))
def test_every_role_reads_the_table_for_today(client, db, world, role):
    response = client.get("/api/v1/thresholds", headers=token_for(db, world, role))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    want = expected(db, app_clock.today())
    assert body["date"] == app_clock.today().isoformat()
    assert body["table_id"] == want["table_id"] and body["table_source"] == want["source"]
    got = {t["key"]: (t["rule"], Decimal(t["value_nok"]), dt.date.fromisoformat(t["effective_from"]), t["source"])
           for t in body["thresholds"]}
    assert got == want["rows"] and got  # the table's own figures, every one with its legal source
    assert all(t["source"] for t in body["thresholds"])
    assert body["law"]["id"] == want["law"].id


def test_an_administrator_session_reads_it_too(client, db, world):
    login(client, world.users["admin"].email)
    assert client.get("/api/v1/thresholds").status_code == 200


@pytest.mark.parametrize("on", ["2026-06-30", "2026-07-01", "2025-01-01", "2030-12-31"])
def test_the_table_answers_for_the_reference_date(client, db, world, on):
    body = client.get("/api/v1/thresholds", headers=token_for(db, world, "advisor"), query_string={"date": on}).get_json()
    want = expected(db, dt.date.fromisoformat(on))
    assert body["date"] == on
    assert {t["key"]: (t["rule"], Decimal(t["value_nok"])) for t in body["thresholds"]} == {
        k: (rule, value) for k, (rule, value, _f, _s) in want["rows"].items()}
    assert (body["law"] or {}).get("id") == (want["law"].id if want["law"] else None)


def test_a_date_the_table_does_not_cover_has_no_figures(client, db, world):
    body = client.get("/api/v1/thresholds?date=1900-01-01", headers=token_for(db, world, "advisor")).get_json()
    assert body["thresholds"] == [] and body["law"] is None


def test_it_carries_an_etag(client, db, world):
    headers = token_for(db, world, "advisor")
    first = client.get("/api/v1/thresholds?date=2026-07-01", headers=headers)
    assert client.get("/api/v1/thresholds?date=2026-07-01", headers={**headers, "If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get("/api/v1/thresholds?date=2026-06-30", headers={**headers, "If-None-Match": first.headers["ETag"]}).status_code == 200


@pytest.mark.parametrize("scopes,status", [(("rules",), 200), (("read", "agreements", "capacity", "purchases"), 403)])
def test_it_needs_the_rules_scope(client, db, world, scopes, status):
    assert client.get("/api/v1/thresholds", headers=token_for(db, world, "advisor", scopes)).status_code == status


def test_without_a_token_or_session_it_is_401(client, db, world):
    assert client.get("/api/v1/thresholds").status_code == 401


@pytest.mark.parametrize("query,parameter", [
    ({"date": "2026-13-01"}, "date"),
    ({"date": "2026-02-30"}, "date"),
    ({"date": "1700000000"}, "date"),
    ({"date": "01.07.2026"}, "date"),
    ({"date": "x" * 300}, "date"),
    ({"on": "2026-07-01"}, "on"),
])
def test_an_invalid_date_is_422_naming_the_parameter(client, db, world, query, parameter):
    response = client.get("/api/v1/thresholds", headers=token_for(db, world, "advisor"), query_string=query)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert [e["parameter"] for e in response.get_json()["errors"]] == [parameter]
