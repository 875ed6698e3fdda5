"""Seat purchases: price, seats and money reserved together, budget stops, override, cancel, actual cost."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contracts_app.audit import Actor, AuditEvent
from contracts_app.budget import services as budget_services
from contracts_app.budget.models import Budget, BudgetEntry
from contracts_app.courses.models import Course
from contracts_app.errors import Conflict, PermissionDenied, ValidationFailed
from contracts_app.purchases import services
from contracts_app.purchases.models import PurchaseStatus, SeatPurchase

from .conftest import login
from .factories import buy, make_budget, make_course, make_unit, make_user


def _counts(db, world):
    course = db.get(Course, world.course.id)
    budget = db.get(Budget, world.budget.id)
    db.refresh(course)
    db.refresh(budget)
    return course.seats_confirmed, budget.committed, db.scalar(select(func.count()).select_from(SeatPurchase))


def test_world_purchase_reserved_seat_and_money_together(db, world):
    course, budget, purchase = world.course, world.budget, world.purchase
    db.refresh(course), db.refresh(budget)
    # 2 March – 19 June 2026: 80 weekdays less 2, 3, 6 April, 1, 14 and 25 May = 74 days × 1.6 h × 60 kr.
    assert purchase.amount == Decimal("7104.00")  # 74 teaching days × 1,6 t × 60 kr
    assert course.seats_confirmed == 1 and course.seats_free == 9
    assert budget.committed == purchase.amount and budget.remaining == Decimal("500000") - purchase.amount
    assert purchase.assessment["assessment"]["verdict"] == "below_scope"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "purchase.confirmed")).after["seats"] == 1


def test_price_breakdown_is_stored_and_human_readable(world):
    assert any("60,00" in line and "=" in line for line in world.purchase.breakdown)


def test_advisor_buys_through_preview_and_confirm_and_sees_budget_go_down(client, db, world):
    login(client, "advisor@test.no")
    data = {"seats": "1", "start_date": "2026-03-02", "end_date": "2026-06-19", "budget_id": str(world.budget.id),
            "participants-0-reference": "NAV-TV-7"}
    preview = client.post(f"/courses/{world.course.id}/buy", data={**data, "action": "preview"})
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "7\xa0104,00" in text and 'value="confirm"' in text
    before = db.get(Budget, world.budget.id).remaining
    confirm = client.post(f"/courses/{world.course.id}/buy", data={**data, "action": "confirm"})
    assert confirm.status_code == 302
    db.expire_all()
    assert db.get(Budget, world.budget.id).remaining == before - Decimal("7104.00")


@pytest.mark.parametrize(
    "change,field",
    [
        ({"seats": "0"}, "seats"),
        ({"seats": "-1"}, "seats"),
        ({"seats": "tre"}, "seats"),
        ({"end_date": "2026-03-01"}, "end_date"),
        ({"start_date": "2026-01-05"}, "start_date"),
        ({"end_date": "2027-01-10"}, "end_date"),
        ({"participants-0-reference": "12345678901"}, "participants-0-reference"),
        ({"participants-0-reference": "Ola Nordmann"}, "participants-0-reference"),
        ({"participants-0-reference": ""}, "participants"),
        ({"budget_id": "999999"}, "budget_id"),
        ({"participants-0-consent": "y"}, "participants-0-consent_date"),
    ],
    ids=["zero", "negative", "text", "end-before-start", "before-course", "over-year-end", "fnr", "name-with-space",
         "no-reference", "unknown-budget", "consent-without-date"],
)
def test_bad_purchase_input_gives_field_errors_and_writes_nothing(client, db, world, change, field):
    login(client, "advisor@test.no")
    data = {"seats": "1", "start_date": "2026-03-02", "end_date": "2026-06-19", "budget_id": str(world.budget.id),
            "participants-0-reference": "NAV-TV-8", **change}
    before = _counts(db, world)
    response = client.post(f"/courses/{world.course.id}/buy", data={**data, "action": "confirm"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="error-summary"' in text
    if field != "participants":
        assert f'id="{field}-error"' in text
    assert _counts(db, world) == before


def test_a_confirmation_writes_every_row_it_should(db, world):
    """Purchase, participants, seat count, commitment, ledger entry and audit event, column by column."""
    from contracts_app import clock
    from contracts_app.purchases.models import Participant

    seats, committed, _ = _counts(db, world)
    data = services.PurchaseInput(
        course_id=world.course.id, buyer_unit_id=world.budget.unit_id, budget_id=world.budget.id, side=None, seats=2,
        start_date=world.course.start_date, end_date=world.course.end_date,
        participants=[services.ParticipantInput("ROW-1", "A2", True, dt.date(2026, 1, 9)), services.ParticipantInput("ROW-2")],
    )
    advisor = world.users["advisor"]
    purchase = services.confirm(db, data, actor=Actor(advisor.id, world.budget.unit_id), now=clock.now(), today=clock.today())
    db.expire_all()
    stored = db.get(SeatPurchase, purchase.id)
    assert (stored.seats, stored.status, stored.amount, stored.side.value) == (2, PurchaseStatus.confirmed, purchase.amount, "state")
    assert stored.supplier_entity_id == world.adult_education.legal_entity_id and stored.course_kind == world.course.kind
    assert stored.breakdown == purchase.breakdown and stored.assessment["assessment"]["verdict"]
    people = db.scalars(select(Participant).where(Participant.purchase_id == purchase.id).order_by(Participant.id)).all()
    assert [(p.reference, p.cefr_level, p.consent, p.consent_date, p.anonymised_at) for p in people] == [
        ("ROW-1", "A2", True, dt.date(2026, 1, 9), None), ("ROW-2", None, False, None, None)]
    entry = db.scalars(select(BudgetEntry).where(BudgetEntry.purchase_id == purchase.id)).one()
    assert (entry.budget_id, entry.kind.value, entry.amount, entry.at) == (world.budget.id, "commit", purchase.amount, stored.created_at)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "purchase.confirmed", AuditEvent.object_id == str(purchase.id))).one()
    assert (event.object_type, event.actor_id, event.unit_id, event.before, event.at) == (
        "seat_purchase", advisor.id, world.budget.unit_id, None, stored.created_at)
    assert event.after == {"course_id": world.course.id, "buyer_unit_id": world.budget.unit_id, "side": "state",
                           "budget_id": world.budget.id, "seats": 2, "start_date": world.course.start_date.isoformat(),
                           "end_date": world.course.end_date.isoformat(), "amount": str(purchase.amount), "status": "confirmed"}
    assert _counts(db, world)[:2] == (seats + 2, committed + purchase.amount)


# Statement budgets per request: the measured count plus a small margin, so that a query per participant, per
# rate, per budget line or per stop (an N+1) fails these tests. Measured: a confirm request 11 (the user 1, the
# two locks 2, the assessment 1, the covering agreement 1, the writes 6), the purchase page 4, the buy page 4.
CONFIRM_REQUEST_BUDGET = 13
PURCHASE_PAGE_BUDGET = 5
BUY_PAGE_BUDGET = 5


def _confirm_form(world, seats: int, prefix: str) -> dict:
    data = {"seats": str(seats), "start_date": "2026-03-02", "end_date": "2026-06-19", "budget_id": str(world.budget.id),
            "action": "confirm"}
    data.update({f"participants-{i}-reference": f"{prefix}-{i}" for i in range(seats)})
    return data


@pytest.mark.parametrize("seats", [1, 5])
def test_a_purchase_confirm_runs_at_most_a_fixed_number_of_statements(client, db, world, count_statements, seats):
    """The whole confirm request (user, locks, checks, assessment, writes) stays within its statement budget
    whatever the number of seats. SQLite cannot return the ids of a multi-row INSERT in order, so there the ORM
    inserts the participants one statement each (in process, without a round trip)."""
    login(client, "advisor@test.no")
    db.commit()
    db.expunge_all()  # the request reads what it needs, as a real one does (the tests share one session)
    with count_statements() as seen:
        response = client.post(f"/courses/{world.course.id}/buy", data=_confirm_form(world, seats, f"BUDGET{seats}"))
    assert response.status_code == 302
    per_participant = seats - 1 if db.get_bind().dialect.name == "sqlite" else 0
    assert len(seen) <= CONFIRM_REQUEST_BUDGET + per_participant, "\n".join(seen)
    db.expire_all()
    assert db.get(Course, world.course.id).seats_confirmed == 1 + seats


def test_an_assessment_sees_a_change_to_the_threshold_table_made_just_before(db, world, clock):
    """A change to the threshold table made just before is seen by the next purchase (its stored assessment
    names the new table), and the earlier purchases still count."""
    from contracts_app.audit import SYSTEM
    from contracts_app.rulecheck import services as rulecheck
    from contracts_app.rulecheck.models import ThresholdPeriod

    rulecheck.load_shipped(db, actor=SYSTEM, now=clock.now())
    db.commit()
    first = buy(db, world.course, world.budget, world.users["advisor"], refs=["TAB-1"])
    assert first.assessment["assessment"]["ruleset"]["table_id"] == rulecheck.current_table(db).id
    pending = db.scalar(select(ThresholdPeriod).where(ThresholdPeriod.status == "pending", ThresholdPeriod.key == "eea_special_health_social"))
    rulecheck.activate(db, pending.id, effective_from=dt.date(2026, 7, 1), value_nok="8000000", actor=SYSTEM, now=clock.now())
    db.commit()
    second = buy(db, world.course, world.budget, world.users["advisor"], refs=["TAB-2"])
    assert second.assessment["assessment"]["ruleset"]["table_id"] == rulecheck.current_table(db).id
    assert second.assessment["assessment"]["ruleset"]["table_id"] != first.assessment["assessment"]["ruleset"]["table_id"]
    # The earlier purchases still count (the world's purchase and the first one here: same supplier and need).
    assert sum(p["count"] for p in second.assessment["facts"]["related_purchases"]) == 2


def test_purchase_facts_count_earlier_purchases_with_or_without_the_table_version(db, world):
    """purchase_facts also serves callers that do not want the threshold table's version."""
    from contracts_app.organisations.models import Side
    from contracts_app.purchases import facts as facts_module

    args = dict(buyer_unit=world.nav_office, side=Side.state, course=world.course, amount=Decimal("1000.00"),
                start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 19))
    version: list = []
    with_version = facts_module.purchase_facts(db, **args, table_version=version)
    without = facts_module.purchase_facts(db, **args)
    assert with_version == without and len(version) == 14  # rulecheck.services.TABLE_VERSION's columns
    assert without["related_purchases"] == [{"value_nok": "7104.00", "date": "2026-03-02", "same_need": True, "count": 1}]


def test_purchase_facts_sum_earlier_purchases_per_month_inside_the_window(db, world):
    """One related purchase per month: the month's sum, its latest date and how many purchases it holds; only
    months inside the twelve-month window up to the new purchase's start count (both databases group by
    their own month expression)."""
    from contracts_app.organisations.models import Side
    from contracts_app.purchases import facts as facts_module

    for start, end in [("2026-03-09", "2026-03-13"), ("2026-03-16", "2026-03-20"), ("2026-04-13", "2026-04-17")]:
        buy(db, world.course, world.budget, world.users["advisor"], start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end))
    facts = facts_module.purchase_facts(db, buyer_unit=world.nav_office, side=Side.state, course=world.course,
                                        amount=Decimal("1000.00"), start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 19))
    months = [(p["date"], p["count"]) for p in facts["related_purchases"]]
    # The world's purchase (2 March, 7 104 kr) and two in March; one in April.
    assert months == [("2026-03-16", 3), ("2026-04-13", 1)]
    week = Decimal("480.00")  # 5 days × 1,6 t × 60 kr
    assert [Decimal(p["value_nok"]) for p in facts["related_purchases"]] == [Decimal("7104.00") + 2 * week, week]
    later = facts_module.purchase_facts(db, buyer_unit=world.nav_office, side=Side.state, course=world.course,
                                        amount=Decimal("1000.00"), start=dt.date(2027, 4, 1), end=dt.date(2027, 4, 19))
    assert [(p["date"], p["count"]) for p in later["related_purchases"]] == [("2026-04-13", 1)]  # March 2026 is outside


def test_the_purchase_page_runs_at_most_a_fixed_number_of_statements(client, db, world, count_statements):
    """The page a browser loads after every purchase shows the purchase, its course, provider and budget line
    within its statement budget."""
    login(client, "advisor@test.no")
    db.commit()
    db.expunge_all()
    with count_statements() as seen:
        response = client.get(f"/purchases/{world.purchase.id}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert world.course.title in text and world.budget.line in text and world.adult_education.name in text
    assert len(seen) <= PURCHASE_PAGE_BUDGET, "\n".join(seen)


def test_the_buy_page_runs_at_most_a_fixed_number_of_statements(client, db, world, count_statements):
    """The purchase form (course, rates, the unit's budget lines) within its statement budget, whatever the
    number of budget lines."""
    for i in range(3):
        make_budget(db, world.nav_office, line=f"Linje {i}", amount="1000")
    login(client, "advisor@test.no")
    db.commit()
    db.expunge_all()
    with count_statements() as seen:
        response = client.get(f"/courses/{world.course.id}/buy")
    assert response.status_code == 200 and "Linje 2" in response.get_data(as_text=True)
    assert len(seen) <= BUY_PAGE_BUDGET, "\n".join(seen)


def test_confirming_with_another_units_budget_line_is_refused_and_writes_nothing(client, db, world):
    """The confirmation does not read the unit's budget lines for the form; the service's check under the
    lock is what refuses another unit's line."""
    other_unit = make_unit(db, world.state, name="Nav Annenby", kind="nav_office", municipal_entity_id=world.municipality.id)
    theirs = make_budget(db, other_unit, line="Deres linje", amount="100000")
    db.commit()
    login(client, "advisor@test.no")
    before = _counts(db, world)
    response = client.post(f"/courses/{world.course.id}/buy", data={
        "seats": "1", "start_date": "2026-03-02", "end_date": "2026-06-19", "budget_id": str(theirs.id),
        "participants-0-reference": "NAV-TV-9", "action": "confirm"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="budget_id-error"' in text and "Deres linje" not in text
    assert _counts(db, world) == before
    db.refresh(theirs)
    assert theirs.committed == 0


def test_a_rolled_back_savepoint_leaves_the_session_as_the_database_is(db, world):
    """When a savepoint around a confirmation is rolled back, the course, the budget and the purchase must not
    keep saying otherwise."""
    seats, committed, n = _counts(db, world)
    savepoint = db.begin_nested()
    purchase = buy(db, world.course, world.budget, world.users["advisor"], refs=["SP-1"])
    purchase_id = purchase.id
    assert (world.course.seats_confirmed, world.budget.committed) == (seats + 1, committed + purchase.amount)
    savepoint.rollback()
    assert db.get(Course, world.course.id).seats_confirmed == seats
    assert db.get(Budget, world.budget.id).committed == committed
    assert db.get(SeatPurchase, purchase_id) is None
    assert _counts(db, world) == (seats, committed, n)


def test_after_a_rolled_back_savepoint_the_next_purchase_in_the_transaction_works(db, world):
    """SQLite gives a rolled-back row's id again: the next purchase in the same transaction still works."""
    import gc

    savepoint = db.begin_nested()
    first = buy(db, world.course, world.budget, world.users["advisor"], refs=["SP-1"])
    savepoint.rollback()
    assert first not in db
    del first
    gc.collect()
    second = buy(db, world.course, world.budget, world.users["advisor"], refs=["SP-2"])
    assert db.get(SeatPurchase, second.id) is second and [p.reference for p in second.participants] == ["SP-2"]


def test_the_supplier_is_read_under_the_lock_even_when_the_session_knew_another(db, world, monkeypatch):
    """The supplier recorded on the purchase, and the one its assessment is about, are read under the lock: when
    another transaction moved the provider unit to another legal person after this session loaded it, the
    session's provider unit and its legal person are updated from the locked read.
    """
    from sqlalchemy import update

    from contracts_app.organisations.models import LegalEntity, Unit

    from .factories import make_entity

    other = make_entity(db, name="Ny eier", legal_type=world.municipality.legal_type)
    db.commit()
    lock = services._lock

    def lock_after_a_concurrent_change(session, course_id, budget_id):
        table = Unit.__table__
        session.connection().execute(update(table).where(table.c.id == world.adult_education.id).values(legal_entity_id=other.id))
        return lock(session, course_id, budget_id)

    monkeypatch.setattr(services, "_lock", lock_after_a_concurrent_change)
    purchase = buy(db, world.course, world.budget, world.users["advisor"], refs=["MOVED-1"])
    assert purchase.supplier_entity_id == other.id
    assert purchase.assessment["facts"]["supplier"]["entity_id"] == db.get(LegalEntity, other.id).org_number


def test_more_seats_than_free_is_refused(db, world):
    with pytest.raises(Conflict, match="9"):
        buy(db, world.course, world.budget, world.users["advisor"], seats=10)
    db.rollback()


def test_hard_stop_refuses_a_purchase_beyond_the_remaining_amount(db, world):
    small = make_budget(db, world.nav_office, line="Liten linje", amount="5000")
    with pytest.raises(services.BudgetRefused, match="hard"):
        buy(db, world.course, small, world.users["advisor"])


def test_warn_only_budget_allows_overdraft_with_a_warning(db, world):
    small = make_budget(db, world.nav_office, line="Varsel", amount="5000", stop_mode="warn")
    check = budget_services.check(small, Decimal("7104.00"), on=dt.date(2026, 3, 2))
    assert check.allowed and ("overskredet" in check.warning or "overdrawn" in check.warning)
    purchase = buy(db, world.course, small, world.users["advisor"])
    assert purchase.status == PurchaseStatus.confirmed and small.remaining < 0


def test_warning_level_warns_in_preview(db, world):
    budget = make_budget(db, world.nav_office, line="Nesten brukt", amount="8000")
    check = budget_services.check(budget, Decimal("7104.00"), on=dt.date(2026, 3, 2))
    assert check.allowed and check.warning and "85" in check.warning


def test_declared_stop_refuses_with_who_and_why_and_override_needs_a_second_budget_owner(db, world, clock):
    owner = world.users["budget_owner"]
    budget_services.declare_stop(db, world.budget, reason="Tiltaksstopp fra direktoratet", starts_on=dt.date(2026, 3, 1),
                                 ends_on=None, actor=Actor(owner.id, world.nav_office.id), now=clock.now())
    db.commit()
    with pytest.raises(services.BudgetRefused) as info:
        buy(db, world.course, world.budget, world.users["advisor"])
    assert info.value.stopped and "Tiltaksstopp fra direktoratet" in info.value.message and owner.name in info.value.message
    db.rollback()
    # the advisor asks for an override with a reason: nothing is reserved yet
    pending = buy(db, world.course, world.budget, world.users["advisor"], override_reason="Deltakeren får jobb med kurset")
    assert pending.status == PurchaseStatus.awaiting_override
    db.commit()
    db.refresh(world.course)
    assert world.course.seats_confirmed == 1
    # the person who asked cannot decide; a budget owner at the unit can
    with pytest.raises(PermissionDenied):
        services.decide_override(db, pending.id, approve=True, note="", actor=Actor(world.users["advisor"].id, world.nav_office.id),
                                 now=clock.now(), today=clock.today())
    db.rollback()
    decided = services.decide_override(db, pending.id, approve=True, note="Viktig for jobb", actor=Actor(owner.id, world.nav_office.id),
                                       now=clock.now(), today=clock.today())
    assert decided.status == PurchaseStatus.confirmed
    db.refresh(world.course)
    assert world.course.seats_confirmed == 2
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "purchase.override_approved")).actor_id == owner.id


def test_lifting_a_stop_is_audited_and_purchases_work_again(db, world, clock):
    actor = Actor(world.users["budget_owner"].id, world.nav_office.id)
    stop = budget_services.declare_stop(db, world.budget, reason="Midlertidig stopp", starts_on=dt.date(2026, 3, 1),
                                        ends_on=None, actor=actor, now=clock.now())
    budget_services.lift_stop(db, stop, reason="Nye midler tildelt", actor=actor, now=clock.now())
    assert buy(db, world.course, world.budget, world.users["advisor"]).status == PurchaseStatus.confirmed
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "budget.stop_lifted")) == 1


def test_cancel_releases_seats_and_money(db, world, clock):
    services.cancel(db, world.purchase.id, reason="Deltakeren fikk jobb", actor=Actor(world.users["advisor"].id, world.nav_office.id), now=clock.now())
    db.refresh(world.course), db.refresh(world.budget)
    assert world.course.seats_confirmed == 0 and world.budget.committed == 0
    kinds = [e.kind.value for e in db.scalars(select(BudgetEntry).where(BudgetEntry.purchase_id == world.purchase.id))]
    assert kinds == ["commit", "release"]
    with pytest.raises(Conflict):
        services.cancel(db, world.purchase.id, reason="igjen", actor=Actor(world.users["advisor"].id, world.nav_office.id), now=clock.now())


def test_actual_cost_moves_the_commitment_to_spent(db, world, clock):
    actor = Actor(world.users["budget_owner"].id, world.nav_office.id)
    services.register_actual_cost(db, world.purchase.id, amount="7000,00", actor=actor, now=clock.now())
    db.refresh(world.budget)
    assert world.budget.committed == 0 and world.budget.spent == Decimal("7000.00")
    assert db.get(SeatPurchase, world.purchase.id).status == PurchaseStatus.completed


@pytest.mark.parametrize("amount", ["-1", "abc", "1e20", "12,345", "1000000000000"])
def test_bad_actual_cost_is_refused(db, world, clock, amount):
    with pytest.raises(ValidationFailed):
        services.register_actual_cost(db, world.purchase.id, amount=amount, actor=Actor(world.users["budget_owner"].id, world.nav_office.id), now=clock.now())


def test_split_purchase_warning_when_seats_add_up(db, world):
    """Many single seats from the same provider for the same need add up (VAL-06)."""
    expensive = make_course(db, world.adult_education, title="Intensivkurs", price_unit="per_seat",
                            rates=[__import__("contracts_app.courses.pricing", fromlist=["Rate"]).Rate(dt.date(2026, 1, 1), Decimal("40000"))])
    big = make_budget(db, world.nav_office, line="Stor", amount="1000000")
    assessments = [buy(db, expensive, big, world.users["advisor"], refs=[f"A-{i}"]).assessment["assessment"] for i in range(3)]
    assert assessments[0]["verdict"] == "below_scope"
    assert assessments[2]["verdict"] == "procurement_required"
    assert "VAL-06" in {w["rule_id"] for w in assessments[2]["warnings"]}


def test_purchases_are_visible_only_to_buyer_and_provider(client, db, world):
    login(client, "legal@test.no")
    assert client.get(f"/purchases/{world.purchase.id}").status_code == 403
    other_unit_user = make_user(db, "other@test.no")
    from contracts_app.auth import services as auth_services
    from contracts_app.auth.models import Role
    from contracts_app.audit import SYSTEM
    from .factories import make_unit

    elsewhere = make_unit(db, world.municipality, name="Annen enhet")
    auth_services.add_membership(db, other_unit_user, role=Role.advisor, unit=elsewhere, actor=SYSTEM, now=dt.datetime.now(dt.timezone.utc))
    db.commit()
    other = client.application.test_client()
    login(other, "other@test.no")
    assert other.get(f"/purchases/{world.purchase.id}").status_code == 404
    provider = client.application.test_client()
    login(provider, "coordinator@test.no")
    page = provider.get(f"/purchases/{world.purchase.id}").get_data(as_text=True)
    assert "REF-0" not in page  # participant references are for the buyer only


def test_budget_page_shows_forecast_and_chart(client, db, world):
    login(client, "budget@test.no")
    page = client.get(f"/budgets/{world.budget.id}").get_data(as_text=True)
    assert "<svg" in page and "7\xa0104,00" in page


def test_course_seats_cannot_be_set_below_what_is_sold(db, world, clock):
    from contracts_app.courses import services as course_services
    from contracts_app.courses.pricing import Rate

    data = {k: getattr(world.course, k) for k in course_services.COURSE_FIELDS}
    data.update(kind=world.course.kind.value, format=world.course.format.value, price_unit=world.course.price_unit.value,
                teaching_weekdays=list(world.course.weekdays), total_seats=0,
                rates=[Rate(r.valid_from, r.amount) for r in world.course.rates])
    with pytest.raises(ValidationFailed) as info:
        course_services.update_course(db, world.course.id, data, actor=Actor(None), now=clock.now())
    assert "total_seats" in {e["path"] for e in info.value.errors}


@pytest.mark.parametrize(
    "rate,field_id",
    [("0", "rates-0-amount-error"), ("-5", "rates-0-amount-error"), ("", "rates-error")],
    ids=["zero-rate", "negative-rate", "no-rate"],
)
def test_course_rate_errors_show_on_the_rate_row_and_nothing_is_stored(client, db, world, rate, field_id):
    login(client, "coordinator@test.no")
    before = db.scalar(select(func.count()).select_from(Course))
    response = client.post("/courses/new", data={
        "title": "Nytt kurs", "kind": "norwegian_training", "format": "in_person", "start_date": "2026-08-17",
        "end_date": "2026-12-18", "hours_per_week": "8", "teaching_weekdays": ["0", "1", "2"], "total_seats": "12",
        "price_unit": "per_hour", "rates-0-valid_from": "2026-08-01", "rates-0-amount": rate,
    })
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="error-summary"' in text and (f'id="{field_id}"' in text)
    assert 'value="Nytt kurs"' in text
    assert db.scalar(select(func.count()).select_from(Course)) == before
