"""Two schedulers started at the same moment (threads with their own sessions and connections, committing for
real, on SQLite and PostgreSQL): every window runs once, and nobody is told twice."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.jobs import runner
from contracts_app.jobs.models import JobRun, RunStatus
from contracts_app.jobs.registry import JOBS
from contracts_app.notifications.models import Notification


SCHEDULERS = 2


def _world_with_work(app):
    """Something for the jobs to do: an agreement ending in 29 days, a budget over its warning level."""
    from decimal import Decimal

    from ..agreements.helpers import make_agreement
    from ..factories import make_budget, make_world

    with app.app_context():
        from contracts_app import clock
        from contracts_app.db import get_session

        clock.install_fallback(app.extensions["clock"])
        try:
            session = get_session()
            world = make_world(session)
            make_agreement(session, world, state=S.active, start_date="2024-04-01", end_date="2026-03-31")
            b = make_budget(session, world.nav_office, line="Varsel", amount="100000")
            session.flush()
            b.committed = Decimal("90000")
            session.commit()
        finally:
            clock.install_fallback(None)


def _start_together(app, target) -> list:
    barrier = threading.Barrier(SCHEDULERS)
    results: list = [None] * SCHEDULERS
    errors: list = []

    def scheduler(i):
        try:
            with app.app_context():
                barrier.wait()
                results[i] = target()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(SCHEDULERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_two_schedulers_starting_at_once_run_each_window_once(live_app):
    _world_with_work(live_app)
    with live_app.app_context():  # the set-up's own agreement notices (submitted, approved, signed …): only the jobs' count
        from sqlalchemy import delete

        from contracts_app.db import get_session

        s = get_session()
        s.execute(delete(Notification))
        s.commit()
    results = _start_together(live_app, runner.catch_up)
    for name in JOBS:
        statuses = sorted(next(o for o in outcomes if o.job == name).status for outcomes in results)
        assert statuses == ["skipped", "succeeded"], (name, statuses)
    # and again, as both fire on the same schedule tick
    for name in ("agreements.reminders", "budget.alerts", "notifications.mailer"):
        statuses = sorted(o.status for o in _start_together(live_app, lambda: runner.run_job(name)))
        assert statuses == ["skipped", "skipped"], (name, statuses)  # the windows ran at catch-up
    with live_app.app_context():
        from contracts_app.db import get_session

        s = get_session()
        runs = s.scalars(select(JobRun)).all()
        assert len(runs) == len(JOBS)
        assert all(r.status == RunStatus.succeeded and r.attempts == 1 for r in runs), runs
        kinds = dict(s.execute(select(Notification.kind, func.count()).group_by(Notification.kind)).all())
        # coordinator, budget owner and legal reviewer once each; the Nav office's budget owner once per alert
        assert kinds == {"agreement.ends_soon": 3, "budget.warning_crossed": 1, "budget.runout_soon": 1}, kinds
        keys = s.scalars(select(Notification.dedupe_key)).all()
        assert len(keys) == len(set(keys))


def test_two_schedulers_racing_for_a_stale_run_claim_it_once(live_app):
    import datetime as dt

    with live_app.app_context():
        from contracts_app.db import get_session

        clock = live_app.extensions["clock"]
        window = JOBS["budget.alerts"].schedule.window_key(clock.now())
        assert runner.claim("budget.alerts", window, now=clock.now() - dt.timedelta(hours=2), trigger="schedule",
                            stale_minutes=60) is not None  # a run that started two hours ago and died
        get_session().close()
    results = _start_together(live_app, lambda: runner.run_job("budget.alerts"))
    assert sorted(o.status for o in results) == ["skipped", "succeeded"]
    with live_app.app_context():
        from contracts_app.db import get_session

        [run] = get_session().scalars(select(JobRun)).all()
        assert (run.status, run.attempts) == (RunStatus.succeeded, 2)
