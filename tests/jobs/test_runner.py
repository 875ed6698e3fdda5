"""The claim: one run per (job, window); failed and stale runs can be claimed again; catch-up runs once."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from contracts_app.jobs import registry, runner
from contracts_app.jobs.models import JobRun, RunStatus
from contracts_app.jobs.registry import Job
from contracts_app.jobs.schedule import Schedule, manual_key

from ..support import FIXED_NOW

UTC = dt.timezone.utc


@pytest.mark.parametrize("schedule,at,key", [
    # 06:00 Oslo = 05:00 UTC in winter
    (Schedule(daily_at=dt.time(6, 0)), dt.datetime(2026, 3, 2, 4, 59, tzinfo=UTC), "2026-03-01"),
    (Schedule(daily_at=dt.time(6, 0)), dt.datetime(2026, 3, 2, 5, 0, tzinfo=UTC), "2026-03-02"),
    (Schedule(daily_at=dt.time(6, 0)), dt.datetime(2026, 3, 2, 22, 59, tzinfo=UTC), "2026-03-02"),
    # summer time: 06:00 Oslo = 04:00 UTC
    (Schedule(daily_at=dt.time(6, 0)), dt.datetime(2026, 7, 1, 4, 0, tzinfo=UTC), "2026-07-01"),
    (Schedule(daily_at=dt.time(0, 10)), dt.datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "2026-03-02"),
    (Schedule(every_minutes=5), dt.datetime(2026, 3, 2, 8, 7, 59, tzinfo=UTC), "2026-03-02T08:05Z"),
    (Schedule(every_minutes=60), dt.datetime(2026, 3, 2, 8, 59, tzinfo=UTC), "2026-03-02T08:00Z"),
    (Schedule(every_minutes=1), dt.datetime(2026, 3, 2, 8, 59, 30, tzinfo=UTC), "2026-03-02T08:59Z"),
])
def test_window_of_a_moment_is_the_latest_scheduled_start(schedule, at, key):
    assert schedule.window_key(at) == key


def test_schedules_refuse_what_cannot_be_windowed():
    with pytest.raises(ValueError):
        Schedule(every_minutes=7)
    with pytest.raises(ValueError):
        Schedule(daily_at=dt.time(2, 30))  # skipped or repeated when daylight saving changes
    with pytest.raises(ValueError):
        Schedule()
    assert manual_key(FIXED_NOW) != manual_key(FIXED_NOW)


@pytest.fixture
def fake_jobs(monkeypatch):
    """Two jobs whose effects we can count: 'ok' writes a watch-state row, 'boom' writes one and then fails."""
    from contracts_app.jobs import watch

    calls = {"ok": 0, "boom": 0}

    def ok(session, now):
        calls["ok"] += 1
        watch.save(session, f"test:ok:{calls['ok']}", {"n": calls["ok"]}, now)
        return {"n": calls["ok"]}

    def boom(session, now):
        calls["boom"] += 1
        watch.save(session, f"test:boom:{calls['boom']}", {}, now)
        session.flush()
        raise RuntimeError("the disk is full")

    jobs = {"test.ok": Job("test.ok", ok, Schedule(daily_at=dt.time(6, 0)), "ok"),
            "test.boom": Job("test.boom", boom, Schedule(every_minutes=5), "fails")}
    monkeypatch.setattr(registry, "JOBS", jobs)
    return calls


def _runs(db, job=None):
    stmt = select(JobRun).order_by(JobRun.id)
    if job:
        stmt = stmt.where(JobRun.job == job)
    return db.scalars(stmt.execution_options(populate_existing=True)).all()


def test_a_window_runs_once_and_records_its_result(ctx, db, fake_jobs):
    first = runner.run_job("test.ok")
    second = runner.run_job("test.ok")
    assert (first.status, second.status) == ("succeeded", "skipped")
    assert first.window_key == second.window_key == "2026-03-02"  # FIXED_NOW is 09:00 in Oslo
    assert fake_jobs["ok"] == 1
    [run] = _runs(db)
    assert (run.status, run.result, run.attempts, run.trigger) == (RunStatus.succeeded, {"n": 1}, 1, "schedule")
    assert run.started_at == FIXED_NOW and run.finished_at == FIXED_NOW


def test_a_failed_run_is_recorded_its_work_rolled_back_and_the_window_can_be_claimed_again(ctx, db, fake_jobs):
    from contracts_app.jobs.models import WatchState

    out = runner.run_job("test.boom")
    assert out.status == "failed" and "the disk is full" in out.error
    [run] = _runs(db)
    assert run.status == RunStatus.failed and "RuntimeError: the disk is full" in run.error
    assert db.scalar(select(func.count()).select_from(WatchState)) == 0  # rolled back
    again = runner.run_job("test.boom")  # same window: a failed window may be claimed again
    assert again.window_key == out.window_key and again.status == "failed"
    assert _runs(db)[0].attempts == 2


def test_a_running_window_is_skipped_until_it_is_stale(ctx, db, fake_jobs, clock):
    key = Schedule(daily_at=dt.time(6, 0)).window_key(FIXED_NOW)
    assert runner.claim("test.ok", key, now=FIXED_NOW, trigger="schedule", stale_minutes=60) is not None
    # the process that claimed it died: nobody else may run it for an hour …
    clock.advance(minutes=59)
    assert runner.run_job("test.ok", window_key=key).status == "skipped"
    # … then the window is taken for crashed and claimed again
    clock.advance(minutes=2)
    out = runner.run_job("test.ok", window_key=key)
    assert out.status == "succeeded"
    [run] = _runs(db)
    assert run.attempts == 2 and run.status == RunStatus.succeeded
    assert fake_jobs["ok"] == 1


def test_catch_up_runs_each_job_once_for_its_latest_window(ctx, db, fake_jobs, clock):
    # the scheduler was down since yesterday 05:00: yesterday's and today's 06:00 runs were missed
    outcomes = runner.catch_up(["test.ok"])
    assert [o.status for o in outcomes] == ["succeeded"] and fake_jobs["ok"] == 1
    assert [r.window_key for r in _runs(db)] == ["2026-03-02"]
    assert _runs(db)[0].trigger == "catch_up"
    # a restart a minute later does nothing
    clock.advance(minutes=1)
    assert [o.status for o in runner.catch_up(["test.ok"])] == ["skipped"]
    # tomorrow at 06:00 the schedule runs the new window
    clock.advance(days=1)
    assert runner.run_job("test.ok").window_key == "2026-03-03"


def test_a_manual_run_gets_a_window_of_its_own(ctx, db, fake_jobs):
    assert runner.run_job("test.ok").status == "succeeded"
    manual = runner.run_job("test.ok", trigger="manual")
    assert manual.status == "succeeded" and manual.window_key.startswith("manual:2026-03-02T08:00:00Z:")
    assert fake_jobs["ok"] == 2


def test_every_registered_job_runs_on_an_empty_world(ctx, db, world):
    for name in registry.JOBS:
        out = runner.run_job(name)
        assert out.status == "succeeded", (name, out.error)
    assert len(_runs(db)) == len(registry.JOBS) == 11


def test_apscheduler_gets_one_cron_job_per_registered_job_in_oslo_time(app):
    from contracts_app.jobs.scheduler import RETRY_JOB, build

    scheduler = build(app, blocking=False)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == set(registry.JOBS) | {RETRY_JOB}
    assert str(jobs[RETRY_JOB].trigger) == "cron[minute='7,22,37,52']"
    assert str(jobs["agreements.reminders"].trigger) == "cron[hour='6', minute='0']"
    assert str(jobs["budget.alerts"].trigger) == "cron[minute='0']"
    assert str(jobs["capacity.holds"].trigger.timezone) == "Europe/Oslo"


def test_web_workers_never_start_the_scheduler(monkeypatch):
    monkeypatch.setenv("CONTRACTS_SCHEDULER_IN_PROCESS", "1")
    monkeypatch.setenv("CONTRACTS_SECRET_KEY", "x" * 40)
    import importlib

    import wsgi

    importlib.reload(wsgi)
    assert wsgi.app.config["SCHEDULER_IN_PROCESS"] is False
    assert not any(f.__name__ == "_start_scheduler" for f in wsgi.app.before_request_funcs.get(None, []))


def test_the_development_server_starts_it_on_its_first_request(monkeypatch, tmp_path):
    from contracts_app import create_app
    from contracts_app.jobs import scheduler

    started = []
    monkeypatch.setattr(scheduler, "start_in_process", lambda app: started.append(app))
    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "SCHEDULER_IN_PROCESS": "on"})
    app.test_client().get("/healthz")
    assert started == [app]
