"""Running a job exactly once per window.

The rule, in full:

1. **Claim first, in its own committed transaction.** Before a job does anything it INSERTs a ``job_runs`` row
   (job, window_key, status running) and commits. The pair is unique, so of two schedulers (or a scheduler and
   a restart) exactly one insert succeeds; the other gets a unique violation and skips the window.
2. **Re-claiming.** A window whose run *failed*, or whose run is still *running* but started more than
   ``CONTRACTS_JOB_STALE_MINUTES`` ago (its process died), may be claimed again: one conditional UPDATE
   (``… WHERE status = 'failed' OR (status = 'running' AND started_at < cutoff)``) decides who gets it, and
   ``attempts`` counts up. A succeeded window is never run again; a run started by hand always gets a window of
   its own (``schedule.manual_key``).
3. **Jobs are idempotent.** A job reads what is due now and writes each effect with a unique dedupe key
   (notifications, outbox messages) or behind a re-checked row lock (status changes), so a rerun after a crash
   — even after part of the work was committed — finds the done part done and sends nothing twice. Stale
   re-claiming is therefore safe even if the "dead" run was only slow.
4. **Catch up once.** At start the scheduler runs every job once for its latest window (the window of the
   latest scheduled start at or before now). Windows missed while it was down are not replayed one by one:
   each job works on "everything due now", so one run covers them. The same catch-up runs every quarter of an
   hour (scheduler.py), which retries a failed or dead window the same day.
"""
from __future__ import annotations

import logging
import os
import socket
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock
from ..db import begin_write, get_db
from .models import JobRun, RunStatus
from .schedule import manual_key

log = logging.getLogger(__name__)

TRIGGERS = ("schedule", "catch_up", "manual")


@dataclass
class Outcome:
    job: str
    window_key: str
    status: str  # succeeded | failed | skipped
    run_id: int | None = None
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _new_session() -> Session:
    """A session of its own (tests that roll back put theirs in ``Database.override``)."""
    database = get_db()
    return database.override() if database.override else database.factory()


def _close(session: Session) -> None:
    if get_db().override is None:
        session.close()


def _claimer() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def claim(job: str, window_key: str, *, now, trigger: str, stale_minutes: int) -> int | None:
    """Claim (job, window_key) in a committed transaction of its own. Returns the run id, or None when the
    window is someone else's (running, succeeded, or just re-claimed by another scheduler)."""
    import datetime as dt

    session = _new_session()
    try:
        begin_write(session)
        run = JobRun(job=job, window_key=window_key, status=RunStatus.running, trigger=trigger, attempts=1,
                     started_at=now, claimed_by=_claimer())
        session.add(run)
        try:
            session.commit()
            return run.id
        except IntegrityError:
            session.rollback()
        cutoff = now - dt.timedelta(minutes=stale_minutes)
        begin_write(session)
        reclaimable = (JobRun.job == job) & (JobRun.window_key == window_key) & or_(
            JobRun.status == RunStatus.failed, (JobRun.status == RunStatus.running) & (JobRun.started_at < cutoff))
        changed = session.execute(
            update(JobRun).where(reclaimable).values(
                status=RunStatus.running, trigger=trigger, attempts=JobRun.attempts + 1, started_at=now,
                finished_at=None, error=None, result=None, claimed_by=_claimer())
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        if changed != 1:
            return None
        return session.scalar(select(JobRun.id).where(JobRun.job == job, JobRun.window_key == window_key))
    finally:
        _close(session)


# Called with the session and the outcome in the transaction that records the outcome, e.g. to audit a run
# started by hand: the run's result and its audit row are committed together, by the writer that holds the lock.
OnFinish = Callable[[Session, "Outcome"], None]


def _finish(outcome: "Outcome", status: RunStatus, *, now, result=None, error=None, on_finish: OnFinish | None = None) -> None:
    session = _new_session()
    try:
        begin_write(session)
        if outcome.run_id is not None:
            session.execute(update(JobRun).where(JobRun.id == outcome.run_id).values(
                status=status, finished_at=now, result=result, error=error).execution_options(synchronize_session=False))
        if on_finish is not None:
            on_finish(session, outcome)
        session.commit()
    finally:
        _close(session)


def run_job(name: str, *, trigger: str = "schedule", now=None, window_key: str | None = None,
            on_finish: OnFinish | None = None) -> Outcome:
    """Claim the job's window and, if it is ours, run the job and record the outcome. Needs an app context.

    ``on_finish(session, outcome)`` runs in the write transaction that records the outcome (also for a skipped
    window, in one of its own). Each step is a transaction of its own on a connection of its own; a caller that
    holds a request session must not keep a transaction open on it that it will write in afterwards (on SQLite
    such a transaction has a snapshot from before the job and can no longer take the write lock)."""
    from .registry import JOBS

    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}")
    job = JOBS[name]
    now = now or clock.now()
    if window_key is None:
        window_key = manual_key(now) if trigger == "manual" else job.schedule.window_key(now)
    run_id = claim(name, window_key, now=now, trigger=trigger, stale_minutes=current_app.config["JOB_STALE_MINUTES"])
    if run_id is None:
        log.info("job %s window %s: claimed elsewhere, skipped", name, window_key)
        outcome = Outcome(name, window_key, "skipped")
        if on_finish is not None:
            _finish(outcome, RunStatus.running, now=now, on_finish=on_finish)
        return outcome
    session = _new_session()
    try:
        # Jobs read what is due and then write: on SQLite the transaction must be a writer from its start, or a
        # second writer makes the upgrade fail at once ("database is locked") instead of waiting its turn.
        begin_write(session)
        result = job.func(session, now) or {}
        session.commit()
    except Exception as exc:  # noqa: BLE001 - a job's failure is recorded, never crashes the scheduler
        session.rollback()
        error = "".join(traceback.format_exception(exc))[-8000:]
        log.exception("job %s window %s failed", name, window_key)
        outcome = Outcome(name, window_key, "failed", run_id, error=f"{type(exc).__name__}: {exc}")
        _finish(outcome, RunStatus.failed, now=clock.now(), error=error, on_finish=on_finish)
        return outcome
    finally:
        _close(session)
    outcome = Outcome(name, window_key, "succeeded", run_id, result)
    _finish(outcome, RunStatus.succeeded, now=clock.now(), result=result, on_finish=on_finish)
    log.info("job %s window %s: %s", name, window_key, result)
    return outcome


def catch_up(names: list[str] | None = None) -> list[Outcome]:
    """At start: run each job once for its latest window (nothing happens for windows already done)."""
    from .registry import JOBS

    return [run_job(name, trigger="catch_up") for name in (names or list(JOBS))]


def run_in_app(app: Flask, name: str, trigger: str = "schedule") -> Outcome:
    """What APScheduler calls: one app context per run."""
    if has_app_context() and current_app._get_current_object() is app:
        return run_job(name, trigger=trigger)
    with app.app_context():
        return run_job(name, trigger=trigger)


def catch_up_in_app(app: Flask) -> list[Outcome]:
    with app.app_context():
        return catch_up()
