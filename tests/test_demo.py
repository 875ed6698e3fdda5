from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from stdnum.no import orgnr

from contracts_app import demo
from contracts_app.auth.models import Role, User
from contracts_app.organisations.models import LegalEntity, Unit

from .support import login


def test_demo_load_is_idempotent_and_covers_every_role(app, db, clock):
    first = demo.load(db, now=clock.now())
    second = demo.load(db, now=clock.now())
    assert first == {"entities": 4, "units": 9, "users": 11, "courses": 7, "budgets": 6, "agreements": 2, "offers": 4,
                     "purchases": 1, "law_changes": 1}
    assert second == {"entities": 0, "units": 0, "users": 0, "courses": 0, "budgets": 0, "agreements": 0, "offers": 0,
                      "purchases": 0, "law_changes": 0}
    from contracts_app.agreements.models import Agreement

    assert sorted(a.status.value for a in db.scalars(select(Agreement))) == ["active", "in_review", "in_review"]
    roles = {m.role for u in db.scalars(select(User)) for m in u.memberships}
    assert roles == set(Role)
    for entity in db.scalars(select(LegalEntity)):
        assert orgnr.is_valid(entity.org_number)
        assert entity.is_demo == (entity.org_number != "889640782")
    assert db.scalar(select(func.count()).select_from(Unit).where(Unit.kind == "nav_office")) == 2


@pytest.mark.parametrize("at", [
    dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.timezone.utc),  # already 8 December in Oslo (winter, UTC+1)
    dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.timezone.utc),  # already 1 July in Oslo (summer, UTC+2)
    dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.timezone.utc),
])
def test_demo_loads_whatever_the_hour_in_oslo(app, db, clock, at):
    """The demo approves and signs its agreements "today": in Oslo's calendar, as the services date an approval.
    With the UTC date the signing fell a day before the approval between midnight in Oslo and midnight in UTC,
    and `make run` failed for that hour."""
    from contracts_app.agreements.models import AgreementSignature

    clock.at = at
    demo.load(db, now=clock.now())
    assert db.scalar(select(func.count()).select_from(AgreementSignature)) == 2
    assert {s.signed_on for s in db.scalars(select(AgreementSignature))} == {clock.today()}


def test_demo_users_log_in_with_the_documented_password(app, db, clock):
    demo.load(db, now=clock.now())
    for email, _roles, _units in demo.logins():
        c = app.test_client()
        assert login(c, email, demo.DEMO_PASSWORD).status_code == 302, email


def test_demo_cli_prints_the_logins(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0
    assert "veileder.fjordvik@demo.no" in result.output and demo.DEMO_PASSWORD in result.output


def test_demo_shows_verdicts_moved_by_the_amendment_of_2026_07_01(app, db, clock):
    """The impact page is not empty in `make run`: an agreement and a seat purchase dated after 2026-07-01, worth
    100 000–500 000 kr, moved from «the procurement rules apply» to «below the lower limit»."""
    from contracts_app.rulecheck.models import LawChange, LawChangeItem

    demo.load(db, now=clock.now())
    [change] = db.scalars(select(LawChange)).all()
    assert (change.cause, change.status) == (demo.LAW_CHANGE_CAUSE, "done")
    moved = {(i.object_type, i.verdict_before, i.verdict_after) for i in db.scalars(select(LawChangeItem))}
    assert moved == {("agreement", "procurement_required", "below_scope"), ("seat_purchase", "procurement_required", "below_scope")}
    c = app.test_client()
    login(c, "jurist.nav@demo.no", demo.DEMO_PASSWORD)
    page = c.get("/law-changes").get_data(as_text=True)
    assert page.count('data-item="') == 2 and demo.LAW_CHANGE_AGREEMENT in page
