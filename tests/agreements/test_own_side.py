"""Agreements: acting only for your own side (issue 18, item 4).

- a party's signature is recorded by the unit acting for it, or on paper (with the signed PDF) by a legal reviewer
  or an administrator, and the page says who recorded it and how;
- every save of the parties keeps the editor's unit a party;
- a call-off's parent the user cannot see is answered exactly like one that does not exist;
- a purchase is covered only when the buying unit acts for (or is listed as covered by) a buying party and the
  providing unit acts for a supplying party: Nav Lierdal is the State like Nav Testvik, but Nav Testvik's agreement
  with Testvik kommune does not cover Nav Lierdal's purchases (the Nav Lierdal / Nav Fjordvik case of the issue).
"""
from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest

from contracts_app import clock
from contracts_app.agreements import lifecycle, queries, services
from contracts_app.agreements.models import SignatureMethod
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.audit import Actor
from contracts_app.auth.models import Role
from contracts_app.capacity import requests as capacity_requests
from contracts_app.errors import PermissionDenied, ValidationFailed
from contracts_app.organisations.models import Side

from ..factories import buy, make_budget, make_course, make_entity, make_offer, make_unit, make_user, request_input
from ..support import login, tiny_pdf
from .helpers import STEP_DATA, actor_for, drafter, make_agreement, parties, reviewer


# The world is built once per module and every test runs in a savepoint rolled back after it (tests/conftest.py,
# module_world): each test still starts from the same fresh world, without building it again.
pytestmark = pytest.mark.shared_world()


@pytest.fixture
def lierdal(db, world):
    """A second Nav office of the State (Nav Lierdal, municipal side Lierdal kommune) with its own users and budget,
    Lierdal kommune's learning centre, and a second unit of Testvik kommune that teaches."""
    kommune = make_entity(db, name="Lierdal kommune", municipality_number="9902")
    nav = make_unit(db, world.state, name="Nav Lierdal", kind="nav_office", municipal_entity_id=kommune.id)
    vo = make_unit(db, kommune, name="Lierdal læringssenter")
    other_testvik = make_unit(db, world.municipality, name="Testvik læringssenter")
    ns = SimpleNamespace(
        kommune=kommune, nav=nav, vo=vo, other_testvik=other_testvik,
        advisor=make_user(db, "advisor@lierdal.no", role=Role.advisor, unit=nav),
        owner=make_user(db, "budget@lierdal.no", role=Role.budget_owner, unit=nav),
        coordinator=make_user(db, "coordinator@lierdal.no", role=Role.provider_coordinator, unit=vo),
        budget=make_budget(db, nav),
    )
    db.commit()
    return ns


# --- signatures -------------------------------------------------------------------------------------------------

SIGNERS = [
    # who, party (0 = Nav Testvik, 1 = Testvik voksenopplæring), with the signed PDF, expected
    ("nav_budget_owner", 0, False, SignatureMethod.own_side),
    ("nav_budget_owner", 1, False, PermissionDenied),  # the issue: Nav recorded the other party's signature
    ("nav_budget_owner", 1, True, PermissionDenied),  # not even with a PDF: only a jurist or an admin records paper
    ("coordinator", 1, False, SignatureMethod.own_side),
    ("coordinator", 1, True, SignatureMethod.own_side),  # a PDF is welcome on one's own signature too
    ("coordinator", 0, False, PermissionDenied),
    ("nav_advisor", 0, False, PermissionDenied),  # the party's unit, but not a role that signs
    ("lierdal_budget_owner", 0, False, PermissionDenied),  # the State too, but not the party's acting unit
    ("legal_reviewer", 0, False, ValidationFailed),  # on paper the PDF is required
    ("legal_reviewer", 0, True, SignatureMethod.on_paper),
    ("admin", 1, False, ValidationFailed),
    ("admin", 1, True, SignatureMethod.on_paper),
]


def _actor(world, lierdal, who: str) -> Actor:
    return {
        "nav_budget_owner": lambda: actor_for(world.users["budget_owner"], world.nav_office),
        "nav_advisor": lambda: actor_for(world.users["advisor"], world.nav_office),
        "coordinator": lambda: drafter(world),
        "lierdal_budget_owner": lambda: actor_for(lierdal.owner, lierdal.nav),
        "legal_reviewer": lambda: reviewer(world),
        "admin": lambda: Actor(world.users["admin"].id, None),
    }[who]()


@pytest.mark.parametrize("who,party,with_pdf,expected", SIGNERS, ids=[f"{w}-party{p}-{'pdf' if f else 'nopdf'}" for w, p, f, _e in SIGNERS])
def test_a_signature_is_recorded_only_for_your_own_side_or_on_paper(db, world, lierdal, who, party, with_pdf, expected):
    a = make_agreement(db, world, state=S.approved)
    target = a.parties[party]
    kw = dict(party_id=target.id, signer_name="Ola Leder", signer_role="Leder", signed_on=clock.today(),
              pdf=tiny_pdf() if with_pdf else None, pdf_filename="signert.pdf" if with_pdf else None,
              actor=_actor(world, lierdal, who), now=clock.now(), today=clock.today())
    if isinstance(expected, SignatureMethod):
        lifecycle.record_signature(db, a.id, **kw)
        [sig] = queries.signatures(db, a.id)
        assert (sig.party_id, sig.method, sig.recorded_by_id) == (target.id, expected, kw["actor"].user_id)
    else:
        with pytest.raises(expected) as exc:
            lifecycle.record_signature(db, a.id, **kw)
        if expected is ValidationFailed:
            assert [e["path"] for e in exc.value.errors] == ["pdf"]
        db.rollback()
        assert queries.signatures(db, a.id) == []


def test_the_page_records_only_your_own_side_and_shows_who_recorded_how(app, client, db, world):
    """The attack of the issue over HTTP, then the honest way: each side, or a jurist on paper."""
    a = make_agreement(db, world, state=S.approved)
    nav_party, school_party = a.parties
    form = {"signer_name": "Nina Nav", "signer_role": "Leder", "signed_on": clock.today().isoformat()}
    login(client, world.users["budget_owner"].email)
    page = client.get(f"/agreements/{a.id}").get_data(as_text=True)
    offered = re.findall(r'<option value="(\d+)"', page.split('id="party_id"', 1)[1].split("</select>", 1)[0])
    assert offered == [str(nav_party.id)]  # the form offers Nav only its own party
    assert client.post(f"/agreements/{a.id}/sign", data={**form, "party_id": school_party.id}).status_code == 403
    assert queries.signatures(db, a.id) == []
    assert client.post(f"/agreements/{a.id}/sign", data={**form, "party_id": nav_party.id}).status_code == 302

    jurist = app.test_client()
    login(jurist, world.users["legal_reviewer"].email)
    paper = {**form, "signer_name": "Kari Rektor", "party_id": school_party.id}
    response = jurist.post(f"/agreements/{a.id}/sign", data=paper, content_type="multipart/form-data")
    assert response.status_code == 302 and len(queries.signatures(db, a.id)) == 1  # no PDF: refused
    response = jurist.post(f"/agreements/{a.id}/sign", data={**paper, "pdf": (io.BytesIO(tiny_pdf()), "signert.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.refresh(a)
    assert a.status in (S.signed, S.active)
    assert [(s.party_id, s.method) for s in queries.signatures(db, a.id)] == [
        (nav_party.id, SignatureMethod.own_side), (school_party.id, SignatureMethod.on_paper)]
    text = client.get(f"/agreements/{a.id}").get_data(as_text=True)
    signatures = text.split('id="signatures"', 1)[1].split("</ul>", 1)[0]
    assert world.users["budget_owner"].name in signatures and world.users["legal_reviewer"].name in signatures
    assert "signert på papir" in signatures


# --- parties -------------------------------------------------------------------------------------------------

EDITS = [
    # who edits, the new parties, saved
    ("coordinator", "testvik", True),
    ("coordinator", "nav_testvik_and_lierdal_school", False),  # the coordinator's unit would leave the agreement
    ("coordinator", "lierdal", False),
    ("legal_reviewer", "testvik", True),  # a legal reviewer answers for its legal person's parties
    ("legal_reviewer", "lierdal", False),
]


def _parties(world, lierdal, which: str) -> list[dict]:
    nav_testvik, school = parties(world)
    nav_lierdal = {**nav_testvik, "unit_id": lierdal.nav.id}
    lierdal_school = {**school, "unit_id": lierdal.vo.id}
    return {"testvik": [nav_testvik, {**school, "contact_name": "Ny kontakt"}],
            "nav_testvik_and_lierdal_school": [nav_testvik, lierdal_school], "lierdal": [nav_lierdal, lierdal_school]}[which]


@pytest.mark.parametrize("who,which,saved", EDITS, ids=[f"{w}-{p}" for w, p, _s in EDITS])
def test_every_save_of_the_parties_keeps_the_editors_unit_a_party(db, world, lierdal, who, which, saved):
    a = make_agreement(db, world)
    version = a.version
    actor = drafter(world) if who == "coordinator" else reviewer(world)
    data = {"kind": "cooperation", "parties": _parties(world, lierdal, which)}
    if saved:
        services.save_step(db, a.id, "parties", data, expected_version=version, actor=actor, now=clock.now())
        assert a.version == version + 1
    else:
        with pytest.raises(ValidationFailed) as exc:
            services.save_step(db, a.id, "parties", data, expected_version=version, actor=actor, now=clock.now())
        assert exc.value.errors == [{"path": "parties", "message": "Your unit must remain one of the parties."}]
        db.rollback()
        db.refresh(a)
        assert a.version == version and [p.unit_id for p in a.parties] == [world.nav_office.id, world.adult_education.id]


# --- a call-off's parent ------------------------------------------------------------------------------------------


def _lierdal_framework(db, world, lierdal):
    """A framework agreement in force between Nav Lierdal and Lierdal læringssenter: nobody in Testvik sees it."""
    now, today = clock.now(), clock.today()
    school = Actor(lierdal.coordinator.id, lierdal.vo.id)
    a = services.create_draft(db, {"kind": "procurement", "title": "Rammeavtale Lierdal", "parties": [
        {"unit_id": lierdal.nav.id, "nav_side": "state", "role": "buyer"}, {"unit_id": lierdal.vo.id, "role": "supplier"}]},
        actor=school, now=now)
    for step in ("subject", "period", "value"):
        services.save_step(db, a.id, step, STEP_DATA[step], expected_version=a.version, actor=school, now=now)
    # Lierdal kommune's own jurist reviews it (Testvik's cannot: submitting routes to a reviewer of the parties)
    legal_unit = make_unit(db, lierdal.kommune, name="Lierdal juridisk", kind="other")
    jurist = make_user(db, "jurist@lierdal.no", role=Role.legal_reviewer, unit=legal_unit)
    services.submit(db, a.id, actor=school, now=now)
    services.approve(db, a.id, reviewer_verdict=None, reasoning=None, note=None, actor=Actor(jurist.id, legal_unit.id),
                     now=now, today=today)
    for party, signer in zip(a.parties, (Actor(lierdal.owner.id, lierdal.nav.id), school)):
        lifecycle.record_signature(db, a.id, party_id=party.id, signer_name="Leder", signer_role="Leder", signed_on=today,
                                  actor=signer, now=now, today=today)
    db.commit()
    assert a.status == S.signed
    return a


def test_a_parent_you_cannot_see_is_answered_as_one_that_does_not_exist(client, db, world, lierdal):
    hidden = _lierdal_framework(db, world, lierdal)
    visible = make_agreement(db, world, kind="procurement", state=S.signed)
    order = make_agreement(db, world, kind="call_off", complete=False)
    login(client, world.users["provider_coordinator"].email)

    def post(parent_id: int):
        data = {**STEP_DATA["subject"], "parent_id": str(parent_id), "lock_version": str(order.version), "action": "save"}
        response = client.post(f"/agreements/{order.id}/edit/subject", data=data)
        messages = re.findall(r'ds-validation-message[^>]*>([^<]*)<', response.get_data(as_text=True))
        return response.status_code, messages

    unknown, invisible = post(hidden.id + visible.id + 1000), post(hidden.id)
    assert unknown == invisible and unknown[0] == 422 and unknown[1]
    assert post(visible.id)[0] == 302
    db.refresh(order)
    assert order.parent_id == visible.id


# --- coverage -------------------------------------------------------------------------------------------------

COVERAGE = [
    # buying unit, its side, Nav Lierdal listed as covered, providing unit, covered by Nav Testvik's agreement
    ("nav_testvik", "state", False, "school", True),  # the inverse of the issue: the party's own purchase
    ("nav_lierdal", "state", False, "school", False),  # the issue: the State too, but not a party
    ("nav_lierdal", "state", True, "school", True),  # ... unless the agreement lists Nav Lierdal as covered
    ("nav_lierdal", "municipal", True, "school", False),  # listed, but buying for Lierdal kommune, which is no party
    ("nav_testvik", "state", False, "other_testvik", False),  # Testvik kommune, but not the supplying party's unit
]


@pytest.mark.parametrize("buyer,side,listed,provider,covered", COVERAGE,
                         ids=[f"{b}-{s}-{'listed' if ls else 'unlisted'}-{p}" for b, s, ls, p, _c in COVERAGE])
def test_a_purchase_is_covered_only_by_an_agreement_its_units_act_under(db, world, lierdal, buyer, side, listed, provider, covered):
    units = {"nav_testvik": world.nav_office, "nav_lierdal": lierdal.nav, "school": world.adult_education,
             "other_testvik": lierdal.other_testvik}
    users = {"nav_testvik": world.users["advisor"], "nav_lierdal": lierdal.advisor}
    a = make_agreement(db, world, state=S.active, start_date="2026-01-01", end_date="2027-12-31",
                       covered=[lierdal.nav] if listed else [])
    course = world.course if provider == "school" else make_course(db, units[provider])
    budget = make_budget(db, units[buyer], line=f"Opplæring ({side})", side=side)
    db.commit()
    purchase = buy(db, course, budget, users[buyer], refs=["COV-1"])
    assert purchase.agreement_id == (a.id if covered else None)
    found = queries.covering_agreement(db, buyer=units[buyer], side=Side(side), provider=units[provider], on=course.start_date)
    assert found == (a if covered else None)


@pytest.mark.parametrize("buyer,accepted", [("nav_testvik", True), ("nav_lierdal", False)])
def test_an_accepted_request_is_covered_only_for_the_party_itself(db, world, lierdal, buyer, accepted):
    a = make_agreement(db, world, state=S.active, start_date="2026-01-01", end_date="2027-12-31")
    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=3)
    budget, user, unit = ((world.budget, world.users["advisor"], world.nav_office) if buyer == "nav_testvik"
                          else (lierdal.budget, lierdal.advisor, lierdal.nav))
    db.commit()
    req = capacity_requests.request_seats(db, request_input(offer, budget), actor=Actor(user.id, unit.id), now=clock.now())
    db.commit()
    provider = Actor(world.users["provider_coordinator"].id, world.adult_education.id)
    if accepted:
        capacity_requests.accept(db, req.id, actor=provider, now=clock.now())
        assert db.get(type(world.purchase), req.purchase_id).agreement_id == a.id
    else:
        with pytest.raises(capacity_requests.AgreementRequired):
            capacity_requests.accept(db, req.id, actor=provider, now=clock.now())


@pytest.mark.parametrize("listed", [False, True])
def test_a_unit_the_agreement_covers_sees_it_read_only_with_its_own_purchases(app, client, db, world, lierdal, listed):
    a = make_agreement(db, world, state=S.active, start_date="2026-01-01", end_date="2027-12-31",
                       covered=[lierdal.nav] if listed else [])
    buy(db, world.course, world.budget, world.users["advisor"], refs=["TESTVIK-1"])
    theirs = buy(db, world.course, lierdal.budget, lierdal.advisor, refs=["LIER-1"])
    db.commit()
    assert theirs.agreement_id == (a.id if listed else None)
    login(client, lierdal.owner.email)
    page = client.get(f"/agreements/{a.id}")
    assert page.status_code == (200 if listed else 404)
    assert (f'href="/agreements/{a.id}"' in client.get("/agreements").get_data(as_text=True)) == listed
    if listed:
        html = page.get_data(as_text=True)
        bought = html.split('id="h-purchases"', 1)[1].split("</ul>", 1)[0]
        assert bought.count("<li>") == 1  # its own, not Nav Testvik's (the parties see both)
        assert "Nav Lierdal" in html.split('id="covered-units"', 1)[1].split("</p>", 1)[0]
        assert 'id="signing"' not in html or "agreements/%d/sign" % a.id not in html
        assert client.get(f"/agreements/{a.id}/edit/parties").status_code == 403  # seeing is not editing
    assert len(queries.purchases_under(db, a.id)) == (2 if listed else 1)  # the parties see every purchase under it


COVERED_UNITS = [
    ("nav_lierdal", True),  # a unit of the State, which buys under the agreement
    ("lierdal_school", False),  # Lierdal kommune is no party
]


@pytest.mark.parametrize("unit,ok", COVERED_UNITS)
def test_covered_units_belong_to_a_buying_party_and_are_versioned(client, db, world, lierdal, unit, ok):
    a = make_agreement(db, world)
    version = a.version
    target = {"nav_lierdal": lierdal.nav, "lierdal_school": lierdal.vo}[unit]
    data = {"kind": "cooperation", "parties": parties(world), "covered_unit_ids": [str(target.id)]}
    if ok:
        services.save_step(db, a.id, "parties", data, expected_version=version, actor=drafter(world), now=clock.now())
        assert a.covered_unit_ids == [target.id] and a.version == version + 1
        assert ("covered_unit_ids", [], [target.id]) in queries.version_diff(db, a.id, version, a.version)
        db.commit()
        login(client, world.users["provider_coordinator"].email)
        form = client.get(f"/agreements/{a.id}/edit/parties").get_data(as_text=True)
        assert re.search(rf'<option selected value="{target.id}"|<option value="{target.id}" selected', form)
    else:
        with pytest.raises(ValidationFailed) as exc:
            services.save_step(db, a.id, "parties", data, expected_version=version, actor=drafter(world), now=clock.now())
        assert [e["path"] for e in exc.value.errors] == ["covered_unit_ids"]
        db.rollback()
        db.refresh(a)
        assert a.covered_unit_ids == [] and a.version == version


def test_a_party_leaving_takes_its_covered_units_with_it(db, world, lierdal):
    """Covered units are checked on every save of the parties: when the buying legal person leaves, the list must go too."""
    a = make_agreement(db, world, covered=[lierdal.nav])
    school = parties(world)[1]
    other = {"legal_entity_id": make_entity(db, name="Fjellby kommune").id, "role": "partner"}  # in place of Nav Testvik (the State)
    with pytest.raises(ValidationFailed) as exc:
        services.save_step(db, a.id, "parties", {"kind": "cooperation", "parties": [other, school]}, expected_version=a.version,
                           actor=drafter(world), now=clock.now())
    assert [e["path"] for e in exc.value.errors] == ["covered_unit_ids"]
