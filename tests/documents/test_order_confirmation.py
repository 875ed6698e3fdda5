"""Issue 20, item 3: the order confirmation is made at confirmation (a direct purchase, an accepted capacity
request, an approved override), stored with its template, template version and SHA-256, downloadable by the
buyer and the provider, never made or offered for a purchase that is not confirmed; a cancelled purchase keeps
its document, marked as cancelled."""
from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from docx import Document
from sqlalchemy import func, select

from contracts_app.agreements.models import AgreementDocument
from contracts_app.audit import Actor, AuditEvent
from contracts_app.auth.models import Role
from contracts_app.budget import services as budget_services
from contracts_app.documents.rendering import manifest
from contracts_app.purchases import services as purchase_services
from contracts_app.purchases.models import PurchaseStatus

from ..factories import buy, make_budget, make_offer, make_unit, make_user, request_input
from ..support import login

NOW = dt.datetime(2026, 3, 2, 8, tzinfo=dt.timezone.utc)


def _docs(db, purchase_id: int) -> list[AgreementDocument]:
    return list(db.scalars(select(AgreementDocument).where(AgreementDocument.purchase_id == purchase_id).order_by(AgreementDocument.id)))


def _assert_made_at_confirmation(db, purchase, actor_id: int) -> AgreementDocument:
    [doc] = _docs(db, purchase.id)
    spec = manifest()["order_confirmation"]
    assert (doc.kind, doc.template_name, doc.template_version, doc.created_by_id) == (
        "order_confirmation", spec["file"], spec["version"], actor_id)
    assert doc.sha256 == hashlib.sha256(doc.content).hexdigest() and doc.agreement_id is None
    assert doc.created_at == purchase.created_at or doc.created_at == purchase.updated_at
    text = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    assert "Ordrebekreftelse" in text and str(purchase.id) in text
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "purchase.order_confirmation_generated",
                                                AuditEvent.object_id == str(purchase.id))).one()
    assert event.after["sha256"] == doc.sha256 and event.after["version"] == spec["version"]
    return doc


def test_a_direct_purchase_has_its_order_confirmation_when_it_is_confirmed(db, world):
    _assert_made_at_confirmation(db, world.purchase, world.users["advisor"].id)


def test_an_accepted_capacity_request_has_its_order_confirmation(db, world):
    from contracts_app.capacity import requests

    coordinator = world.users["provider_coordinator"]
    offer = make_offer(db, world.course, coordinator, seats=3)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal", amount="100000")
    db.commit()
    req = requests.request_seats(db, request_input(offer, budget, seats=2), actor=Actor(world.users["advisor"].id, world.nav_office.id), now=NOW)
    db.commit()
    assert _docs(db, world.purchase.id) and db.scalar(select(func.count()).select_from(AgreementDocument)) == 1  # only the world's
    requests.accept(db, req.id, actor=Actor(coordinator.id, world.adult_education.id), now=NOW)
    db.commit()
    from contracts_app.purchases.models import SeatPurchase

    _assert_made_at_confirmation(db, db.get(SeatPurchase, req.purchase_id), coordinator.id)


def test_an_approved_override_has_its_order_confirmation_and_a_waiting_or_refused_one_none(db, world):
    owner = world.users["budget_owner"]
    budget_services.declare_stop(db, world.budget, reason="Tiltaksstopp", starts_on=dt.date(2026, 3, 1), ends_on=None,
                                 actor=Actor(owner.id, world.nav_office.id), now=NOW)
    waiting = [buy(db, world.course, world.budget, world.users["advisor"], refs=[f"W-{i}"], override_reason="Får jobb hvis kurset starter")
               for i in range(2)]
    assert all(p.status == PurchaseStatus.awaiting_override and _docs(db, p.id) == [] for p in waiting)
    for purchase, approve in zip(waiting, (True, False)):
        purchase_services.decide_override(db, purchase.id, approve=approve, note="Avgjort", actor=Actor(owner.id, world.nav_office.id),
                                          now=NOW, today=NOW.date())
    assert waiting[0].status == PurchaseStatus.confirmed
    _assert_made_at_confirmation(db, waiting[0], owner.id)
    assert waiting[1].status == PurchaseStatus.override_refused and _docs(db, waiting[1].id) == []


def test_a_refused_confirmation_makes_no_document(db, world):
    small = make_budget(db, world.nav_office, line="Liten linje", amount="5000")
    before = db.scalar(select(func.count()).select_from(AgreementDocument))
    with pytest.raises(purchase_services.BudgetRefused):
        buy(db, world.course, small, world.users["advisor"])
    db.rollback()
    assert db.scalar(select(func.count()).select_from(AgreementDocument)) == before


def _user_at(db, email, role, unit):
    make_user(db, email, role=role, unit=unit)
    db.commit()
    return email


@pytest.mark.parametrize(
    "who,status",
    [
        ("advisor", 200),  # the buyer's advisor
        ("budget_owner", 200),  # the buyer's budget owner
        ("provider_coordinator", 200),  # the provider: it is their order too
        ("provider_budget_owner", 403),  # another role at the provider unit
        ("legal_reviewer", 404),  # neither side
        ("stranger", 404),  # an advisor at another Nav office
    ],
)
def test_buyer_and_provider_download_the_order_confirmation(client, db, world, who, status):
    [doc] = _docs(db, world.purchase.id)
    emails = {name: user.email for name, user in world.users.items()}
    emails["provider_budget_owner"] = _user_at(db, "vo-budget@test.no", Role.budget_owner, world.adult_education)
    other = make_unit(db, world.state, name="Nav Annenby", kind="nav_office", municipal_entity_id=world.municipality.id)
    emails["stranger"] = _user_at(db, "annen@test.no", Role.advisor, other)
    login(client, emails[who])
    response = client.get(f"/documents/{doc.id}")
    assert response.status_code == status
    if status == 200:
        assert response.data == doc.content and response.headers["X-Content-SHA256"] == doc.sha256
        assert hashlib.sha256(response.data).hexdigest() == doc.sha256
    page = client.get(f"/purchases/{world.purchase.id}")
    if status == 200:
        assert f"/documents/{doc.id}" in page.get_data(as_text=True)
    elif page.status_code == 200:
        assert f"/documents/{doc.id}" not in page.get_data(as_text=True)


def test_a_cancelled_purchase_keeps_its_document_marked_as_cancelled(client, db, world):
    [doc] = _docs(db, world.purchase.id)
    purchase_services.cancel(db, world.purchase.id, reason="Deltakeren fikk jobb", actor=Actor(world.users["advisor"].id, world.nav_office.id), now=NOW)
    db.commit()
    assert _docs(db, world.purchase.id) == [doc]
    for email in ("advisor@test.no", "coordinator@test.no"):
        login(client, email)
        page = client.get(f"/purchases/{world.purchase.id}").get_data(as_text=True)
        section = page.split('id="order-confirmation"', 1)[1].split("</section>", 1)[0]
        assert f"/documents/{doc.id}" in section and "Kansellert" in section and "gjelder ikke lenger" in section
        assert "Lag ordrebekreftelsen" not in section
        response = client.get(f"/documents/{doc.id}")
        assert response.status_code == 200 and response.data == doc.content  # as made: the hash still holds
        assert "kansellert" in response.headers["Content-Disposition"]
        client.post("/logout")
    # asking again makes nothing new
    login(client, "advisor@test.no")
    assert client.post(f"/purchases/{world.purchase.id}/order-confirmation").status_code == 302
    assert _docs(db, world.purchase.id) == [doc]


@pytest.mark.parametrize("status", [PurchaseStatus.awaiting_override, PurchaseStatus.override_refused, PurchaseStatus.cancelled])
def test_no_order_confirmation_is_made_or_offered_for_a_purchase_that_is_not_confirmed(client, db, world, status):
    for doc in _docs(db, world.purchase.id):
        db.delete(doc)  # as a purchase never confirmed (or cancelled before issue 20) has none
    world.purchase.status = status
    db.commit()
    login(client, "advisor@test.no")
    page = client.get(f"/purchases/{world.purchase.id}").get_data(as_text=True)
    assert 'id="order-confirmation"' not in page, page.split('id="order-confirmation"')[1][:600]
    assert f'action="/purchases/{world.purchase.id}/order-confirmation"' not in page
    r = client.post(f"/purchases/{world.purchase.id}/order-confirmation", follow_redirects=True)
    assert r.status_code == 200 and "bare for et bekreftet kjøp" in r.get_data(as_text=True)
    assert _docs(db, world.purchase.id) == []


def test_a_purchase_confirmed_before_issue_20_gets_one_on_demand_and_only_one(client, db, world):
    for doc in _docs(db, world.purchase.id):
        db.delete(doc)
    db.commit()
    login(client, "advisor@test.no")
    assert "Lag ordrebekreftelsen" in client.get(f"/purchases/{world.purchase.id}").get_data(as_text=True)
    first = client.post(f"/purchases/{world.purchase.id}/order-confirmation")
    second = client.post(f"/purchases/{world.purchase.id}/order-confirmation")
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert len(_docs(db, world.purchase.id)) == 1


def test_a_document_whose_bytes_no_longer_match_its_hash_is_not_handed_out(client, db, world):
    [doc] = _docs(db, world.purchase.id)
    doc.content = doc.content + b"tampered"
    db.commit()
    login(client, "advisor@test.no")
    assert client.get(f"/documents/{doc.id}").status_code == 409
