"""Statement budgets of the pages of issue 22 (national scale): the budget detail, the audit log, the course
catalogue's text search and the agreements list each run the same number of SQL statements with one row as with
many, so no page's statement count grows with the data (an N+1 fails here). The benchmark on national data is
scripts/bench_pages.py."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import inspect

from contracts_app import audit, clock
from contracts_app.agreements.models import Agreement, AgreementKind, AgreementParty
from contracts_app.agreements.states import AgreementStatus
from contracts_app.budget import services as budget_services
from contracts_app.budget.models import Budget
from contracts_app.purchases.models import SeatPurchase

from .factories import make_course
from .support import login

#: The most statements each page may run (user and session, the page's reads), whatever the number of rows.
BUDGETS = {"budget": 12, "audit": 10, "catalogue": 8, "agreements": 10}
BUDGETS["wizard"] = 6  # the new-agreement page: the units are searched as people type, never all sent


def clone_purchases(db, purchase: SeatPurchase, n: int) -> None:
    """``n`` more confirmed purchases like ``purchase`` on the same line: the rows, and their money committed on the
    line as the purchase service does (budget_services.commit: the line's totals, entries and months)."""
    budget = db.get(Budget, purchase.budget_id)
    columns = [c.key for c in inspect(SeatPurchase).column_attrs if c.key != "id"]
    for i in range(n):
        values = {k: getattr(purchase, k) for k in columns}
        values.update(amount=Decimal("1000.00") + i, start_date=dt.date(2026, 1 + i % 12, 1),
                      end_date=dt.date(2026, 1 + i % 12, 28), created_at=purchase.created_at + dt.timedelta(minutes=i + 1))
        copy = SeatPurchase(**values)
        db.add(copy)
        db.flush()
        budget_services.commit(db, budget, copy, now=copy.created_at)
    db.commit()


def add_events(db, n: int) -> None:
    for i in range(n):
        audit.record(db, audit.SYSTEM, "unit.updated", None, at=clock.now() - dt.timedelta(minutes=i),
                     object_type="unit", object_id=i, before={"name": f"Før {i}"}, after={"name": f"Etter {i}"})
    db.commit()


def add_courses(db, world, n: int) -> None:
    for i in range(n):
        make_course(db, world.adult_education, title=f"Norsk for voksne {i}")
    db.commit()


def add_agreements(db, world, n: int) -> None:
    unit, user, now = world.adult_education, world.users["provider_coordinator"], clock.now()
    for i in range(n):
        a = Agreement(kind=AgreementKind.cooperation, version=1, cpv_codes=[], option_plan=[], option_scheme="none",
                      created_by_id=user.id, created_at=now, updated_at=now - dt.timedelta(minutes=i),
                      status=AgreementStatus.draft, title=f"Avtale {i:03d}")
        a.parties = [AgreementParty(position=0, role="partner", unit_id=unit.id, legal_entity_id=unit.legal_entity_id,
                                    name=unit.legal_entity.name, org_number=unit.legal_entity.org_number)]
        db.add(a)
    db.commit()


def add_units(db, world, n: int) -> None:
    from contracts_app.organisations.models import Unit, UnitKind

    db.add_all(Unit(name=f"Enhet {i:03d}", kind=UnitKind.adult_education, legal_entity_id=world.municipality.id, is_active=True)
               for i in range(n))
    db.commit()


def _page(world, name: str) -> tuple[str, str, str]:
    """(user, path, a text the page must show)."""
    return {
        "budget": (world.users["budget_owner"].email, f"/budgets/{world.budget.id}", world.course.title),
        "audit": ("admin@test.no", "/admin/audit", "unit"),
        "catalogue": (world.users["advisor"].email, "/courses/?q=norsk", "Norsk for voksne 0"),
        "agreements": (world.users["provider_coordinator"].email, "/agreements", "agreement-count"),
        "wizard": (world.users["provider_coordinator"].email, "/agreements/new", 'name="parties-0-who_key"'),
    }[name]


def _grow(db, world, name: str, n: int) -> None:
    if name == "budget":
        clone_purchases(db, world.purchase, n)
    elif name == "audit":
        add_events(db, n)
    elif name == "catalogue":
        add_courses(db, world, n)
    elif name == "wizard":
        add_units(db, world, n)
    else:
        add_agreements(db, world, n)


def _count(client, db, count_statements, path: str) -> tuple[int, str, list[str]]:
    db.expunge_all()  # the request reads what it needs, as a real one does (the tests share one session)
    with count_statements() as seen:
        response = client.get(path)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True), seen


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_a_page_runs_the_same_statements_with_one_row_as_with_many(client, db, world, count_statements, name):
    user, path, shown = _page(world, name)
    _grow(db, world, name, 1)
    login(client, user)
    db.commit()
    few, html, seen = _count(client, db, count_statements, path)
    assert shown in html
    assert few <= BUDGETS[name], "\n".join(seen)
    _grow(db, world, name, 60)  # more than one page of every list
    many, html, seen = _count(client, db, count_statements, path)
    assert shown in html
    assert many == few, "\n".join(seen)


@pytest.mark.parametrize("query", ["", "?older=", "?status=cancelled", "?course=norsk&page=2"])
def test_the_budget_page_with_filters_and_pages_keeps_its_budget(client, db, world, count_statements, query):
    clone_purchases(db, world.purchase, 70)
    login(client, world.users["budget_owner"].email)
    db.commit()
    n, _html, seen = _count(client, db, count_statements, f"/budgets/{world.budget.id}{query}")
    assert n <= BUDGETS["budget"], "\n".join(seen)


def test_the_audit_log_older_and_newer_pages_keep_their_budget(client, db, world, count_statements):
    from contracts_app.admin.queries import Cursor
    from contracts_app.audit import AuditEvent
    from sqlalchemy import select

    add_events(db, 120)
    login(client, "admin@test.no")
    db.commit()
    middle = db.scalars(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(60).limit(1)).one()
    for query in (f"older={Cursor.of(middle)}", f"newer={Cursor.of(middle)}", "from_date=2026-01-01&to_date=2026-12-31",
                  "object_type=unit&action=unit.", "actor=admin"):
        n, _html, seen = _count(client, db, count_statements, f"/admin/audit?{query}")
        assert n <= BUDGETS["audit"], query + "\n" + "\n".join(seen)


# --- the API's lists (perfcap) -------------------------------------------------------------------------------

#: The most statements an API list may run (user and session, the page, then one statement per relation the
#: rows show: participants, offer, course, units), whatever the number of rows.
API_BUDGETS = {"api_requests": 8, "api_purchases": 7}


def add_requests(db, world, n: int) -> None:
    """``n`` requests by the Nav office, each on an offer of its own (rows copied from one made through the
    services), so loading a row's offer, course or unit per row — an N+1 — shows as more statements."""
    from contracts_app.capacity.models import CapacityOffer, CapacityRequest
    from contracts_app.capacity.requests import request_seats

    from .factories import make_offer, request_input

    req = db.query(CapacityRequest).order_by(CapacityRequest.id).first()
    if req is None:
        offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=1)
        db.commit()
        req = request_seats(db, request_input(offer, world.budget),
                            actor=audit.Actor(world.users["advisor"].id, world.nav_office.id), now=clock.now())
        db.commit()
        n -= 1
    columns = {model: [c.key for c in inspect(model).column_attrs if c.key != "id"] for model in (CapacityOffer, CapacityRequest)}
    for i in range(n):
        offer = CapacityOffer(**{k: getattr(req.offer, k) for k in columns[CapacityOffer]} | {"seats_held": 0, "seats_taken": 0})
        db.add(offer)
        db.flush()
        db.add(CapacityRequest(**{k: getattr(req, k) for k in columns[CapacityRequest]}
                               | {"offer_id": offer.id, "created_at": req.created_at + dt.timedelta(minutes=i + 1)}))
    db.commit()


def _api_list(world, name: str) -> tuple[str, str]:
    return {
        "api_requests": (world.users["provider_coordinator"].email, "/api/v1/capacity/requests?limit=50"),
        "api_purchases": (world.users["advisor"].email, "/api/v1/purchases?limit=50"),
    }[name]


@pytest.mark.parametrize("name", sorted(API_BUDGETS))
def test_an_api_list_runs_the_same_statements_for_two_rows_as_for_twenty(client, db, world, count_statements, name):
    grow = (lambda n: add_requests(db, world, n)) if name == "api_requests" else (lambda n: clone_purchases(db, world.purchase, n))
    user, path = _api_list(world, name)
    grow(2)
    login(client, user)
    db.commit()
    db.expunge_all()
    with count_statements() as seen:
        response = client.get(path)
    assert response.status_code == 200
    few, rows = len(seen), len(response.get_json()["items"])
    assert rows >= 2 and few <= API_BUDGETS[name], "\n".join(seen)
    grow(18)
    db.expunge_all()
    with count_statements() as seen:
        response = client.get(path)
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == rows + 18
    assert len(seen) == few, "\n".join(seen)
