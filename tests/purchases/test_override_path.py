"""Issue 20, item 1: a budget override is a path, not a trap. The preview of a purchase the budget line refuses
(a declared stop, or over a hard stop's limit) offers «Be om overstyring» with a required reason; the budget
owners of the unit are notified with a link; the advisor is told the decision; the purchase page tells it all.
Issue 19: WTForms' own messages on participant rows name the row."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from contracts_app.agreements.models import AgreementDocument
from contracts_app.audit import Actor
from contracts_app.budget import services as budget_services
from contracts_app.notifications.models import Notification
from contracts_app.purchases.form_tokens import new_token
from contracts_app.purchases.models import PurchaseStatus, SeatPurchase

from ..factories import make_budget, make_user
from ..support import login

FORM = {"seats": "1", "start_date": "2026-03-02", "end_date": "2026-06-19", "participants-0-reference": "OVR-1"}
REASON = "Deltakeren får jobb hvis kurset starter nå"


def _stopped(db, world):
    owner = world.users["budget_owner"]
    budget_services.declare_stop(db, world.budget, reason="Tiltaksstopp fra direktoratet", starts_on=dt.date(2026, 3, 1),
                                 ends_on=None, actor=Actor(owner.id, world.nav_office.id), now=dt.datetime(2026, 3, 2, 8, tzinfo=dt.timezone.utc))
    db.commit()
    return world.budget


def _over_limit(db, world):
    budget = make_budget(db, world.nav_office, line="Liten linje", amount="5000")  # hard stop, the seat costs 7 104
    db.commit()
    return budget


REFUSALS = pytest.mark.parametrize("refused_by", [_stopped, _over_limit], ids=["declared-stop", "over-hard-limit"])


def _notices(db, kind: str) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def _docs(db, purchase_id: int) -> int:
    return db.scalar(select(func.count()).select_from(AgreementDocument).where(AgreementDocument.purchase_id == purchase_id))


@REFUSALS
def test_the_preview_of_a_refused_purchase_offers_an_override_with_a_required_reason(client, db, world, refused_by):
    budget = refused_by(db, world)
    login(client, "advisor@test.no")
    page = client.post(f"/courses/{world.course.id}/buy", data={**FORM, "budget_id": str(budget.id), "action": "preview"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="request_override"' in html and "Be om overstyring" in html
    assert 'value="confirm"' not in html  # nothing to confirm: the line refuses
    assert 'id="override_reason"' in html and "(må fylles ut)" in html.split('id="override"', 1)[1]


@REFUSALS
@pytest.mark.parametrize("reason", ["", "   ", "for kort"], ids=["empty", "blank", "short"])
def test_an_override_request_without_a_real_reason_is_a_field_error_not_the_refusal(client, db, world, refused_by, reason):
    budget = refused_by(db, world)
    login(client, "advisor@test.no")
    before = db.scalar(select(func.count()).select_from(SeatPurchase))
    r = client.post(f"/courses/{world.course.id}/buy", data={
        **FORM, "budget_id": str(budget.id), "action": "request_override", "override_reason": reason, "form_token": new_token()})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="override_reason-error"' in html and "Forklar hvorfor kjøpet ikke kan vente" in html
    assert 'value="request_override"' in html  # the way on is still offered, with the price beside it
    assert 'id="preview"' in html
    assert db.scalar(select(func.count()).select_from(SeatPurchase)) == before
    assert _notices(db, "purchases.override_requested") == []


@REFUSALS
def test_the_request_notifies_the_budget_owners_and_the_decision_tells_the_advisor(client, app, db, world, refused_by):
    budget = refused_by(db, world)
    advisor, owner = world.users["advisor"], world.users["budget_owner"]
    login(client, "advisor@test.no")
    r = client.post(f"/courses/{world.course.id}/buy", data={
        **FORM, "budget_id": str(budget.id), "action": "request_override", "override_reason": REASON, "form_token": new_token()})
    assert r.status_code == 302
    purchase = db.scalars(select(SeatPurchase).where(SeatPurchase.override_reason == REASON)).one()
    assert purchase.status == PurchaseStatus.awaiting_override and _docs(db, purchase.id) == 0
    [notice] = _notices(db, "purchases.override_requested")
    assert notice.user_id == owner.id and notice.link == f"/purchases/{purchase.id}"
    assert notice.params["reason"] == REASON and notice.params["line"] == budget.line
    # not offered an order confirmation while it waits
    page = client.get(f"/purchases/{purchase.id}").get_data(as_text=True)
    assert "Ordrebekreftelse" not in page and "Overstyring bedt om" in page and REASON in page
    client.post("/logout")

    login(client, "budget@test.no")
    page = client.get(notice.link).get_data(as_text=True)
    assert "Avgjør overstyringen" in page and "gjenstår nå" in page
    if refused_by is _over_limit:
        # a hard stop's limit holds until a budget owner raises the line: the approval says so, nothing moves
        r = client.post(f"/purchases/{purchase.id}/override", data={"decision": "approve", "note": "Viktig for jobb"},
                        follow_redirects=True)
        assert r.status_code == 200 and "Øk budsjettlinjen" in r.get_data(as_text=True)
        db.expire_all()
        assert db.get(SeatPurchase, purchase.id).status == PurchaseStatus.awaiting_override
        budget = db.get(type(budget), budget.id)
        budget.amount = budget.amount * 2
        db.commit()
    r = client.post(f"/purchases/{purchase.id}/override", data={"decision": "approve", "note": "Viktig for jobb"})
    assert r.status_code == 302
    db.expire_all()
    purchase = db.get(SeatPurchase, purchase.id)
    assert purchase.status == PurchaseStatus.confirmed and _docs(db, purchase.id) == 1
    [told] = _notices(db, "purchases.override_approved")
    assert told.user_id == advisor.id and told.link == f"/purchases/{purchase.id}" and told.params["who"] == owner.name
    with app.test_request_context():
        from contracts_app.notifications.messages import render
        assert "godkjent" in render(told.kind, told.params) or "approved" in render(told.kind, told.params)
    client.post("/logout")

    login(client, "advisor@test.no")
    story = client.get(f"/purchases/{purchase.id}").get_data(as_text=True).split('id="story"', 1)[1]
    for text in ("Overstyring bedt om", advisor.name, REASON, "Overstyring godkjent", owner.name, "Viktig for jobb",
                 "Ordrebekreftelse laget"):
        assert text in story, text


def test_a_refused_override_tells_the_advisor_why(client, db, world):
    budget = _stopped(db, world)
    login(client, "advisor@test.no")
    client.post(f"/courses/{world.course.id}/buy", data={
        **FORM, "budget_id": str(budget.id), "action": "request_override", "override_reason": REASON, "form_token": new_token()})
    purchase = db.scalars(select(SeatPurchase).where(SeatPurchase.override_reason == REASON)).one()
    client.post("/logout")
    login(client, "budget@test.no")
    assert client.post(f"/purchases/{purchase.id}/override", data={"decision": "refuse", "note": "Vent til nytt år"}).status_code == 302
    db.expire_all()
    assert db.get(SeatPurchase, purchase.id).status == PurchaseStatus.override_refused and _docs(db, purchase.id) == 0
    [told] = _notices(db, "purchases.override_refused")
    assert told.user_id == world.users["advisor"].id and told.params["note"] == "Vent til nytt år"


def test_every_budget_owner_of_the_unit_but_the_one_who_asks_is_notified(db, world, clock):
    from contracts_app.auth.models import Role

    from ..factories import buy

    budget = _stopped(db, world)
    second = make_user(db, "budget2@test.no", role=Role.budget_owner, unit=world.nav_office)
    elsewhere = make_user(db, "budget3@test.no", role=Role.budget_owner, unit=world.adult_education)
    purchase = buy(db, world.course, budget, world.users["budget_owner"], override_reason=REASON)
    assert purchase.status == PurchaseStatus.awaiting_override
    told = {n.user_id for n in _notices(db, "purchases.override_requested")}
    assert told == {second.id} and elsewhere.id not in told


@pytest.mark.parametrize(
    "change,field,row",
    [
        ({"participants-1-reference": "R" * 41}, "participants-1-reference", 2),
        ({"participants-2-consent_date": "31.02.2026"}, "participants-2-consent_date", 3),
        ({"participants-2-cefr_level": "Z9"}, "participants-2-cefr_level", 3),
    ],
    ids=["too-long", "bad-date", "bad-level"],
)
@pytest.mark.parametrize("action", ["preview", "confirm"])
def test_wtforms_messages_on_participant_rows_name_the_row(client, db, world, change, field, row, action):
    login(client, "advisor@test.no")
    data = {"seats": "3", "start_date": "2026-03-02", "end_date": "2026-06-19", "budget_id": str(world.budget.id),
            "participants-0-reference": "ROW-A", "participants-1-reference": "ROW-B", "participants-2-reference": "ROW-C",
            "action": action, "form_token": new_token(), **change}
    r = client.post(f"/courses/{world.course.id}/buy", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    error = html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert error.startswith(f"Deltaker {row}: ")
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f"Deltaker {row}: " in summary


@pytest.mark.parametrize("decision, note", [("foo", "Viktig"), ("", "Viktig"), ("refuse", "a\x00b"), ("approve", "x" * 2001)])
def test_an_override_decision_that_is_not_one_is_refused_and_changes_nothing(client, db, world, decision, note):
    """An unknown decision was read as a refusal; a note with a NUL reached the database."""
    budget = _stopped(db, world)
    login(client, "advisor@test.no")
    client.post(f"/courses/{world.course.id}/buy", data={
        **FORM, "budget_id": str(budget.id), "action": "request_override", "override_reason": REASON, "form_token": new_token()})
    purchase = db.scalars(select(SeatPurchase).where(SeatPurchase.override_reason == REASON)).one()
    client.post("/logout")
    login(client, "budget@test.no")
    r = client.post(f"/purchases/{purchase.id}/override", data={"decision": decision, "note": note})
    assert r.status_code == 422  # the page again, with the note as typed
    db.expire_all()
    assert db.get(SeatPurchase, purchase.id).status == PurchaseStatus.awaiting_override
    page = r.get_data(as_text=True)
    assert ("Avgjørelse:" if decision not in ("approve", "refuse") else "Merknad:") in page  # says which field is wrong
    if "\x00" not in note:
        assert re.search(rf'id="note"[^>]*>\s*{note}</textarea>', page)
