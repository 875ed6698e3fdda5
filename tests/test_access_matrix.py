"""Route × role matrix: every route answers as the access table says for every role.

The table below is the specification. A route missing from it, or a route without an access declaration,
fails the first test, so nobody can add a page without deciding who may use it.
"""
from __future__ import annotations

import pytest

from contracts_app.auth.access import PUBLIC

from .support import login

ROLES = ["advisor", "provider_coordinator", "budget_owner", "legal_reviewer", "admin"]
ALL = set(ROLES)
ADMIN = {"admin"}
LEGAL = {"legal_reviewer", "admin"}
PROVIDER = {"provider_coordinator"}
ADVISOR = {"advisor"}
BUDGET = {"budget_owner"}
DRAFT = {"provider_coordinator", "budget_owner", "legal_reviewer"}

# endpoint → (methods to try, roles allowed). PUBLIC routes are open to anonymous users too.
MATRIX: dict[str, tuple[tuple[str, ...], object]] = {
    "home.root": (("GET",), PUBLIC),
    "home.healthz": (("GET",), PUBLIC),
    "favicon": (("GET",), PUBLIC),
    "home.index": (("GET",), ALL),
    "auth.login": (("GET", "POST"), PUBLIC),
    "auth.logout": (("POST",), ALL),
    "auth.switch_unit": (("POST",), ALL),
    "auth.set_language": (("POST",), PUBLIC),
    "auth.users": (("GET",), ADMIN),
    "auth.new_user": (("GET", "POST"), ADMIN),
    "auth.user": (("GET", "POST"), ADMIN),
    "auth.remove_membership": (("POST",), ADMIN),
    "auth.change_password": (("GET", "POST"), ALL),
    "auth.reset_password": (("GET", "POST"), PUBLIC),
    "auth.deactivate_user": (("POST",), ADMIN),
    "auth.reactivate_user": (("POST",), ADMIN),
    "auth.unlock_user": (("POST",), ADMIN),
    "auth.end_user_sessions": (("POST",), ADMIN),
    "auth.send_password_reset": (("POST",), ADMIN),
    "organisations.index": (("GET",), ADMIN),
    "organisations.new_entity": (("GET", "POST"), ADMIN),
    "organisations.edit_entity": (("GET", "POST"), ADMIN),
    "organisations.new_unit": (("GET", "POST"), ADMIN),
    "organisations.edit_unit": (("GET", "POST"), ADMIN),
    "admin.audit_log": (("GET",), ADMIN),
    "api.me": (("GET",), ALL),
    "api.rules_evaluate": (("POST",), ALL),
    "api.openapi": (("GET",), PUBLIC),
    "api.courses": (("GET",), ALL),
    "api.course": (("GET",), ALL),
    "api.capacity_offers": (("GET",), ALL),
    "api.capacity_offer": (("GET",), ALL),
    "api.capacity_requests": (("GET",), ADVISOR | BUDGET | PROVIDER),
    "api.capacity_request": (("GET",), ADVISOR | BUDGET | PROVIDER),
    "api.capacity_request_create": (("POST",), ADVISOR),
    "api.capacity_request_withdraw": (("POST",), ADVISOR),
    "api.capacity_request_accept": (("POST",), PROVIDER),
    "api.capacity_request_decline": (("POST",), PROVIDER),
    "api.purchases": (("GET",), ADVISOR | BUDGET | PROVIDER),
    "api.purchase": (("GET",), ADVISOR | BUDGET | PROVIDER),
    "api.purchase_preview": (("POST",), ADVISOR),
    "api.purchase_create": (("POST",), ADVISOR),
    "api.purchase_cancel": (("POST",), ADVISOR | BUDGET),
    "api.purchase_actual_cost": (("POST",), BUDGET),
    "api.agreements": (("GET",), ALL),
    "api.agreement": (("GET",), ALL),
    "api.agreement_versions": (("GET",), ALL),
    "api.agreement_documents": (("GET",), ALL),
    "api.agreement_document": (("GET",), ALL),
    "api.agreement_signed_pdf": (("GET",), ALL),
    "api.budget_lines": (("GET",), BUDGET),
    "api.budget_line": (("GET",), BUDGET),
    "api.budget_ledger": (("GET",), BUDGET),
    "api.thresholds": (("GET",), ALL),
    "api.ocds_releases": (("GET",), ALL),
    "api.ocds_record": (("GET",), ALL),
    "api_pages.docs": (("GET",), PUBLIC),
    "api_pages.token_list": (("GET",), ALL),
    "api_pages.new_token": (("GET", "POST"), ALL),
    "api_pages.revoke_token": (("POST",), ALL),
    "rulecheck.index": (("GET", "POST"), LEGAL),
    "rulecheck.live_assessment": (("POST",), LEGAL),
    "rulecheck.import_facts": (("POST",), LEGAL),
    "rulecheck.export_scenario": (("GET",), LEGAL),
    "rulecheck.thresholds": (("GET", "POST"), LEGAL),
    "rulecheck.activate_threshold": (("POST",), LEGAL),
    "rulecheck.verify_threshold": (("POST",), LEGAL),
    "rulecheck.verify_law_version": (("POST",), LEGAL),
    "rulecheck.load_thresholds": (("POST",), LEGAL),
    "lawchange.index": (("GET",), LEGAL),
    "lawchange.item": (("GET",), LEGAL),
    "lawchange.mark_handled": (("POST",), {"legal_reviewer"}),
    "courses.index": (("GET",), ALL),
    "courses.detail": (("GET",), ALL),
    "courses.new": (("GET", "POST"), PROVIDER),
    "courses.edit": (("GET", "POST"), PROVIDER),
    "purchases.buy": (("GET", "POST"), ADVISOR),
    "purchases.index": (("GET",), ADVISOR | BUDGET | PROVIDER),
    "purchases.detail": (("GET",), ADVISOR | BUDGET | PROVIDER),
    "purchases.cancel": (("POST",), ADVISOR | BUDGET),
    "purchases.actual_cost": (("POST",), BUDGET),
    "purchases.decide_override": (("POST",), BUDGET),
    "purchases.order_confirmation": (("POST",), ADVISOR | BUDGET),
    "capacity.index": (("GET",), ALL),
    "capacity.offer_detail": (("GET",), ALL),
    "capacity.new_offer": (("GET", "POST"), PROVIDER),
    "capacity.edit_offer": (("GET", "POST"), PROVIDER),
    "capacity.offer_status": (("POST",), PROVIDER),
    "capacity.new_request": (("GET", "POST"), ADVISOR),
    "capacity.requests_index": (("GET",), ADVISOR | BUDGET | PROVIDER),
    "capacity.request_detail": (("GET",), ADVISOR | BUDGET | PROVIDER),
    "capacity.accept": (("POST",), PROVIDER),
    "capacity.decline": (("POST",), PROVIDER),
    "capacity.move": (("POST",), PROVIDER),
    "capacity.withdraw": (("POST",), ADVISOR),
    "capacity.take": (("POST",), ADVISOR),
    "notifications.inbox": (("GET",), ALL),
    "notifications.mark_read": (("POST",), ALL),
    "notifications.mark_all_read": (("POST",), ALL),
    "notifications.preferences": (("GET", "POST"), ALL),
    "notifications.outbox": (("GET",), ADMIN),
    "notifications.requeue": (("POST",), ADMIN),
    "jobs.index": (("GET",), ADMIN),
    "jobs.run_now": (("POST",), ADMIN),
    "budget.index": (("GET",), BUDGET),
    "budget.new": (("GET", "POST"), BUDGET),
    "budget.edit": (("GET", "POST"), BUDGET),
    "budget.detail": (("GET",), BUDGET),
    "budget.declare_stop": (("POST",), BUDGET),
    "budget.lift_stop": (("POST",), BUDGET),
    "agreements.index": (("GET",), ALL),
    "agreements.new": (("GET", "POST"), DRAFT),
    "agreements.party_search": (("GET",), DRAFT),
    "agreements.detail": (("GET",), ALL),
    "agreements.edit": (("GET", "POST"), DRAFT),
    "agreements.live_verdict": (("POST",), DRAFT),
    "agreements.submit": (("POST",), DRAFT),
    "agreements.review": (("POST",), {"legal_reviewer"}),
    "agreements.comment": (("POST",), DRAFT),
    "agreements.resolve_comment": (("POST",), DRAFT),
    "agreements.versions": (("GET",), ALL),
    "agreements.sign": (("POST",), DRAFT | ADMIN),  # admin: paper signatures only
    "agreements.exercise_option": (("POST",), DRAFT),
    "agreements.undo_option": (("POST",), DRAFT),
    "agreements.terminate": (("POST",), DRAFT),
    "agreements.generate_documents": (("POST",), DRAFT),
    "agreements.signed_pdf": (("GET",), ALL),
    "documents.download": (("GET",), ALL),
    "openfeed.index": (("GET",), PUBLIC),
    "openfeed.feed_json": (("GET",), PUBLIC),
    "openfeed.feed_csv": (("GET",), PUBLIC),
    "exports.purchases_csv": (("GET",), ADVISOR | BUDGET | PROVIDER),
    "exports.purchases_xlsx": (("GET",), ADVISOR | BUDGET | PROVIDER),
    "exports.budget_csv": (("GET",), BUDGET),
    "exports.budget_xlsx": (("GET",), BUDGET),
    "exports.agreements_csv": (("GET",), ALL),
    "exports.agreements_xlsx": (("GET",), ALL),
}


def _capacity_samples(db, world) -> dict:
    """An offer by the world's adult education and a held request on it from the Nav office (municipal side)."""
    from contracts_app.audit import Actor
    from contracts_app.capacity import requests as capacity_requests

    from .factories import make_budget, make_offer, request_input

    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=2)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal")
    req = capacity_requests.request_seats(db, request_input(offer, budget), actor=Actor(
        world.users["advisor"].id, world.nav_office.id), now=capacity_services_now())
    db.commit()
    return {"offer_id": offer.id, "request_id": req.id, "notification_id": 1}


def capacity_services_now():
    from contracts_app import clock

    return clock.now()


def _url(app, endpoint: str, world, db=None, extra: dict | None = None) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    if "agreement_id" in rule.arguments:
        from .agreements.helpers import make_agreement

        world.agreement = make_agreement(db, world)  # a complete draft between the world's Nav office and adult education
    samples = {
        **(extra or {}),
        "entity_id": world.municipality.id,
        "unit_id": world.adult_education.id,
        "user_id": world.users["advisor"].id,
        "membership_id": world.users["advisor"].memberships[0].id,
        "scenario_id": 1,
        "period_id": 1, "law_id": 1,
        "course_id": world.course.id,
        "budget_id": world.budget.id,
        "purchase_id": world.purchase.id,
        "stop_id": 1,
        "agreement_id": getattr(world, "agreement", None) and world.agreement.id,
        "step": "subject",
        "comment_id": 1,
        "option_id": 1,
        "signature_id": 1,
        "document_id": 1,
        "ocid": "ocds-test00-a-1",
        "message_id": 1,
        "name": "capacity.holds",
        "item_id": 1,
        "token": "not-a-reset-token",
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{arg: samples[arg] for arg in rule.arguments})


def test_every_route_declares_access_and_is_in_the_matrix(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}
    undeclared = sorted(e for e in endpoints if getattr(app.view_functions[e], "access", None) is None)
    assert undeclared == [], f"routes without @public or @requires: {undeclared}"
    assert endpoints == set(MATRIX), f"missing from MATRIX: {endpoints - set(MATRIX)}; stale: {set(MATRIX) - endpoints}"


# Nearly two thousand cases, each with a fresh world: the world is built once per module and every case runs in a
# savepoint rolled back after it (tests/conftest.py, module_world), so each still starts from the same world.
pytestmark = pytest.mark.shared_world()


CASES = [(endpoint, method, role) for endpoint, (methods, _) in MATRIX.items() for method in methods for role in [None, *ROLES]]


@pytest.mark.parametrize("endpoint,method,role", CASES, ids=[f"{e}-{m}-{r or 'anonymous'}" for e, m, r in CASES])
def test_route_answers_per_role(app, client, db, world, endpoint, method, role):
    methods, allowed = MATRIX[endpoint]
    extra = _capacity_samples(db, world) if endpoint.startswith(("capacity.", "notifications.", "api.capacity_")) else {}
    url = _url(app, endpoint, world, db, extra)
    if role is not None:
        assert login(client, world.users[role].email).status_code == 302
    response = client.open(url, method=method, data={}, headers={"Accept": "text/html"})
    assert response.status_code < 500
    if allowed == PUBLIC:
        assert response.status_code not in (401, 403)
    elif role is None:
        if url.startswith("/api/"):
            assert response.status_code == 401
        else:
            assert response.status_code == 302 and "/login" in response.location
    elif role in allowed:
        assert response.status_code not in (401, 403), response.data[:500]
    else:
        assert response.status_code == 403
