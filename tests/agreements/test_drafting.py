"""Drafting: bad input per wizard step, versions and their diff, optimistic locking, options, covering agreements."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contracts_app import clock
from contracts_app.agreements import lifecycle, parsing, queries, services
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from contracts_app.organisations.models import Side

from ..factories import buy, make_course, make_entity
from .helpers import STEP_DATA, drafter, make_agreement, parties, reviewer


# The world is built once per module and every test runs in a savepoint rolled back after it (tests/conftest.py,
# module_world): each test still starts from the same fresh world, without building it again.
pytestmark = pytest.mark.shared_world()


@pytest.mark.parametrize("step,data,path", [
    ("period", {"start_date": "2026-08-01", "end_date": "2026-07-01"}, "end_date"),
    ("period", {"start_date": "2026-08-01", "end_date": "2028-07-31", "option_scheme": "2+1", "max_duration_months": "30"}, "max_duration_months"),
    ("period", {"start_date": "2026-08-01", "end_date": "2027-07-31", "option_scheme": "custom", "custom_options": "12, x"}, "custom_options"),
    ("parties", {"kind": "cooperation", "parties": [{"unit_id": None, "name": "Privat AS", "org_number": ""}, {"legal_entity_id": "1"}]}, "parties[0].org_number"),
    ("parties", {"kind": "cooperation", "parties": [{"name": "Privat AS", "org_number": "123456789"}, {"legal_entity_id": "1"}]}, "parties[0].org_number"),
    ("cooperation", {**STEP_DATA["cooperation"], "parties": [{"open_market_share_pct": "120"}, {}]}, "parties[0].open_market_share_pct"),
    ("value", {"estimated_value": "-5"}, "estimated_value"),
    ("value", {"estimated_value": "12,345"}, "estimated_value"),  # no silent rounding of money
    ("value", {"options_value": "1000000000000"}, "options_value"),
    ("subject", {"title": "X", "cpv_codes": "72000000-5"}, "cpv_codes"),
    ("subject", {"title": ""}, "title"),
])
def test_bad_input_in_each_step_gives_field_errors_and_keeps_the_draft(db, world, step, data, path):
    a = make_agreement(db, world)
    before = queries.snapshot(a)
    version = a.version
    with pytest.raises(ValidationFailed) as exc:
        services.save_step(db, a.id, step, data, expected_version=a.version, actor=drafter(world), now=clock.now())
    assert path in [e["path"] for e in exc.value.errors], exc.value.errors
    db.rollback()  # as the view does
    db.refresh(a)
    assert a.version == version and queries.snapshot(a) == before


def test_a_preset_scheme_proposes_the_end_date(db, world):
    a = make_agreement(db, world, complete=False)
    services.save_step(db, a.id, "period", {"start_date": "2026-08-01", "option_scheme": "1+1+1", "max_duration_months": "36"},
                       expected_version=a.version, actor=drafter(world), now=clock.now())
    assert a.end_date == dt.date(2027, 7, 31) and a.option_plan == [12, 12]


def test_every_save_is_a_version_with_a_field_level_diff(db, world):
    a = make_agreement(db, world)
    assert [v.number for v in queries.versions(db, a.id)] == [1, 2, 3, 4, 5]
    changes = dict((p, (old, new)) for p, old, new in queries.version_diff(db, a.id, 3, 4))
    assert changes == {"estimated_value": (None, "800000.00"), "options_value": (None, "400000.00"),
                       "price_terms": (None, "Hver part dekker egne kostnader.")}
    party_changes = {p for p, *_ in queries.version_diff(db, a.id, 1, 5)}
    assert "parties[1].open_market_share_pct" in party_changes and "title" in party_changes
    # saving the same values again makes no new version
    services.save_step(db, a.id, "value", STEP_DATA["value"], expected_version=a.version, actor=drafter(world), now=clock.now())
    assert a.version == 5


def test_the_second_save_of_the_same_version_is_a_conflict_with_both_values(db, world):
    a = make_agreement(db, world)
    opened = a.version
    services.save_step(db, a.id, "value", {**STEP_DATA["value"], "estimated_value": "900000"}, expected_version=opened,
                       actor=drafter(world), now=clock.now())
    with pytest.raises(services.EditConflict) as exc:
        services.save_step(db, a.id, "value", {**STEP_DATA["value"], "estimated_value": "700000"}, expected_version=opened,
                           actor=reviewer(world), now=clock.now())
    conflict = exc.value
    assert conflict.current_version == opened + 1
    assert ("estimated_value", "900000.00", "700000.00") in conflict.fields
    db.refresh(a)
    assert a.estimated_value == Decimal("900000.00")  # the first save stands; the second user still has their input


def test_the_actor_must_be_a_party_and_parties_must_differ(db, world):
    other = make_entity(db, name="Annen kommune")
    with pytest.raises(ValidationFailed) as exc:
        services.create_draft(db, {"kind": "cooperation", "title": "T", "parties": [
            {"legal_entity_id": other.id}, {"legal_entity_id": world.state.id}]}, actor=drafter(world), now=clock.now())
    assert exc.value.errors[0]["path"] == "parties"
    with pytest.raises(ValidationFailed):
        services.create_draft(db, {"kind": "cooperation", "title": "T", "parties": [
            {"unit_id": world.adult_education.id}, {"legal_entity_id": world.municipality.id}]}, actor=drafter(world), now=clock.now())
    with pytest.raises(ValidationFailed) as exc:
        services.create_draft(db, {"kind": "cooperation", "title": "T", "parties": [
            {"unit_id": world.nav_office.id}, {"unit_id": world.adult_education.id}]}, actor=drafter(world), now=clock.now())
    assert exc.value.errors[0]["path"] == "parties[0].nav_side"


def test_the_nav_side_decides_the_legal_person(db, world):
    a = services.create_draft(db, {"kind": "internal_order", "title": "Intern bestilling", "parties": [
        {"unit_id": world.nav_office.id, "nav_side": "municipal"}, {"unit_id": world.adult_education.id}]},
        actor=drafter(world), now=clock.now())
    assert [p.legal_entity_id for p in a.parties] == [world.municipality.id, world.municipality.id]
    assert a.assessment["facts"]["buyer"]["entity_id"] == a.assessment["facts"]["supplier"]["entity_id"]


def test_the_engine_runs_on_every_step(db, world):
    a = make_agreement(db, world, complete=False)
    assert a.verdict == "procurement_required"  # no value yet, no cooperation facts
    assert "contract.value.base_nok" in a.assessment["assessment"]["missing_facts"]
    for step in ("subject", "period", "value", "cooperation"):
        services.save_step(db, a.id, step, STEP_DATA[step], expected_version=a.version, actor=drafter(world), now=clock.now())
    assert a.verdict == "exempt", a.assessment["assessment"]["reasons"]
    assert {v.verdict for v in queries.versions(db, a.id)} >= {"procurement_required", "exempt"}
    facts = a.assessment["facts"]  # EXC-HOR-01: buyer and supplier are parties of the cooperation, by entity_id
    members = {p["entity_id"] for p in facts["cooperation"]["parties"]}
    assert {facts["buyer"]["entity_id"], facts["supplier"]["entity_id"]} <= members


def test_options_extend_within_the_maximum_and_only_the_latest_is_undone(db, world):
    a = make_agreement(db, world, state=S.active, option_scheme="1+1+1", end_date="2027-07-31", max_duration_months="36")
    first = lifecycle.exercise_option(db, a.id, actor=drafter(world), now=clock.now())
    assert a.end_date == dt.date(2028, 7, 31)
    second = lifecycle.exercise_option(db, a.id, actor=drafter(world), now=clock.now())
    assert a.end_date == dt.date(2029, 7, 31)
    with pytest.raises(Conflict):
        lifecycle.exercise_option(db, a.id, actor=drafter(world), now=clock.now())  # plan used up
    with pytest.raises(Conflict):
        lifecycle.undo_option(db, a.id, first.id, actor=drafter(world), now=clock.now())
    lifecycle.undo_option(db, a.id, second.id, actor=drafter(world), now=clock.now())
    assert a.end_date == dt.date(2028, 7, 31)
    lifecycle.undo_option(db, a.id, first.id, actor=drafter(world), now=clock.now())
    assert a.end_date == dt.date(2027, 7, 31)


def test_an_option_beyond_the_maximum_duration_is_refused(db, world):
    a = make_agreement(db, world, state=S.active)
    a.max_duration_months = 30  # tightened after signing (e.g. data from an older agreement)
    db.flush()
    with pytest.raises(Conflict):
        lifecycle.exercise_option(db, a.id, actor=drafter(world), now=clock.now())


def test_covering_agreement_and_the_purchase_links_to_it(db, world):
    on = dt.date(2026, 9, 1)
    kw = dict(buyer=world.nav_office, side=Side.state, provider=world.adult_education, on=on)
    assert queries.covering_agreement(db, **kw) is None
    a = make_agreement(db, world, state=S.approved)
    assert queries.covering_agreement(db, **kw) is None  # not signed yet
    from .helpers import move
    move(db, world, a, S.signed)
    assert queries.covering_agreement(db, **kw) == a
    assert queries.covering_agreement(db, **{**kw, "on": dt.date(2026, 7, 31)}) is None
    assert queries.covering_agreement(db, **{**kw, "on": dt.date(2028, 7, 31)}) == a
    # the other way round the Nav office (the State) supplies: partners both buy and supply
    assert queries.covering_agreement(db, **{**kw, "buyer": world.adult_education, "side": None, "provider": world.nav_office}) == a
    later = make_agreement(db, world, state=S.signed, end_date="2028-12-31", max_duration_months="48")
    assert queries.covering_agreement(db, **kw) == later
    lifecycle.terminate(db, later.id, reason="Erstattet av ny avtale.", on=on, actor=drafter(world), now=clock.now())
    assert queries.covering_agreement(db, **kw) == a


def test_a_purchase_records_the_agreement_covering_agreement_id_finds(db, world):
    """A confirmation records the agreement covering_agreement_id finds, before and after one is signed."""
    from .helpers import move

    course = make_course(db, world.adult_education, start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 12, 18), total_seats=50)
    db.commit()
    kw = dict(buyer=world.nav_office, side=Side.state, provider=world.adult_education)
    days = [dt.date(2026, 1, 5), dt.date(2026, 7, 31), dt.date(2026, 8, 3), dt.date(2026, 12, 14)]

    def recorded() -> list:
        found = []
        for on in days:
            savepoint = db.begin_nested()
            purchase = buy(db, course, world.budget, world.users["advisor"], start=on, end=on + dt.timedelta(days=4), refs=[f"AGR-{on}"])
            found.append(purchase.agreement_id)
            savepoint.rollback()
        assert found == [queries.covering_agreement_id(db, on=on, **kw) for on in days]
        return found

    assert recorded() == [None] * 4
    a = make_agreement(db, world, state=S.approved)
    assert recorded() == [None] * 4  # not signed yet
    move(db, world, a, S.signed)
    assert recorded() == [None, None, a.id, a.id]  # from its start date
    later = make_agreement(db, world, state=S.signed, end_date="2028-12-31", max_duration_months="48")
    assert recorded() == [None, None, later.id, later.id]  # the one ending last
    lifecycle.terminate(db, later.id, reason="Erstattet av ny avtale.", on=dt.date(2026, 9, 1), actor=drafter(world), now=clock.now())
    assert recorded() == [None, None, a.id, a.id]


def test_an_internal_order_is_not_linked_to_an_agreement_of_its_legal_person(db, world):
    """A unit buying from another unit of the same legal person makes an internal order: it must not be linked
    to (and counted against) an agreement that legal person has with someone else, and its preview does not
    warn that no agreement covers it."""
    from contracts_app.purchases import services as purchase_services

    from ..factories import make_budget, make_unit
    from .helpers import move

    a = make_agreement(db, world, state=S.approved, start_date="2026-01-01", end_date="2027-12-31")
    move(db, world, a, S.signed)  # the State and the municipality: active from 1 January
    refugee_service = make_unit(db, world.municipality, name="Testvik flyktningtjeneste", kind="refugee_service")
    budget = make_budget(db, refugee_service, line="Introduksjonsprogram", side="municipal")
    db.commit()
    assert queries.covering_agreement(db, buyer=refugee_service, side=None, provider=world.adult_education,
                                       on=dt.date(2026, 3, 2)) is None
    data = purchase_services.PurchaseInput(
        course_id=world.course.id, buyer_unit_id=refugee_service.id, budget_id=budget.id, side=None, seats=1,
        start_date=world.course.start_date, end_date=world.course.end_date, participants=[purchase_services.ParticipantInput("INT-1")])
    preview = purchase_services.preview(db, data, today=clock.today())
    assert preview.errors == [] and preview.agreement is None and preview.agreement_warning is None
    internal = buy(db, world.course, budget, world.users["advisor"], refs=["INT-2"])
    assert internal.agreement_id is None
    between_persons = buy(db, world.course, world.budget, world.users["advisor"], refs=["EXT-1"])
    assert between_persons.agreement_id == a.id  # the Nav office (the State) buys from the municipality
    assert queries.value_used(db, a).purchases == 1


def test_a_confirmed_purchase_is_linked_and_counts_against_the_value(db, world):
    a = make_agreement(db, world, state=S.approved, start_date="2026-01-01", end_date="2027-12-31")
    from .helpers import move
    move(db, world, a, S.signed)
    assert a.status == S.active
    purchase = buy(db, world.course, world.budget, world.users["advisor"], seats=2)
    assert purchase.agreement_id == a.id
    use = queries.value_used(db, a)
    assert use.used == purchase.amount and use.purchases == 1 and use.level is None
    a.estimated_value, a.options_value = purchase.amount * Decimal("0.8") / Decimal("1.25"), purchase.amount * Decimal("0.2") / Decimal("1.25")
    db.flush()
    assert queries.value_used(db, a).level == "exceeded"
    a.estimated_value, a.options_value = purchase.amount, Decimal("0.01")
    assert queries.value_used(db, a).level == "warning"


def test_a_call_off_is_made_under_a_framework_or_purchase_agreement_in_force(db, world):
    frame = make_agreement(db, world, kind="procurement", state=S.signed)
    draft_frame = make_agreement(db, world, kind="procurement")
    order = make_agreement(db, world, kind="call_off", complete=False)
    subject = {**STEP_DATA["subject"], "title": "Avrop: to plasser"}
    for parent, ok in [(None, False), ("abc", False), (draft_frame.id, False), (order.id, False), (frame.id, True)]:
        data = {**subject, "parent_id": "" if parent is None else str(parent)}
        if ok:
            services.save_step(db, order.id, "subject", data, expected_version=order.version, actor=drafter(world), now=clock.now())
        else:
            with pytest.raises(ValidationFailed) as exc:
                services.save_step(db, order.id, "subject", data, expected_version=order.version, actor=drafter(world), now=clock.now())
            assert [e["path"] for e in exc.value.errors] == ["parent_id"], parent
            db.rollback()
    db.commit()
    db.refresh(order)
    assert order.parent_id == frame.id
    assert "parent_id" not in [e["path"] for e in parsing.completeness_errors(order)]
    # other kinds never keep a parent
    services.save_step(db, draft_frame.id, "subject", {**STEP_DATA["subject"], "parent_id": str(frame.id)},
                       expected_version=draft_frame.version, actor=drafter(world), now=clock.now())
    db.commit()
    db.refresh(draft_frame)
    assert draft_frame.parent_id is None
