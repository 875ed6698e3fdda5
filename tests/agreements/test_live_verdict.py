"""The wizard's live verdict: the engine on the draft with a step's unsaved input, saving nothing; "what is missing"
as plain-language questions linking to the field that answers them; no in-house questions for a private company."""
from __future__ import annotations

import pytest

from contracts_app import clock
from contracts_app.agreements import queries, services
from contracts_app.agreements.models import AgreementVersion
from contracts_app.audit import Actor
from contracts_app.rulecheck.questions import QUESTIONS, ask
from sqlalchemy import func, select

from ..support import login
from .helpers import make_agreement


def _live(client, a, step, **fields):
    return client.post(f"/agreements/{a.id}/edit/{step}/vurdering", data={"lock_version": str(a.version), **fields})


def _versions(db, a) -> int:
    return db.scalar(select(func.count()).select_from(AgreementVersion).where(AgreementVersion.agreement_id == a.id))


@pytest.mark.parametrize("step,fields,expected,absent", [
    # no value yet: the question for it, linking to the field on this step
    ("value", {"estimated_value": ""}, 'href="#estimated_value"', "contract.value.base_nok"),
    # a value typed but not saved counts at once
    ("value", {"estimated_value": "40000"}, 'data-verdict="below_scope"', 'href="#estimated_value"'),
    # input that cannot be read keeps the saved value and says so
    ("value", {"estimated_value": "tusen"}, "teller med lagret verdi", 'data-verdict="below_scope"'),
    # a period typed but not saved: the duration is known, the value still asked for
    ("period", {"start_date": "2026-08-01", "end_date": "2027-07-31", "option_scheme": "none"}, "/edit/value#estimated_value", "Traceback"),
])
def test_live_verdict_uses_the_unsaved_input_and_saves_nothing(client, db, world, step, fields, expected, absent):
    a = make_agreement(db, world, complete=False)
    before, versions = queries.snapshot(a), _versions(db, a)
    login(client, world.users["provider_coordinator"].email)
    r = _live(client, a, step, **fields)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert expected in html and absent not in html
    db.expire_all()
    assert queries.snapshot(a) == before and _versions(db, a) == versions


def test_the_verdict_moves_while_typing_the_value(client, db, world):
    a = make_agreement(db, world, complete=False)
    login(client, world.users["provider_coordinator"].email)
    low = _live(client, a, "value", estimated_value="40000").get_data(as_text=True)
    high = _live(client, a, "value", estimated_value="9000000").get_data(as_text=True)
    assert 'data-verdict="below_scope"' in low
    assert 'data-verdict="below_scope"' not in high and 'data-verdict="' in high
    assert "ulagrede endringer" in low  # says it shows unsaved input


def test_missing_facts_are_questions_never_raw_keys(client, db, world):
    a = make_agreement(db, world, complete=False)
    login(client, world.users["provider_coordinator"].email)
    html = client.get(f"/agreements/{a.id}/edit/subject").get_data(as_text=True)
    assert "Hva er anslått verdi for den faste perioden" in html
    assert f'href="/agreements/{a.id}/edit/value#estimated_value"' in html
    for raw in ("contract.value.base_nok", "missing_facts", "supplier.activity_basis"):
        assert raw not in html


def test_a_private_supplier_gets_no_in_house_questions(client, db, world):
    a = services.create_draft(db, {"kind": "procurement", "title": "Kjøp av kurs", "parties": [
        {"unit_id": world.nav_office.id, "nav_side": "state", "role": "buyer"},
        {"name": "Privat Kurs AS", "org_number": "923609016", "legal_type": "private", "role": "supplier"}]},
        actor=Actor(world.users["budget_owner"].id, world.nav_office.id), now=clock.now())
    db.commit()
    missing = a.assessment["assessment"]["missing_facts"]
    assert not [m for m in missing if m.startswith(("relationship.", "supplier.direct_private"))]
    login(client, world.users["budget_owner"].email)
    html = client.get(f"/agreements/{a.id}/edit/value").get_data(as_text=True)
    assert "EXC-VERT" not in html and "egenregi" not in html.lower().split('id="verdict-panel"')[-1]


def test_the_parties_step_live_uses_the_chosen_parties(client, db, world):
    a = make_agreement(db, world, kind="cooperation")
    login(client, world.users["provider_coordinator"].email)
    r = _live(client, a, "parties", **{
        "kind": "cooperation", "parties-0-who": f"u:{world.nav_office.id}", "parties-0-nav_side": "state", "parties-0-role": "partner",
        "parties-1-who": "u:not-a-number", "parties-1-role": "partner"})
    assert r.status_code == 200 and 'id="verdict"' in r.get_data(as_text=True)


@pytest.mark.parametrize("who,status", [("advisor", 403), ("provider_coordinator", 200), (None, 302)])
def test_live_verdict_access(client, db, world, who, status):
    a = make_agreement(db, world, complete=False)
    if who:
        login(client, world.users[who].email)
    assert _live(client, a, "value", estimated_value="1").status_code == status


def test_an_unknown_step_is_404(client, db, world):
    a = make_agreement(db, world, complete=False)
    login(client, world.users["provider_coordinator"].email)
    assert _live(client, a, "nosuchstep").status_code == 404


def test_a_failed_save_shows_the_verdict_of_the_input_without_javascript(client, db, world):
    a = make_agreement(db, world, complete=False)
    login(client, world.users["provider_coordinator"].email)
    r = client.post(f"/agreements/{a.id}/edit/period", data={"lock_version": str(a.version), "action": "save",
                    "start_date": "2026-08-01", "end_date": "2026-07-01", "option_scheme": "none"})
    assert r.status_code == 422 and "ulagrede endringer" in r.get_data(as_text=True)


@pytest.mark.parametrize("paths,expected", [
    (["contract.value.base_nok", "contract.value.base_nok"], 1),  # never twice
    (["supplier.activity_basis"], 1),
    (["cooperation.parties[0].public_service_task", "cooperation.parties[1].open_market_share_pct"], 2),
    (["related_purchases[2].same_need"], 1),
    (["some.future_fact"], 1),
])
def test_questions_table(app, paths, expected):
    with app.test_request_context():
        asked = ask(paths, facts={"cooperation": {"parties": [{"name": "Nav Testvik"}, {"name": "Testvik VO"}]}})
    assert len(asked) == expected
    for q in asked:
        assert "_" not in q["text"] and "[" not in q["text"] and not any(p in q["text"] for p in paths)
        assert q["text"].endswith("?") or q["text"].startswith("En opplysning til")


def test_every_question_names_a_rulecheck_field_that_exists(app):
    from contracts_app.rulecheck.forms import RulesCheckForm

    names = set(RulesCheckForm.__dict__) | {n for n in dir(RulesCheckForm)}
    for path, q in QUESTIONS.items():
        if q.rulecheck:
            assert q.rulecheck in names, path
