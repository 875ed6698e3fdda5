"""Confirming a purchase: seats and money reserved together under the locks, or refused with nothing written."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from contracts_app.audit import Actor, AuditEvent
from contracts_app.budget import services as budget_services
from contracts_app.budget.models import Budget, BudgetEntry
from contracts_app.courses.models import Course
from contracts_app.errors import Conflict
from contracts_app.purchases import services
from contracts_app.purchases.models import PurchaseStatus, SeatPurchase

from ..factories import buy, make_budget


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

def test_a_confirmation_writes_every_row_it_should(db, world, clock, counts):
    """Purchase, participants, seat count, commitment, ledger entry and audit event, column by column."""
    from contracts_app.purchases.models import Participant

    seats, committed, _ = counts()
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
    assert counts()[:2] == (seats + 2, committed + purchase.amount)

def test_a_rolled_back_savepoint_leaves_the_session_as_the_database_is(db, world, counts):
    """When a savepoint around a confirmation is rolled back, the course, the budget and the purchase must not
    keep saying otherwise."""
    seats, committed, n = counts()
    savepoint = db.begin_nested()
    purchase = buy(db, world.course, world.budget, world.users["advisor"], refs=["SP-1"])
    purchase_id = purchase.id
    assert (world.course.seats_confirmed, world.budget.committed) == (seats + 1, committed + purchase.amount)
    savepoint.rollback()
    assert db.get(Course, world.course.id).seats_confirmed == seats
    assert db.get(Budget, world.budget.id).committed == committed
    assert db.get(SeatPurchase, purchase_id) is None
    assert counts() == (seats, committed, n)

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

    from ..factories import make_entity

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
