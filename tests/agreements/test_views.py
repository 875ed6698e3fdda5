"""The agreement pages through the test client: wizard errors per step, the conflict page, pre-filled parties,
the pages in every state, downloads."""
from __future__ import annotations

import pytest

from contracts_app.agreements import queries
from contracts_app.agreements.models import AgreementDocument
from contracts_app.agreements.states import AgreementStatus as S

from ..support import login
from .helpers import input_value, make_agreement


def _form(a, **fields):
    return {"lock_version": str(a.version), "action": "save", **fields}


@pytest.mark.parametrize("step,fields,message", [
    ("period", {"start_date": "2026-08-01", "end_date": "2026-07-01", "option_scheme": "none"}, "Sluttdatoen kan ikke være før startdatoen"),
    ("period", {"start_date": "2026-08-01", "end_date": "2028-07-31", "option_scheme": "2+1", "max_duration_months": "24"}, "mer enn maksimal varighet"),
    ("parties", {"kind": "cooperation", "parties-0-who": "", "parties-0-name": "Privat AS", "parties-0-org_number": "",
                 "parties-0-role": "partner", "parties-1-who": "e:1", "parties-1-role": "partner"}, "organisasjonsnummer"),
    ("cooperation", {"parties-0-open_market_share_pct": "120", "parties-1-open_market_share_pct": "5"}, "prosent mellom 0 og 100"),
])
def test_bad_input_in_a_step_shows_field_errors_and_keeps_the_draft(client, db, world, step, fields, message):
    a = make_agreement(db, world)
    before = queries.snapshot(a)
    login(client, world.users["provider_coordinator"].email)
    r = client.post(f"/agreements/{a.id}/edit/{step}", data=_form(a, **fields))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    db.refresh(a)
    assert queries.snapshot(a) == before


def test_wizard_step_saves_and_moves_on_with_the_verdict_shown(client, db, world):
    a = make_agreement(db, world, complete=False)
    login(client, world.users["budget_owner"].email)
    r = client.post(f"/agreements/{a.id}/edit/value", data={**_form(a), "action": "next", "estimated_value": "250 000,50"})
    assert r.status_code == 302 and r.location.endswith(f"/agreements/{a.id}/edit/cooperation")
    page = client.get(r.location).get_data(as_text=True)
    assert "Lagret som versjon 2" in page and 'id="verdict"' in page
    db.refresh(a)
    assert str(a.estimated_value) == "250000.50"


def test_two_people_saving_the_same_draft_get_a_conflict_page_with_both_values(app, client, db, world):
    a = make_agreement(db, world)
    opened = a.version
    login(client, world.users["provider_coordinator"].email)
    assert client.post(f"/agreements/{a.id}/edit/value", data=_form(a, estimated_value="900000")).status_code == 302
    other = app.test_client()
    login(other, world.users["budget_owner"].email)
    r = other.post(f"/agreements/{a.id}/edit/value", data={"lock_version": str(opened), "estimated_value": "700000", "action": "save"})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    # both values shown the Norwegian way (kr, spaces, decimal comma), the new version number to overwrite with
    assert "kr\xa0900\xa0000,00" in html and "kr\xa0700\xa0000,00" in html and f'name="lock_version" value="{opened + 1}"' in html
    assert 'value="700000"' in html  # the second user's input is kept in the form
    db.refresh(a)
    assert str(a.estimated_value) == "900000.00"
    # saving again with the new version number is a deliberate overwrite
    r = other.post(f"/agreements/{a.id}/edit/value", data={"lock_version": str(opened + 1), "estimated_value": "700000", "action": "save"})
    assert r.status_code == 302
    db.refresh(a)
    assert str(a.estimated_value) == "700000.00"


def test_new_agreement_prefilled_with_parties(client, db, world):
    login(client, world.users["budget_owner"].email)
    r = client.get(f"/agreements/new?party={world.state.id}&party={world.municipality.id}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    # each party field shows the party's label, with its key in the hidden field beside it
    own = f"{world.nav_office.name} ({world.state.name})"
    other = f"{world.municipality.name} ({world.municipality.org_number})"
    assert [input_value(html, f"parties-{i}-{name}") for i in (0, 1) for name in ("who", "who_key")] == [
        own, f"u:{world.nav_office.id}", other, f"e:{world.municipality.id}"]
    r = client.post("/agreements/new", data={
        "kind": "cooperation", "title": "Ny samarbeidsavtale", "parties-0-who": own, "parties-0-who_key": f"u:{world.nav_office.id}",
        "parties-0-nav_side": "state", "parties-0-role": "partner",
        "parties-1-who": world.adult_education.name, "parties-1-role": "partner"})  # typed without script: the name alone
    assert r.status_code == 302 and "/edit/subject" in r.location


@pytest.mark.parametrize("state", list(S))
def test_the_agreement_page_in_every_state(client, db, world, state):
    a = make_agreement(db, world, state=state)
    for role in ("provider_coordinator", "legal_reviewer", "advisor", "admin"):
        login(client, world.users[role].email)
        r = client.get(f"/agreements/{a.id}")
        assert r.status_code == 200, role
        client.post("/logout")
    assert client.get("/agreements").status_code == 302


def test_review_through_the_page_and_documents_download(client, db, world):
    a = make_agreement(db, world, state=S.in_review)
    login(client, world.users["legal_reviewer"].email)
    html = client.get(f"/agreements/{a.id}").get_data(as_text=True)
    # the decision is one button each, not a drop-down and a "record" button
    assert 'name="decision" value="approve"' in html and 'name="decision" value="changes"' in html and 'id="decision"' not in html
    r = client.post(f"/agreements/{a.id}/comments", data={"section": "cooperation", "body": "Hvor mange lærere?"})
    assert r.status_code == 302
    r = client.post(f"/agreements/{a.id}/review", data={"decision": "approve", "reviewer_verdict": "procurement_required",
                                                        "reasoning": "Kort."})
    db.refresh(a)
    assert a.status == S.in_review  # departure without reasoning is refused
    reasoning = "Bidragene fra Nav er i realiteten bare betaling, jf. C-429/19."
    client.post(f"/agreements/{a.id}/review", data={"decision": "approve", "reviewer_verdict": "procurement_required", "reasoning": reasoning})
    db.refresh(a)
    assert a.status == S.approved
    html = client.get(f"/agreements/{a.id}").get_data(as_text=True)
    assert reasoning in html and "SHA-256" in html
    doc = db.query(AgreementDocument).filter_by(agreement_id=a.id, kind="cooperation_agreement").one()
    r = client.get(f"/documents/{doc.id}")
    assert r.status_code == 200 and r.data == doc.content and r.headers["X-Content-SHA256"] == doc.sha256
    r = client.get(f"/agreements/{a.id}/versions?a=1&b={a.version}")
    assert r.status_code == 200 and "Estimert verdi" in r.get_data(as_text=True) or r.status_code == 200


def test_list_search_and_filters(client, db, world):
    make_agreement(db, world, state=S.active)
    login(client, world.users["provider_coordinator"].email)
    for query, found in [("", True), ("?q=Testvik", True), ("?q=finnes+ikke", False), ("?status=active", True), ("?status=draft", False),
                         ("?kind=cooperation", True), ("?verdict=exempt", True), ("?verdict=below_scope", False), ("?expiring=90", False)]:
        html = client.get("/agreements" + query).get_data(as_text=True)
        assert ("Norskopplæring for Navs brukere" in html) == found, query


def test_a_purchase_links_to_its_agreement_and_gets_an_order_confirmation(client, db, world):
    a = make_agreement(db, world, state=S.approved, start_date="2026-01-01", end_date="2027-12-31")
    from .helpers import move
    move(db, world, a, S.signed)
    from ..factories import buy
    purchase = buy(db, world.course, world.budget, world.users["advisor"])
    db.commit()
    login(client, world.users["advisor"].email)
    html = client.get(f"/purchases/{purchase.id}").get_data(as_text=True)
    assert f"/agreements/{a.id}" in html
    r = client.post(f"/purchases/{purchase.id}/order-confirmation")
    assert r.status_code == 302
    doc_url = r.location
    r = client.get(doc_url)
    assert r.status_code == 200 and r.mimetype.endswith("wordprocessingml.document")
    # it lists the participant references: not on the agreement page; the provider, who enrols them, downloads it too
    client.post("/logout")
    login(client, world.users["provider_coordinator"].email)
    assert "ordrebekreftelse" not in client.get(f"/agreements/{a.id}").get_data(as_text=True)
    assert client.get(doc_url).status_code == 200
    assert client.post(f"/purchases/{purchase.id}/order-confirmation").status_code == 403


def test_the_agreement_page_reads_its_purchases_without_a_query_per_course(client, db, world, count_statements):
    """The purchases under an agreement are listed with their course: the number of statements must not grow
    with the number of courses bought."""
    from ..factories import buy, make_course
    from .helpers import move

    a = make_agreement(db, world, state=S.approved, start_date="2026-01-01", end_date="2027-12-31")
    move(db, world, a, S.signed)
    login(client, world.users["provider_coordinator"].email)

    def page_statements() -> int:
        db.commit()
        db.expunge_all()  # the page reads what it shows, as in a real request (the tests share one session)
        with count_statements() as statements:
            html = client.get(f"/agreements/{a.id}").get_data(as_text=True)
        assert "Kurs " in html or world.course.title in html
        return len(statements)

    buy(db, world.course, world.budget, world.users["advisor"], refs=["ONE-1"])
    one = page_statements()
    for i in range(3):
        buy(db, make_course(db, world.adult_education, title=f"Kurs {i}"), world.budget, world.users["advisor"], refs=[f"MORE-{i}"])
    four = page_statements()
    assert four == one, (one, four)


def test_the_list_shows_each_user_only_the_agreements_they_may_see(client, db, world):
    """The list filters in the database (no limit before the access check): parties' units, and legal
    reviewers of a party's legal entity, see it; another Nav office and another municipality do not."""
    from contracts_app.auth.models import Role

    from ..factories import make_entity, make_unit, make_user

    make_agreement(db, world, state=S.active)
    other_nav = make_unit(db, world.state, name="Nav Annet", kind="nav_office", municipal_entity_id=world.municipality.id)
    make_user(db, "annen.nav@test.no", role=Role.budget_owner, unit=other_nav)
    elsewhere = make_unit(db, make_entity(db, name="Fjernvik kommune"), name="Fjernvik voksenopplæring")
    make_user(db, "fjern@test.no", role=Role.provider_coordinator, unit=elsewhere)
    db.commit()
    for email, sees in [(world.users["budget_owner"].email, True), (world.users["legal_reviewer"].email, True),
                        (world.users["admin"].email, True), ("annen.nav@test.no", False), ("fjern@test.no", False)]:
        client.post("/logout")
        login(client, email)
        html = client.get("/agreements").get_data(as_text=True)
        assert ("Norskopplæring for Navs brukere" in html) == sees, email


def test_the_call_off_subject_step_offers_the_agreements_in_force(client, db, world):
    frame = make_agreement(db, world, kind="procurement", state=S.signed)
    order = make_agreement(db, world, kind="call_off", complete=False)
    login(client, world.users["provider_coordinator"].email)
    html = client.get(f"/agreements/{order.id}/edit/subject").get_data(as_text=True)
    assert 'id="parent_id"' in html and f'value="{frame.id}"' in html
    data = {"lock_version": str(order.version), "title": "Avrop", "subject": "To plasser", "parent_id": str(frame.id), "action": "save"}
    assert client.post(f"/agreements/{order.id}/edit/subject", data=data).status_code == 302
    assert frame.title in client.get(f"/agreements/{order.id}").get_data(as_text=True)


@pytest.mark.parametrize("locale,row,english_default", [("nb", "Parter, nr. 1: ", "Parties"), ("en", "Parties, no. 1: ", "Parties-0")])
def test_the_error_summary_names_a_party_field_with_its_row_in_the_readers_language(client, db, world, locale, row, english_default):
    a = make_agreement(db, world)
    login(client, world.users["provider_coordinator"].email)
    if locale == "en":
        client.post("/language", data={"locale": "en", "back": "/home"})
    fields = {"kind": "cooperation", "parties-0-who": "", "parties-0-name": "Privat AS", "parties-0-org_number": "",
              "parties-0-role": "partner", "parties-1-who": "e:1", "parties-1-role": "partner"}
    r = client.post(f"/agreements/{a.id}/edit/parties", data=_form(a, **fields))
    assert r.status_code == 422
    summary = r.get_data(as_text=True).split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert row in summary and 'href="#parties-0-' in summary
    if locale == "nb":
        assert english_default not in summary
