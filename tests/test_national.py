"""The national data set (contracts_app/national.py, issue 22) at a small scale, on SQLite and PostgreSQL:
the counts asked for, every ledger consistent, audit rows readable, the demo users' pages open on it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from contracts_app import demo, national
from contracts_app.audit import AuditEvent
from contracts_app.budget import queries as budget_queries
from contracts_app.budget.models import Budget
from contracts_app.budget.periods import Commitment, consumption
from contracts_app.capacity.models import CapacityOffer, CapacityRequest
from contracts_app.organisations.models import Unit
from contracts_app.purchases.models import SeatPurchase

from .support import login

SMALL = national.NATIONAL.scaled(0.005)


def test_the_national_set_at_a_small_scale(app, db, clock):
    """One load per database (a load takes seconds), then every check below on it."""
    demo.load(db, now=clock.now())
    assert national.load(db, now=clock.now(), scale=SMALL)
    db.flush()
    check_counts(db)
    for name, sql in LEDGER_ERRORS.items():
        assert db.scalar(text(sql)) == 0, name
    check_months(db)
    check_pages(app, db)
    before = national.summary(db)
    assert national.load(db, now=clock.now(), scale=SMALL) == {}, "loading twice adds nothing"
    assert national.summary(db) == before
    check_audit(db)


@pytest.mark.parametrize("value, expected", [
    ("national", national.NATIONAL),
    ("1", national.NATIONAL.scaled(1)),
    ("0.01", national.NATIONAL.scaled(0.01)),
])
def test_scale_option_values(value, expected):
    assert national.parse_scale(value) == expected


@pytest.mark.parametrize("value", ["0", "-0.5", "1.5", "nasjonal", "", "nan"])
def test_scale_option_refuses_anything_else(value):
    with pytest.raises(ValueError):
        national.parse_scale(value)


def test_the_national_scale_has_the_figures_of_the_issue():
    n = national.NATIONAL
    assert (n.municipalities, n.nav_offices, n.providers, n.courses, n.offers, n.agreements) == (357, 250, 400, 10_000, 50_000, 2_500)
    assert n.purchases >= 100_000 and n.audit_events == 1_000_000
    assert (n.fjordvik_purchases, n.fjordvik_provider_requests) == (4_000, 2_000)


def check_counts(db):
    counts = national.summary(db)
    for name in ("municipalities", "nav_offices", "providers", "courses", "purchases", "offers", "requests", "agreements", "audit_events"):
        assert counts[name] == getattr(SMALL, name), name
    assert SMALL.agreements <= counts["agreement_versions"] <= SMALL.agreements * SMALL.versions_per_agreement
    fjordvik = db.scalar(select(Unit.id).where(Unit.name == "Nav Fjordvik"))
    line = db.scalar(select(Budget.id).where(Budget.unit_id == fjordvik, Budget.line == national.FJORDVIK_LINE))
    assert db.scalar(select(func.count()).where(SeatPurchase.budget_id == line)) >= SMALL.fjordvik_purchases
    provider = db.scalar(select(Unit.id).where(Unit.name == "Fjordvik voksenopplæring"))
    on_provider = select(func.count()).select_from(CapacityRequest).join(CapacityOffer, CapacityOffer.id == CapacityRequest.offer_id)
    assert db.scalar(on_provider.where(CapacityOffer.provider_unit_id == provider)) == SMALL.fjordvik_provider_requests


LEDGER_ERRORS = {
    "course seats sold ≠ its confirmed purchases":
        "SELECT count(*) FROM course c WHERE c.seats_confirmed <> (SELECT coalesce(sum(p.seats), 0) FROM seat_purchase p "
        "WHERE p.course_id = c.id AND p.status IN ('confirmed', 'completed'))",
    "course seats held ≠ its holding requests":
        "SELECT count(*) FROM course c WHERE c.seats_held <> (SELECT coalesce(sum(r.seats), 0) FROM capacity_request r "
        "JOIN capacity_offer o ON o.id = r.offer_id WHERE o.course_id = c.id AND r.status IN ('held', 'offered'))",
    "offer seats held ≠ its holding requests":
        "SELECT count(*) FROM capacity_offer o WHERE o.seats_held <> (SELECT coalesce(sum(r.seats), 0) FROM capacity_request r "
        "WHERE r.offer_id = o.id AND r.status IN ('held', 'offered'))",
    "offer's copy of the course's free seats is stale":
        "SELECT count(*) FROM capacity_offer o JOIN course c ON c.id = o.course_id "
        "WHERE o.course_seats_free <> c.total_seats - c.seats_held - c.seats_confirmed OR o.course_kind <> c.kind",
    "budget commitment ≠ its confirmed purchases":
        "SELECT count(*) FROM budget b WHERE b.committed <> (SELECT coalesce(sum(p.amount), 0) FROM seat_purchase p "
        "WHERE p.budget_id = b.id AND p.status = 'confirmed')",
    "budget months ≠ its commitment and costs":
        "SELECT count(*) FROM budget b WHERE (b.committed + b.spent) * 100 <> (SELECT coalesce(sum(m.committed_ore + m.spent_ore), 0) "
        "FROM budget_month m WHERE m.budget_id = b.id)",
    "accepted request without its purchase":
        "SELECT count(*) FROM capacity_request r LEFT JOIN seat_purchase p ON p.id = r.purchase_id "
        "WHERE r.status = 'accepted' AND (p.id IS NULL OR p.course_id <> (SELECT course_id FROM capacity_offer WHERE id = r.offer_id))",
    "purchase without its participants":
        "SELECT count(*) FROM seat_purchase p WHERE p.seats <> (SELECT count(*) FROM participant x WHERE x.purchase_id = p.id)",
    "agreement without a party of the State":
        "SELECT count(*) FROM agreement a WHERE NOT EXISTS (SELECT 1 FROM agreement_party x JOIN legal_entity e ON e.id = x.legal_entity_id "
        "WHERE x.agreement_id = a.id AND e.org_number = '889640782')",
    "agreement's latest version missing":
        "SELECT count(*) FROM agreement a WHERE NOT EXISTS (SELECT 1 FROM agreement_version v WHERE v.agreement_id = a.id "
        "AND v.number = a.version)",
}


def check_months(db):
    """The months the set writes for Nav Fjordvik's line are the rule's for its purchases (budget/periods.py)."""
    line = db.scalar(select(Budget).where(Budget.line == national.FJORDVIK_LINE))
    p = SeatPurchase
    open_ = db.execute(select(p.amount, p.start_date, p.end_date).where(p.budget_id == line.id, p.status == "confirmed")).all()
    assert len(open_) > 1
    assert budget_queries.month_spread(db, line) == consumption([Commitment(*row) for row in open_], [], line.year)


def check_audit(db):
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "purchase.confirmed").order_by(AuditEvent.id.desc()).limit(5)).all()
    assert len(events) == 5
    for ev in events:
        assert ev.at.tzinfo is not None and isinstance(ev.after, dict) and "amount" in ev.after
        assert db.get(SeatPurchase, int(ev.object_id)) is not None
    ids = db.scalars(select(AuditEvent.id).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(3)).all()
    assert len(ids) == 3
    ev = events[0]
    ev.action = "changed"
    with pytest.raises(Exception):
        db.flush()
    db.rollback()


PAGES = [
    ("veileder.fjordvik@demo.no", "/purchases"),
    ("veileder.fjordvik@demo.no", "/capacity"),
    ("veileder.fjordvik@demo.no", "/courses/?q=norsk"),
    ("veileder.fjordvik@demo.no", "/inbox"),
    ("koordinator.fjordvik@demo.no", "/capacity/requests"),
    ("budsjett.fjordvik@demo.no", "/budgets/{budget}"),
    ("jurist.nav@demo.no", "/agreements"),
    ("jurist.nav@demo.no", "/agreements/{agreement}"),
    ("jurist.nav@demo.no", "/agreements/{agreement}/versions"),
    ("admin@demo.no", "/admin/audit?page=2"),
    ("admin@demo.no", "/admin/jobs"),
    ("admin@demo.no", "/admin/outbox"),
]


def check_pages(app, db):
    from contracts_app.agreements.models import Agreement

    fjordvik = db.scalar(select(Unit.id).where(Unit.name == "Nav Fjordvik"))
    ids = {"budget": db.scalar(select(Budget.id).where(Budget.unit_id == fjordvik, Budget.line == national.FJORDVIK_LINE)),
           "agreement": db.scalar(select(func.max(Agreement.id)))}
    clients = {}
    for email, path in PAGES:
        if email not in clients:
            clients[email] = app.test_client()
            assert login(clients[email], email, demo.DEMO_PASSWORD).status_code == 302
        assert clients[email].get(path.format(**ids)).status_code == 200, (email, path)


def test_cli_refuses_a_bad_scale(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--scale", "huge"])
    assert result.exit_code == 2 and "--scale" in result.output
