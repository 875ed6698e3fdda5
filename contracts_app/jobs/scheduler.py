"""APScheduler 3 wiring. One dedicated process (`flask --app contracts_app scheduler run`); in development the
same scheduler may run inside the dev server (CONTRACTS_SCHEDULER_IN_PROCESS, `make run`). Web workers never
start it: wsgi.py switches the setting off, and the in-process scheduler starts on the first request a
development server handles.

APScheduler only decides *when*; *whether* is decided by the claim in ``job_runs`` (runner.py), so a second
scheduler, a restart or an overlapping run cannot run a window twice. Jobs are kept in memory (no APScheduler
job store): the schedule is code, and the database already records what ran.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask

from ..formats import zone
from .registry import JOBS
from .runner import catch_up_in_app, run_in_app

log = logging.getLogger(__name__)
RETRY_JOB = "retry-failed-windows"


def build(app: Flask, *, blocking: bool):
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    cls = BlockingScheduler if blocking else BackgroundScheduler
    # coalesce: fire once for any number of missed times; max_instances 1: never overlap with itself in this
    # process (the claim guards against other processes); a late fire within the grace time still runs.
    scheduler = cls(timezone=zone(), job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    for name, job in JOBS.items():
        scheduler.add_job(run_in_app, CronTrigger(timezone=zone(), **job.schedule.cron()), args=[app, name], id=name,
                          name=name, replace_existing=True)
    # Every quarter of an hour, every job's latest window once more: a window whose run failed (a database
    # hiccup at 00:10) or died is then retried the same day instead of tomorrow; a window that succeeded or is
    # running is someone else's, so for those this costs one claim attempt.
    scheduler.add_job(catch_up_in_app, CronTrigger(timezone=zone(), minute="7,22,37,52"), args=[app], id=RETRY_JOB,
                      name=RETRY_JOB, replace_existing=True)
    return scheduler


def run_forever(app: Flask) -> None:
    """The dedicated process: catch up once, then run on schedule until stopped."""
    scheduler = build(app, blocking=True)
    outcomes = catch_up_in_app(app)
    for o in outcomes:
        log.info("catch-up %s %s: %s %s", o.job, o.window_key, o.status, o.result or o.error or "")
    log.info("scheduler started with %d jobs", len(JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")


_started: dict[int, object] = {}
_lock = threading.Lock()


def start_in_process(app: Flask):
    """Development only: a background scheduler in this process, started once (catch-up runs in it too)."""
    with _lock:
        if id(app) in _started:
            return _started[id(app)]
        scheduler = build(app, blocking=False)
        scheduler.add_job(catch_up_in_app, args=[app], id="catch-up")  # no trigger: once, now
        scheduler.start()
        _started[id(app)] = scheduler
        log.info("in-process scheduler started (CONTRACTS_SCHEDULER_IN_PROCESS)")
        return scheduler


def init_app(app: Flask) -> None:
    if not app.config.get("SCHEDULER_IN_PROCESS"):
        return

    @app.before_request
    def _start_scheduler():
        # The first request proves this process serves the app: the reloader's parent never does.
        if id(app) not in _started:
            start_in_process(app)
