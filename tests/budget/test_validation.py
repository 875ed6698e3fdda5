"""Budget input that used to be accepted without a word (issue 19, item 3): a stop outside the line's year, and
a year change that was ignored while the page said the changes were saved."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from contracts_app.audit import SYSTEM, Actor
from contracts_app.budget import services
from contracts_app.errors import ValidationFailed

from ..factories import make_budget
from ..support import login


def _paths(exc) -> dict[str, str]:
    return {e["path"]: e["message"] for e in exc.value.errors}


def test_a_stop_outside_the_budget_year_is_refused_with_the_allowed_dates(db, world, clock):
    budget = make_budget(db, world.nav_office, year=2027, line="Stopp-test")
    owner = Actor(world.users["budget_owner"].id, world.nav_office.id)
    with pytest.raises(ValidationFailed) as exc:
        services.declare_stop(db, budget, reason="Tom for midler", starts_on=dt.date(2020, 1, 1),
                              ends_on=dt.date(2020, 2, 1), actor=owner, now=clock.now())
    assert set(_paths(exc)) == {"starts_on", "ends_on"}
    assert "01.01.2027" in _paths(exc)["starts_on"] and "31.12.2027" in _paths(exc)["starts_on"]
    stop = services.declare_stop(db, budget, reason="Tom for midler", starts_on=dt.date(2027, 5, 1), ends_on=None,
                                 actor=owner, now=clock.now())
    assert stop.id is not None


@pytest.mark.parametrize("stop_from, on, refused", [
    (dt.date(2027, 1, 1), dt.date(2026, 12, 7), True),  # next year's money, stopped from its first day
    (dt.date(2027, 3, 1), dt.date(2026, 12, 7), False),  # stopped later in that year: not yet
    (dt.date(2027, 3, 1), dt.date(2027, 3, 1), True),
    (dt.date(2027, 3, 1), dt.date(2027, 2, 28), False),
])
def test_a_stop_on_next_years_line_applies_to_purchases_made_before_the_year(db, world, clock, stop_from, on, refused):
    budget = make_budget(db, world.nav_office, year=2027, line="Neste år")
    owner = Actor(world.users["budget_owner"].id, world.nav_office.id)
    services.declare_stop(db, budget, reason="Tom for midler", starts_on=stop_from, ends_on=None, actor=owner, now=clock.now())
    db.flush()
    db.refresh(budget)
    found = services.check(budget, Decimal("100"), on=on)
    assert (found.refusal is not None) is refused


def test_the_stop_page_says_why_a_stop_outside_the_year_is_refused(client, db, world):
    login(client, world.users["budget_owner"].email)
    response = client.post(f"/budgets/{world.budget.id}/stop", data={
        "reason": "Tom for midler", "starts_on": "2020-01-01", "ends_on": "2020-02-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "budsjettlinjens år" in html and "blir avvist" not in html
    assert not world.budget.stops


def _field(html: str, name: str) -> str:
    """The form control named ``name`` (its tag, and a textarea's text)."""
    found = re.search(rf'<(input|textarea)[^>]*name="{name}"[^>]*>(?:[^<]*</textarea>)?', html)
    assert found, name
    return found.group(0)


@pytest.mark.parametrize("data, invalid", [
    ({"reason": "Tom for midler i år", "starts_on": "2020-01-01", "ends_on": ""}, ["starts_on"]),  # the service's rule
    ({"reason": "Tom for midler i år", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}, ["ends_on"]),
    ({"reason": "Tom", "starts_on": "2026-05-01", "ends_on": ""}, ["reason"]),  # the form's rule
    ({"reason": "Tom for midler i år", "starts_on": "1. mai", "ends_on": ""}, ["starts_on"]),
])
def test_a_refused_stop_shows_the_page_again_with_the_input_and_a_message_per_field(client, db, world, data, invalid):
    login(client, world.users["budget_owner"].email)
    response = client.post(f"/budgets/{world.budget.id}/stop", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="error-summary"' in html
    assert data["reason"] in _field(html, "reason")
    assert f'value="{data["starts_on"]}"' in _field(html, "starts_on")
    for name in ("reason", "starts_on", "ends_on"):
        assert ('aria-invalid="true"' in _field(html, name)) is (name in invalid), name
    db.expire_all()
    assert not world.budget.stops


def test_a_lift_without_a_reason_keeps_the_stop_and_says_why(client, db, world, clock):
    owner = Actor(world.users["budget_owner"].id, world.nav_office.id)
    stop = services.declare_stop(db, world.budget, reason="Tom for midler", starts_on=clock.today(), ends_on=None,
                                 actor=owner, now=clock.now())
    db.commit()
    login(client, world.users["budget_owner"].email)
    response = client.post(f"/budgets/{world.budget.id}/stops/{stop.id}/lift", data={"reason": "Ok"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'aria-invalid="true"' in _field(html, "reason") and "\nOk</textarea>" in _field(html, "reason")
    db.expire_all()
    assert db.get(type(stop), stop.id).lifted_at is None
    response = client.post(f"/budgets/{world.budget.id}/stops/{stop.id}/lift", data={"reason": "Nytt vedtak"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(type(stop), stop.id).lifted_at is not None


@pytest.mark.parametrize("year, starts", [(2026, "2026-03-02"), (2027, "2027-01-01"), (2025, "2025-12-31")])
def test_the_stop_form_starts_within_the_lines_year(client, db, world, year, starts):
    budget = make_budget(db, world.nav_office, year=year, line="Årstest")
    db.commit()
    login(client, world.users["budget_owner"].email)
    html = client.get(f"/budgets/{budget.id}").get_data(as_text=True)
    assert f'value="{starts}"' in _field(html, "starts_on")


def test_an_unused_line_moves_to_another_year(db, world, clock):
    budget = make_budget(db, world.nav_office, year=2026, line="Flyttes")
    services.update_budget(db, budget, {"year": 2027}, actor=SYSTEM, now=clock.now())
    assert budget.year == 2027


def test_a_used_line_keeps_its_year_and_says_why(db, world, clock):
    assert world.budget.used > 0
    with pytest.raises(ValidationFailed) as exc:
        services.update_budget(db, world.budget, {"year": world.budget.year + 1}, actor=SYSTEM, now=clock.now())
    assert "already committed or spent" in _paths(exc)["year"] or "allerede" in _paths(exc)["year"]


def test_the_edit_page_never_says_saved_when_the_year_is_ignored(client, db, world):
    budget = world.budget
    login(client, world.users["budget_owner"].email)
    response = client.post(f"/budgets/{budget.id}/edit", data={
        "year": str(budget.year + 1), "line": budget.line, "side": budget.side.value, "amount": str(budget.amount),
        "warning_pct": str(budget.warning_pct), "stop_mode": budget.stop_mode.value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Endringene er lagret" not in html
    assert "Året kan ikke endres" in html


def test_the_edit_page_explains_a_year_that_was_changed(client, db, world):
    budget = make_budget(db, world.nav_office, year=2026, line="Flyttes via siden")
    db.commit()
    login(client, world.users["budget_owner"].email)
    response = client.post(f"/budgets/{budget.id}/edit", data={
        "year": "2027", "line": budget.line, "side": budget.side.value, "amount": str(budget.amount),
        "warning_pct": str(budget.warning_pct), "stop_mode": budget.stop_mode.value}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "hører nå til 2027" in html
    db.refresh(budget)
    assert budget.year == 2027


def test_a_stop_declared_for_next_years_line_can_be_seen_and_lifted_before_it_starts(client, db, world):
    budget = make_budget(db, world.nav_office, year=2027, line="Neste år")
    db.commit()
    login(client, world.users["budget_owner"].email)
    page = client.get(f"/budgets/{budget.id}").get_data(as_text=True)
    assert f"/budgets/{budget.id}/stop\"" in page and "/lift" not in page
    assert client.post(f"/budgets/{budget.id}/stop", data={"reason": "Rammen for 2027 er ikke vedtatt",
                                                           "starts_on": "2027-01-01", "ends_on": ""}).status_code == 302
    page = client.get(f"/budgets/{budget.id}").get_data(as_text=True)
    assert "01.01.2027" in page and "Rammen for 2027 er ikke vedtatt" in page
    assert "/lift" in page and f"/budgets/{budget.id}/stop\"" not in page  # lifted, not declared twice
    stop_id = int(re.search(r"/stops/(\d+)/lift", page).group(1))
    assert client.post(f"/budgets/{budget.id}/stops/{stop_id}/lift", data={"reason": "Rammen er vedtatt"}).status_code == 302
    db.expire_all()
    assert [s.lifted_at is not None for s in db.get(type(budget), budget.id).stops] == [True]
