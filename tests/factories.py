"""Factories for tests: realistic records with sensible defaults, created through the services."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from dataclasses import dataclass

from sqlalchemy.orm import Session
from stdnum.no import orgnr

from contracts_app import clock
from contracts_app.audit import SYSTEM
from contracts_app.auth import services as auth_services
from contracts_app.auth.models import Role, User
from contracts_app.organisations import services as org_services
from contracts_app.organisations.models import LegalEntity, Unit

from .support import PASSWORD

_numbers = itertools.count(970000000)


def next_org_number() -> str:
    while True:
        candidate = str(next(_numbers))
        if orgnr.is_valid(candidate):
            return candidate


def make_entity(session: Session, **kw) -> LegalEntity:
    data = {
        "name": kw.pop("name", "Testvik kommune"),
        "org_number": kw.pop("org_number", None) or next_org_number(),
        "legal_type": kw.pop("legal_type", "municipality"),
        "is_contracting_authority": kw.pop("is_contracting_authority", True),
        "is_central_government": kw.pop("is_central_government", False),
        "municipality_number": kw.pop("municipality_number", None),
    }
    data.update(kw)
    return org_services.create_entity(session, data, actor=SYSTEM, now=clock.now())


def make_unit(session: Session, entity: LegalEntity, **kw) -> Unit:
    data = {"name": kw.pop("name", "Testvik voksenopplæring"), "kind": kw.pop("kind", "adult_education")}
    data["legal_entity_id"] = entity.id
    data.update(kw)
    return org_services.create_unit(session, data, actor=SYSTEM, now=clock.now())


def make_user(session: Session, email: str, *, role: Role | None = None, unit: Unit | None = None, **kw) -> User:
    user = auth_services.create_user(
        session, email=email, name=kw.pop("name", email.split("@")[0]), password=PASSWORD, actor=SYSTEM, now=clock.now()
    )
    if role is not None:
        auth_services.add_membership(session, user, role=role, unit=unit, actor=SYSTEM, now=clock.now())
    return user


def make_course(session: Session, unit: Unit, **kw):
    from contracts_app.courses import services as course_services
    from contracts_app.courses.pricing import Rate

    data = {
        "title": "Norskkurs A1–A2", "kind": "norwegian_training", "cefr_min": "A1", "cefr_max": "A2",
        "format": "in_person", "start_date": dt.date(2026, 3, 2), "end_date": dt.date(2026, 6, 19),
        "hours_per_week": Decimal("8"), "teaching_weekdays": [0, 1, 2, 3, 4], "part_time": True, "total_seats": 10,
        "price_unit": "per_hour", "rates": [Rate(dt.date(2026, 1, 1), Decimal("60"))], "is_active": True,
    }
    data.update(kw)
    return course_services.create_course(session, unit, data, actor=SYSTEM, now=clock.now())


def make_budget(session: Session, unit: Unit, **kw):
    from contracts_app.budget import services as budget_services

    data = {"unit_id": unit.id, "year": 2026, "line": "Tiltaksmidler opplæring", "side": "state", "amount": "500000",
            "warning_pct": "85", "stop_mode": "hard"}
    data.update(kw)
    return budget_services.create_budget(session, data, actor=SYSTEM, now=clock.now())


def buy(session: Session, course, budget, user: User, *, seats: int = 1, start=None, end=None, refs=None, override_reason=None):
    from contracts_app.audit import Actor
    from contracts_app.purchases import services as purchase_services

    data = purchase_services.PurchaseInput(
        course_id=course.id, buyer_unit_id=budget.unit_id, budget_id=budget.id, side=None, seats=seats,
        start_date=start or course.start_date, end_date=end or course.end_date,
        participants=[purchase_services.ParticipantInput(r) for r in (refs or [f"REF-{i}" for i in range(seats)])],
        past_start_confirmed=True,  # the factory records purchases as they happened; the warning: tests/purchases/test_past_start.py
    )
    return purchase_services.confirm(session, data, actor=Actor(user.id, budget.unit_id), now=clock.now(),
                                     today=clock.today(), override_reason=override_reason)


@dataclass
class World:
    state: LegalEntity
    municipality: LegalEntity
    nav_office: Unit
    adult_education: Unit
    legal_unit: Unit
    users: dict[str, User]
    course: object = None
    budget: object = None
    purchase: object = None


def make_world(session: Session) -> World:
    state = make_entity(
        session, name="Arbeids- og velferdsetaten", org_number="889640782", legal_type="state",
        is_central_government=True,
    )
    municipality = make_entity(session, name="Testvik kommune", municipality_number="9999")
    nav = make_unit(
        session, state, name="Nav Testvik", kind="nav_office", municipal_entity_id=municipality.id
    )
    vo = make_unit(session, municipality, name="Testvik voksenopplæring")
    legal = make_unit(session, municipality, name="Testvik juridisk", kind="other")
    users = {
        "advisor": make_user(session, "advisor@test.no", role=Role.advisor, unit=nav),
        "provider_coordinator": make_user(session, "coordinator@test.no", role=Role.provider_coordinator, unit=vo),
        "budget_owner": make_user(session, "budget@test.no", role=Role.budget_owner, unit=nav),
        "legal_reviewer": make_user(session, "legal@test.no", role=Role.legal_reviewer, unit=legal),
        "admin": make_user(session, "admin@test.no", role=Role.admin),
    }
    course = make_course(session, vo)
    budget = make_budget(session, nav)
    session.commit()
    purchase = buy(session, course, budget, users["advisor"])
    session.commit()  # releases the test's savepoint; the outer transaction still rolls back
    return World(state, municipality, nav, vo, legal, users, course, budget, purchase)


def make_offer(session: Session, course, user: User, *, seats: int = 3, **kw):
    """A published capacity offer on ``course`` by its provider unit (through the service)."""
    from contracts_app.audit import Actor
    from contracts_app.capacity import offers as capacity_offers

    data = capacity_offers.OfferInput(
        course_id=course.id, seats_offered=seats, period_start=kw.pop("period_start", course.start_date),
        period_end=kw.pop("period_end", course.end_date), request_deadline=kw.pop("request_deadline", dt.date(2026, 4, 30)),
        contact_name="Kari Koordinator", contact_email="kari@testvik.kommune.no",
    )
    for key, value in kw.items():
        setattr(data, key, value)
    return capacity_offers.publish_offer(session, course.provider_unit_id, data,
                                         actor=Actor(user.id, course.provider_unit_id), now=clock.now())


def request_input(offer, budget, *, seats: int = 1, start=None, end=None, refs=None, side=None, message=""):
    from contracts_app.capacity import requests as capacity_requests
    from contracts_app.purchases.services import ParticipantInput

    return capacity_requests.RequestInput(
        offer_id=offer.id, requester_unit_id=budget.unit_id, budget_id=budget.id, side=side, seats=seats,
        start_date=start or dt.date(2026, 3, 9), end_date=end or dt.date(2026, 3, 27),
        participants=[ParticipantInput(r) for r in (refs or [f"KAP-{i}" for i in range(seats)])], message=message,
    )
