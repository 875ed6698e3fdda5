"""After confirmation: budget stops and their two-person override, cancelling, registering the actual cost."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contracts_app.audit import Actor, AuditEvent
from contracts_app.budget import services as budget_services
from contracts_app.budget.models import BudgetEntry
from contracts_app.errors import Conflict, PermissionDenied, ValidationFailed
from contracts_app.purchases import services
from contracts_app.purchases.models import PurchaseStatus, SeatPurchase

from ..factories import buy


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
