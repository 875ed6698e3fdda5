"""What each job does, with a fixed clock (2 March 2026, 09:00 in Oslo), and that a second run does nothing."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.audit import AuditEvent
from contracts_app.auth.models import Role
from contracts_app.capacity.models import CapacityRequest, RequestStatus
from contracts_app.jobs import runner
from contracts_app.notifications.messages import render
from contracts_app.notifications.models import Notification
from contracts_app.purchases.models import Participant

from ..agreements.helpers import make_agreement
from ..factories import buy, make_budget, make_course, make_entity, make_offer, make_unit, make_user, request_input


def notices(db, kind=None):
    stmt = select(Notification).order_by(Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return db.scalars(stmt).all()


def run(name, clock=None):
    out = runner.run_job(name, trigger="manual")
    assert out.status == "succeeded", out.error
    return out.result


# --- agreements ------------------------------------------------------------------------------------------------

def test_end_reminder_goes_once_to_the_parties_deciders_and_legal(ctx, db, world):
    a = make_agreement(db, world, state=S.active, start_date="2024-04-01", end_date="2026-03-31")  # 29 days left
    result = run("agreements.reminders")
    assert result["end_reminders"] == 1
    got = notices(db, "agreement.ends_soon")
    told = {n.user_id for n in got}
    assert told == {world.users[r].id for r in ("provider_coordinator", "budget_owner", "legal_reviewer")}
    assert got[0].params["days"] == 29 and got[0].link == f"/agreements/{a.id}"
    assert "31.03.2026" in render(got[0].kind, got[0].params)
    # the next day is the same 30-day reminder: nothing new; the 7-day one comes later, once
    run("agreements.reminders")
    assert len(notices(db, "agreement.ends_soon")) == 3
    ctx.extensions["clock"].advance(days=23)  # 6 days left
    run("agreements.reminders")
    run("agreements.reminders")
    assert len(notices(db, "agreement.ends_soon")) == 6


@pytest.mark.parametrize("days_left,offset", [(200, None), (180, 180), (120, 180), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (0, 7), (-1, None)])
def test_the_reminder_due_is_the_smallest_offset_reached(days_left, offset):
    from contracts_app.jobs.agreements import END_OFFSETS, reached_offset

    assert reached_offset(days_left, END_OFFSETS) == offset


def test_option_deadline_reminder(ctx, db, world):
    # ends 30.06.2026 with a 2+1 plan: option 1 must be decided three months before, by 30.03.2026 (28 days)
    make_agreement(db, world, state=S.active, start_date="2024-07-01", end_date="2026-06-30")
    result = run("agreements.reminders")
    assert result["option_reminders"] == 1 and result["end_reminders"] == 1  # 120 days left: the 180-day one
    [n, *_] = notices(db, "agreement.option_deadline")
    assert n.params["deadline"] == "2026-03-30" and n.params["option"] == 1 and n.params["months"] == 12
    run("agreements.reminders")
    assert len(notices(db, "agreement.option_deadline")) == 3


def test_date_job_activates_and_expires_and_tells_the_parties(ctx, db, world):
    a = make_agreement(db, world, state=S.signed, start_date="2026-08-01", end_date="2028-07-31")
    assert a.status == S.signed
    ctx.extensions["clock"].advance(days=152)  # 1 August 2026
    assert run("agreements.dates")["activated"] == 1
    db.refresh(a)
    assert a.status == S.active
    assert len(notices(db, "agreement.activated")) == 3
    assert run("agreements.dates") == {"activated": 0, "expired": 0, "notified": 0}


# --- capacity ---------------------------------------------------------------------------------------------------

def test_holds_job_releases_a_hold_that_ran_out(ctx, db, world):
    from contracts_app.audit import Actor
    from contracts_app.capacity import requests as cs

    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=2)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal")
    req = cs.request_seats(db, request_input(offer, budget), actor=Actor(world.users["advisor"].id, world.nav_office.id),
                           now=ctx.extensions["clock"].now())
    db.commit()
    assert run("capacity.holds") == {"requests": 0, "offers": 0}
    ctx.extensions["clock"].advance(days=8)  # past five working days
    assert run("capacity.holds") == {"requests": 1, "offers": 0}
    db.refresh(req)
    assert req.status == RequestStatus.expired
    assert run("capacity.offers") == {"requests": 0, "offers": 0}


def test_reminders_a_day_before_a_hold_or_a_waiting_list_offer_runs_out_once(ctx, db, world):
    from contracts_app.audit import Actor
    from contracts_app.capacity import requests as cs

    clock = ctx.extensions["clock"]
    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=1)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal")
    advisor = Actor(world.users["advisor"].id, world.nav_office.id)
    cs.request_seats(db, request_input(offer, budget), actor=advisor, now=clock.now())
    waiting = cs.request_seats(db, request_input(offer, budget, refs=["W-1"]), actor=advisor, now=clock.now())
    db.commit()
    assert run("capacity.reminders") == {"providers": 0, "requesters": 0}  # the hold ends Monday 9 March 23:59
    clock.at = dt.datetime(2026, 3, 9, 8, tzinfo=dt.timezone.utc)
    assert run("capacity.reminders") == {"providers": 1, "requesters": 0}
    assert run("capacity.reminders") == {"providers": 0, "requesters": 0}  # once
    note = notices(db, "capacity.hold_expiring")[0]
    assert note.user_id == world.users["provider_coordinator"].id and "09.03.2026 23:59" in render(note.kind, note.params)
    # the hold runs out; the waiting entry is offered the seat for two working days, and reminded the day before
    clock.at = dt.datetime(2026, 3, 10, 8, tzinfo=dt.timezone.utc)
    run("capacity.holds")
    db.refresh(waiting)
    assert waiting.status == RequestStatus.offered
    clock.at = waiting.hold_expires_at - dt.timedelta(hours=5)
    assert run("capacity.reminders") == {"providers": 0, "requesters": 1}
    assert notices(db, "capacity.offered_expiring")[0].user_id == world.users["advisor"].id


# --- budget -----------------------------------------------------------------------------------------------------

def test_budget_warning_once_per_crossing(ctx, db, world):
    b = make_budget(db, world.nav_office, line="Varsel", amount="100000", warning_pct="85")
    db.commit()
    b.committed = Decimal("86000")
    db.commit()
    r = run("budget.alerts")
    assert r["warnings"] == 1
    [n] = notices(db, "budget.warning_crossed")
    assert n.user_id == world.users["budget_owner"].id
    assert "86" in render(n.kind, n.params) and "85" in render(n.kind, n.params)
    assert run("budget.alerts")["warnings"] == 0
    b.committed = Decimal("10000")  # a large purchase was cancelled
    db.commit()
    assert run("budget.alerts")["warnings"] == 0
    b.committed = Decimal("90000")  # and crossed again
    db.commit()
    assert run("budget.alerts")["warnings"] == 1
    assert len(notices(db, "budget.warning_crossed")) == 2


def test_budget_run_out_within_60_days_is_told_once(ctx, db, world):
    b = make_budget(db, world.nav_office, line="Prognose", amount="100000", warning_pct="100")
    db.commit()
    b.committed = Decimal("60000")  # 61 days into the year: at this rate 100 000 lasts 101 days, to 12 April
    db.commit()
    r = run("budget.alerts")
    assert r["runouts"] == 1
    [n] = notices(db, "budget.runout_soon")
    assert n.params["date"] == "2026-04-12" and n.params["days"] == 41
    assert run("budget.alerts")["runouts"] == 0


# --- split purchases ------------------------------------------------------------------------------------------

def test_split_watch_alerts_at_80_percent_of_the_next_threshold(ctx, db, world):
    state_legal = make_unit(db, world.state, name="Nav innkjøp og juridisk", kind="other")
    state_jurist = make_user(db, "jurist.state@test.no", role=Role.legal_reviewer, unit=state_legal)
    course = make_course(db, world.adult_education, title="Norsk B1", total_seats=40)
    db.commit()
    assert run("purchases.split_watch")["alerts"] == 0  # the world's one seat is far below
    # eleven more seats at 7 104 kr: with the first, 85 248 kr: over 80 % of the 100 000 lower limit
    buy(db, course, world.budget, world.users["advisor"], seats=11, refs=[f"S-{i}" for i in range(11)])
    db.commit()
    r = run("purchases.split_watch")
    assert r["alerts"] == 1
    got = notices(db, "purchases.split_risk")
    assert {n.user_id for n in got} == {state_jurist.id, world.users["budget_owner"].id}
    p = got[0].params
    assert p["threshold_name"] == "lower_limit" and p["need"] == "norwegian_training" and Decimal(p["total"]) >= 80000
    text = render(got[0].kind, got[0].params)
    assert "Arbeids- og velferdsetaten" in text and "Testvik kommune" in text and "VAL-06" in text
    assert run("purchases.split_watch")["alerts"] == 0
    # a year and a half later the purchases have left the window: the group is at zero and its alert is over,
    # so crossing 80 % again would tell again
    from contracts_app.jobs.models import WatchState

    ctx.extensions["clock"].advance(days=540)
    run("purchases.split_watch")
    states = db.scalars(select(WatchState).where(WatchState.key.like("split:%"))).all()
    assert states and all(s.state["alerted"] == [] and s.state["total"] == "0" for s in states)


def test_split_watch_tells_when_one_purchase_jumps_past_a_threshold(ctx, db, world):
    """Below 80 % at one run, over the threshold at the next (one big purchase): told once, not never."""
    course = make_course(db, world.adult_education, title="Norsk B1", total_seats=40)
    db.commit()
    assert run("purchases.split_watch")["alerts"] == 0
    buy(db, course, world.budget, world.users["advisor"], seats=15, refs=[f"J-{i}" for i in range(15)])  # 16 seats in all
    db.commit()
    assert run("purchases.split_watch")["alerts"] == 1
    [p] = {n.params["threshold_name"]: n.params for n in notices(db, "purchases.split_risk")}.values()
    assert p["threshold_name"] == "lower_limit" and Decimal(p["total"]) > Decimal(p["threshold"])
    assert Decimal(p["pct"]) > 100
    assert run("purchases.split_watch")["alerts"] == 0


def test_split_watch_leaves_out_purchases_inside_one_legal_entity(ctx, db, world):
    course = make_course(db, world.adult_education, title="Norsk B1", total_seats=40)
    municipal = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal", amount="900000")
    db.commit()
    buy(db, course, municipal, world.users["advisor"], seats=12, refs=[f"M-{i}" for i in range(12)])
    db.commit()
    assert run("purchases.split_watch")["alerts"] == 0


# --- retention --------------------------------------------------------------------------------------------------

def test_participants_are_anonymised_months_after_the_seat_ended_and_audited(ctx, db, world, config):
    clock = ctx.extensions["clock"]
    p = db.scalars(select(Participant).where(Participant.purchase_id == world.purchase.id)).one()
    p.consent, p.consent_date = True, dt.date(2026, 2, 1)
    db.commit()
    # the seat ends 19.06.2026; 12 months later to the day it is anonymised, not a day earlier
    clock.at = dt.datetime(2027, 6, 18, 8, 0, tzinfo=dt.timezone.utc)
    assert run("retention.anonymise")["participants"] == 0
    clock.advance(days=1)
    r = run("retention.anonymise")
    assert r["participants"] == 1 and r["purchases"] == 1
    db.refresh(p)
    assert (p.reference, p.consent, p.consent_date, p.anonymised_at) == ("", False, None, clock.now())
    assert p.cefr_level is None or p.cefr_level  # kept
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "retention.participants_anonymised")).one()
    assert ev.object_type == "seat_purchase" and ev.object_id == str(world.purchase.id) and ev.after["participants"] == 1
    assert run("retention.anonymise")["participants"] == 0


def test_retention_months_is_a_setting(ctx, db, world, config):
    config["RETENTION_MONTHS"] = 6
    ctx.extensions["clock"].at = dt.datetime(2026, 12, 19, 8, 0, tzinfo=dt.timezone.utc)
    assert run("retention.anonymise")["participants"] == 1


def test_retention_anonymises_request_participants_after_the_request_ended(ctx, db, world):
    from contracts_app.audit import Actor
    from contracts_app.capacity import requests as cs
    from contracts_app.capacity.models import RequestParticipant

    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=2)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal")
    req = cs.request_seats(db, request_input(offer, budget, refs=["KAP-A"]), actor=Actor(world.users["advisor"].id, world.nav_office.id),
                           now=ctx.extensions["clock"].now())
    cs.withdraw(db, req.id, actor=Actor(world.users["advisor"].id, world.nav_office.id), now=ctx.extensions["clock"].now())
    db.commit()
    ctx.extensions["clock"].at = dt.datetime(2027, 3, 3, 8, 0, tzinfo=dt.timezone.utc)
    r = run("retention.anonymise")
    assert r["requests"] == 1
    rp = db.scalars(select(RequestParticipant).where(RequestParticipant.request_id == req.id)).one()
    assert rp.anonymised_at is not None and rp.reference == ""
    assert db.scalar(select(func.count()).select_from(CapacityRequest)) == 1


def test_retention_prunes_old_succeeded_runs_and_sent_mail_but_keeps_failures(ctx, db, world):
    from contracts_app.jobs.models import JobRun, RunStatus
    from contracts_app.notifications.models import OutboxMessage, OutboxStatus

    old = ctx.extensions["clock"].now() - dt.timedelta(days=91)
    db.add_all([
        JobRun(job="capacity.holds", window_key="2025-12-01T08:00Z", status=RunStatus.succeeded, trigger="schedule", attempts=1, started_at=old),
        JobRun(job="capacity.holds", window_key="2025-12-01T08:05Z", status=RunStatus.failed, trigger="schedule", attempts=1, started_at=old),
        OutboxMessage(to_address="a@test.no", subject="s", body="b", locale="nb", dedupe_key="old:sent", status=OutboxStatus.sent,
                      attempts=1, next_attempt_at=old, created_at=old),
        OutboxMessage(to_address="a@test.no", subject="s", body="b", locale="nb", dedupe_key="old:failed", status=OutboxStatus.failed,
                      attempts=8, next_attempt_at=old, created_at=old),
    ])
    db.commit()
    r = run("retention.anonymise")
    assert (r["pruned_runs"], r["pruned_emails"]) == (1, 1)
    assert {k for k in db.scalars(select(OutboxMessage.dedupe_key))} == {"old:failed"}
    assert db.scalar(select(func.count()).select_from(JobRun).where(JobRun.status == RunStatus.failed)) == 1


@pytest.mark.parametrize("age_days, kept", [(1, True), (7, True), (8, False), (400, False)])
def test_retention_deletes_stored_api_answers_after_the_idempotency_days(ctx, db, world, age_days, kept):
    from contracts_app.api.models import IdempotentAnswer

    assert ctx.config["API_IDEMPOTENCY_DAYS"] == 7
    at = ctx.extensions["clock"].now() - dt.timedelta(days=age_days, minutes=-1)
    db.add(IdempotentAnswer(owner="token:1", key=f"k-{age_days}", request_hash="0" * 64, status=201, body="{}",
                            location=None, created_at=at))
    db.commit()
    r = run("retention.anonymise")
    assert r["pruned_api_answers"] == (0 if kept else 1)
    assert (db.scalar(select(func.count()).select_from(IdempotentAnswer)) == 1) is kept


def test_retention_deletes_login_counters_that_ran_out_and_keeps_known_addresses_and_open_windows(ctx, db, world):
    from contracts_app.auth.models import LoginThrottle
    from contracts_app.auth.throttle import Limits

    now = ctx.extensions["clock"].now()
    limits = Limits.from_settings(ctx.config)
    longest = max(limits.pair_window, limits.account_window, limits.address_window)  # as forget_expired takes it
    rows = {  # (login, address): (window started, last success)
        ("spray@test.no", "198.51.100.7"): (now - longest - dt.timedelta(minutes=1), None),  # ran out: deleted
        ("", "198.51.100.7"): (None, None),  # no window open: deleted
        ("known@test.no", "192.0.2.1"): (now - longest - dt.timedelta(days=30), now - dt.timedelta(days=30)),  # kept
        ("busy@test.no", ""): (now - longest + dt.timedelta(minutes=1), None),  # window still open: kept
    }
    db.add_all(LoginThrottle(login=login, address=address, failures=3, window_started_at=started, last_success_at=success)
               for (login, address), (started, success) in rows.items())
    db.commit()
    r = run("retention.anonymise")
    assert r["pruned_login_counters"] == 2
    assert {(t.login, t.address) for t in db.scalars(select(LoginThrottle))} == {("known@test.no", "192.0.2.1"), ("busy@test.no", "")}
