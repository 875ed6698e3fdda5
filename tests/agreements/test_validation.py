"""Issue 19, item 3: agreement input that is nonsense is refused on its field with a message that says what is
allowed (options and option value, the period and its horizon, a period in the past, values, CPV check digits,
signing dates). Nothing is saved when a step is refused."""
from __future__ import annotations

import datetime as dt

import pytest

from contracts_app import clock
from contracts_app.agreements import lifecycle, queries, services
from contracts_app.agreements.parsing import cpv_check_digit, cpv_valid
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.errors import ValidationFailed

from ..support import login
from .helpers import STEP_DATA, drafter, make_agreement, signer_for


# Real codes from the EU CPV 2008 list (the education and training division and others).
REAL_CPV = ["80000000-4", "80100000-5", "80110000-8", "80200000-6", "80300000-7", "80400000-8", "80420000-4", "80430000-7",
            "80500000-9", "80510000-2", "80511000-9", "80520000-5", "80530000-8", "80580000-3", "80590000-6",
            "45000000-7", "72000000-5", "85000000-9", "85121252-4", "90713000-8", "98133110-8"]


@pytest.mark.parametrize("code", REAL_CPV)
def test_real_cpv_codes_pass_the_check_digit(code):
    assert cpv_valid(code)


@pytest.mark.parametrize("code", ["80580000-4", "80580000-0", "80000000-8", "85580000-3", "8058000-3", "80580000"])
def test_wrong_cpv_codes_fail(code):
    assert not cpv_valid(code)
    assert cpv_check_digit("80580000") == 3


def _refused(db, world, a, step, data, path):
    before = queries.snapshot(a)
    with pytest.raises(ValidationFailed) as exc:
        services.save_step(db, a.id, step, data, expected_version=a.version, actor=drafter(world), now=clock.now())
    db.rollback()
    db.refresh(a)
    assert queries.snapshot(a) == before
    messages = [e["message"] for e in exc.value.errors if e["path"] == path]
    assert messages, exc.value.errors
    return messages[0]


def _period(**kw):
    return {**STEP_DATA["period"], **kw}


def test_a_cpv_code_with_a_wrong_check_digit_is_refused_with_the_right_one(db, world):
    a = make_agreement(db, world)
    msg = _refused(db, world, a, "subject", {**STEP_DATA["subject"], "cpv_codes": "80580000-4"}, "cpv_codes")
    assert "80580000-4" in msg and "-3" in msg


def test_no_options_with_an_option_value_is_refused(db, world):
    a = make_agreement(db, world)  # 2+1, option value 400 000
    msg = _refused(db, world, a, "period", _period(option_scheme="none", end_date="2028-07-31", max_duration_months=""), "option_scheme")
    assert "400" in msg


def test_an_option_value_without_options_is_refused_and_zero_is_stored_as_none(db, world):
    a = make_agreement(db, world, complete=False)
    services.save_step(db, a.id, "period", _period(option_scheme="none", max_duration_months=""), expected_version=a.version,
                       actor=drafter(world), now=clock.now())
    db.commit()
    _refused(db, world, a, "value", {"estimated_value": "800000", "options_value": "450000"}, "options_value")
    services.save_step(db, a.id, "value", {"estimated_value": "800000", "options_value": "0"}, expected_version=a.version,
                       actor=drafter(world), now=clock.now())
    assert a.options_value is None and a.estimated_value == 800000


def test_options_need_a_positive_option_value(db, world):
    a = make_agreement(db, world)
    message = _refused(db, world, a, "value", {**STEP_DATA["value"], "options_value": "0"}, "options_value")
    assert "zero" in message or "null" in message  # says what is allowed: an amount greater than zero


@pytest.mark.parametrize("value", ["0", "1e9", "-5", "1000000000000"])
def test_the_estimated_value_must_be_a_positive_sane_amount(db, world, value):
    a = make_agreement(db, world)
    assert _refused(db, world, a, "value", {**STEP_DATA["value"], "estimated_value": value}, "estimated_value")


def test_one_plus_one_plus_one_on_a_two_year_base_beyond_the_maximum_is_refused(db, world):
    a = make_agreement(db, world)
    msg = _refused(db, world, a, "period", _period(option_scheme="1+1+1", end_date="2028-07-31", max_duration_months="36"),
                   "max_duration_months")
    assert "48" in msg and "36" in msg


@pytest.mark.parametrize("end", ["9999-12-31", "2040-01-01"])
def test_an_end_date_beyond_the_horizon_is_refused(db, world, end):
    a = make_agreement(db, world)
    assert _refused(db, world, a, "period", _period(option_scheme="none", end_date=end, max_duration_months=""), "end_date")


def test_a_long_maximum_duration_widens_the_horizon(db, world):
    a = make_agreement(db, world)
    services.save_step(db, a.id, "period", _period(option_scheme="2+1", end_date="2040-01-01", max_duration_months="180"),
                       expected_version=a.version, actor=drafter(world), now=clock.now())
    assert a.end_date == dt.date(2040, 1, 1)


@pytest.mark.parametrize("start,end", [("9999-12-31", "9999-12-31"), ("1900-01-01", "1901-01-01"), ("2026-08-01", "2026-08-01")])
def test_absurd_or_empty_periods_are_refused(db, world, start, end):
    a = make_agreement(db, world)
    with pytest.raises(ValidationFailed):
        services.save_step(db, a.id, "period", _period(start_date=start, end_date=end, option_scheme="none", max_duration_months=""),
                           expected_version=a.version, actor=drafter(world), now=clock.now())


def test_a_period_in_the_past_needs_a_confirmation(db, world):
    a = make_agreement(db, world)
    past = _period(start_date="2020-01-01", end_date="2020-12-31", option_scheme="none", max_duration_months="")
    a.options_value = None  # the draft's options go with the scheme
    db.commit()
    msg = _refused(db, world, a, "period", past, "confirm_past")
    assert "31.12.2020" in msg
    services.save_step(db, a.id, "period", {**past, "confirm_past": True}, expected_version=a.version, actor=drafter(world),
                       now=clock.now())
    assert a.end_date == dt.date(2020, 12, 31)


def test_the_wizard_shows_the_past_period_checkbox_and_keeps_the_input(client, db, world):
    a = make_agreement(db, world)
    login(client, world.users["provider_coordinator"].email)
    r = client.post(f"/agreements/{a.id}/edit/period", data={
        "lock_version": str(a.version), "action": "save", "start_date": "2020-01-01", "end_date": "2020-06-30",
        "option_scheme": "2+1", "max_duration_months": "36"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'name="confirm_past"' in html and "i fortiden" in html and 'value="2020-01-01"' in html
    r = client.post(f"/agreements/{a.id}/edit/period", data={
        "lock_version": str(a.version), "action": "save", "start_date": "2020-01-01", "end_date": "2020-06-30",
        "option_scheme": "2+1", "max_duration_months": "36", "confirm_past": "y"})
    assert r.status_code == 302
    db.refresh(a)
    assert a.start_date == dt.date(2020, 1, 1)


def test_the_wizard_refuses_a_bad_cpv_code_on_its_field(client, db, world):
    a = make_agreement(db, world)
    login(client, world.users["provider_coordinator"].email)
    r = client.post(f"/agreements/{a.id}/edit/subject", data={
        "lock_version": str(a.version), "action": "save", "title": "X", "cpv_codes": "80580000-4"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "feil kontrollsiffer" in html and 'value="80580000-4"' in html


def _sign(db, world, a, on):
    p = a.parties[0]
    lifecycle.record_signature(db, a.id, party_id=p.id, signer_name="Ola Leder", signer_role="Leder", signed_on=on,
                              actor=signer_for(world, p), now=clock.now(), today=clock.today())


def test_a_signing_date_before_the_approval_or_in_the_future_is_refused(db, world):
    a = make_agreement(db, world, state=S.approved)
    today = clock.today()
    for on, fragment in ((dt.date(2019, 1, 1), today.strftime("%d.%m.%Y")), (today + dt.timedelta(days=1), "future")):
        with pytest.raises(ValidationFailed) as exc:
            _sign(db, world, a, on)
        db.rollback()
        assert any(e["path"] == "signed_on" and fragment in e["message"] for e in exc.value.errors), exc.value.errors
    _sign(db, world, a, today)
