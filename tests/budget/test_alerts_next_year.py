"""The budget alerts job (jobs/budget_alerts.py) covers every open budget line: this year's and next year's; a
line of a past year is closed. Each alert still goes once per crossing."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from contracts_app.jobs import runner
from contracts_app.notifications.messages import render
from contracts_app.notifications.models import Notification

from ..factories import buy, make_budget, make_course


@pytest.fixture
def ctx(app, db):
    with app.app_context():
        yield app


def _run() -> dict:
    out = runner.run_job("budget.alerts", trigger="manual")
    assert out.status == "succeeded", out.error
    return out.result


def _notices(db, kind):
    return db.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)).all()


def _at(ctx, day: dt.date) -> None:
    """Move the fixed clock to 09:00 in Oslo on ``day``."""
    ctx.extensions["clock"].at = dt.datetime.combine(day, dt.time(8, 0), dt.timezone.utc)


@pytest.mark.parametrize("year, alerted", [(2025, False), (2026, True), (2027, True), (2028, True)])
def test_a_line_over_its_warning_level_alerts_while_it_is_open(ctx, db, world, year, alerted):
    b = make_budget(db, world.nav_office, year=year, line="Tiltaksmidler opplæring 2", amount="80000", warning_pct="50")
    db.commit()
    b.committed = Decimal("42240")  # 52,8 % of the line
    db.commit()
    assert _run()["warnings"] == (1 if alerted else 0)
    got = [n for n in _notices(db, "budget.warning_crossed") if n.link == f"/budgets/{b.id}"]
    assert len(got) == (1 if alerted else 0)
    if alerted:
        assert got[0].user_id == world.users["budget_owner"].id and got[0].params["year"] == year
        assert _run()["warnings"] == 0  # once per crossing
        b.committed = Decimal("1000")
        db.commit()
        _run()
        b.committed = Decimal("50000")
        db.commit()
        assert _run()["warnings"] == 1  # fell back below and crossed again: told again


def _january_line(db, world, *, amount=None):
    """A 2027 line and a purchase on a course in January 2027: the line is used up by 31 January when its
    amount is the purchase's."""
    course = make_course(db, world.adult_education, title="Norsk januar 2027", start_date=dt.date(2027, 1, 4),
                         end_date=dt.date(2027, 1, 29))
    b = make_budget(db, world.nav_office, year=2027, line="Neste år", amount="200000", warning_pct="100")
    db.commit()
    purchase = buy(db, course, b, world.users["advisor"])
    db.commit()
    b.amount = amount if amount is not None else purchase.amount
    db.commit()
    return b, purchase


@pytest.mark.parametrize("today, told", [
    (dt.date(2026, 3, 2), False),  # 335 days before the run-out
    (dt.date(2026, 11, 30), False),  # 62 days
    (dt.date(2026, 12, 2), True),  # 60 days
    (dt.date(2026, 12, 31), True),
])
def test_next_year_line_used_up_by_its_commitments_alerts_within_60_days(ctx, db, world, today, told):
    b, _purchase = _january_line(db, world)
    _at(ctx, today)
    result = _run()
    assert result["runouts"] == (1 if told else 0)
    got = _notices(db, "budget.runout_planned")
    assert len(got) == (1 if told else 0)
    if told:
        [n] = got
        assert n.link == f"/budgets/{b.id}" and n.params["date"] == "2027-01-31"
        assert n.params["days"] == (dt.date(2027, 1, 31) - today).days
        assert "31.01.2027" in render(n.kind, n.params) and "Neste år" in render(n.kind, n.params)


def test_the_run_out_of_next_year_is_told_once_also_when_the_year_begins(ctx, db, world):
    b, purchase = _january_line(db, world)
    _at(ctx, dt.date(2026, 12, 15))
    assert _run()["runouts"] == 1
    assert _run()["runouts"] == 0
    _at(ctx, dt.date(2027, 1, 2))  # the year has begun: used up at the rate so far, but already told
    assert _run()["runouts"] == 0
    assert len(_notices(db, "budget.runout_planned")) == 1 and _notices(db, "budget.runout_soon") == []


def test_a_next_year_line_with_room_left_and_a_past_line_have_no_run_out(ctx, db, world):
    b, purchase = _january_line(db, world, amount=Decimal("200000"))
    past = make_budget(db, world.nav_office, year=2025, line="I fjor", amount="1000", stop_mode="warn")
    db.commit()
    past.committed = Decimal("5000")
    db.commit()
    _at(ctx, dt.date(2026, 12, 15))
    result = _run()
    assert result["runouts"] == 0 and result["warnings"] == 0
    assert result["budgets"] == 2  # this year's world line and the 2027 line; not 2025
