"""A purchase that starts in the past needs the buyer's explicit confirmation (issue 19, item 3): a typo in the
date bought months of a course nobody attended without a word. And a participant's error names its row."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from contracts_app.audit import Actor
from contracts_app.errors import ValidationFailed
from contracts_app.purchases import services
from contracts_app.purchases.models import SeatPurchase

from ..factories import make_course
from ..support import login

PAST = dt.date(2026, 2, 2)  # the fixed clock's today is 02.03.2026


@pytest.fixture
def running_course(db, world):
    course = make_course(db, world.course.provider_unit, title="Startet i januar", start_date=dt.date(2026, 1, 5))
    db.commit()
    return course


def _input(course, budget, **kw) -> services.PurchaseInput:
    data = dict(course_id=course.id, buyer_unit_id=budget.unit_id, budget_id=budget.id, side=None, seats=1,
                start_date=PAST, end_date=dt.date(2026, 3, 27), participants=[services.ParticipantInput("PAST-1")])
    data.update(kw)
    return services.PurchaseInput(**data)


def test_a_past_start_is_refused_until_confirmed(db, world, clock, running_course):
    actor = Actor(world.users["advisor"].id, world.budget.unit_id)
    with pytest.raises(ValidationFailed) as exc:
        services.confirm(db, _input(running_course, world.budget), actor=actor, now=clock.now(), today=clock.today())
    [error] = [e for e in exc.value.errors if e["path"] == "confirm_past_start"]
    assert "02.02.2026" in error["message"]
    db.rollback()
    purchase = services.confirm(db, _input(running_course, world.budget, past_start_confirmed=True), actor=actor,
                                now=clock.now(), today=clock.today())
    assert purchase.start_date == PAST


def test_the_preview_warns_and_asks_for_the_confirmation(client, db, world, running_course):
    login(client, world.users["advisor"].email)
    form = {"seats": "1", "start_date": PAST.isoformat(), "end_date": "2026-03-27", "budget_id": str(world.budget.id),
            "participants-0-reference": "PAST-1", "action": "preview"}
    response = client.post(f"/courses/{running_course.id}/buy", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'name="confirm_past_start"' in html and "Startdatoen 02.02.2026 er passert" in html
    response = client.post(f"/courses/{running_course.id}/buy", data={**form, "confirm_past_start": "y"})
    assert response.status_code == 200 and "Startdatoen 02.02.2026 er passert" not in response.get_data(as_text=True)


def test_a_start_today_needs_no_confirmation(db, world, clock):
    purchase = services.preview(db, _input(world.course, world.budget, start_date=clock.today()), today=clock.today())
    assert not [e for e in purchase.errors if e["path"] == "confirm_past_start"]


def test_a_participant_error_names_its_row(client, db, world):
    login(client, world.users["advisor"].email)
    before = db.scalar(select(func.count()).select_from(SeatPurchase))
    response = client.post(f"/courses/{world.course.id}/buy", data={
        "seats": "3", "start_date": "2026-03-02", "end_date": "2026-03-27", "budget_id": str(world.budget.id),
        "participants-0-reference": "OK-1", "participants-1-reference": "12345678901",
        "participants-2-reference": "OK-1", "action": "preview"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Deltaker 2: " in html and "Deltaker 3: " in html and "Deltaker 1: " not in html
    assert db.scalar(select(func.count()).select_from(SeatPurchase)) == before
