"""Job runs (the exactly-once claim) and the small state the watch jobs keep between runs."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Computed, Enum, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..vocab import LabelledEnum


class RunStatus(LabelledEnum):
    running = "running"  # claimed; the job is working (or its process died: see runner.STALE rule)
    succeeded = "succeeded"
    failed = "failed"  # the job raised; its transaction was rolled back; the same window may be claimed again

    __labels__ = {"running": _l("running"), "succeeded": _l("succeeded"), "failed": _l("failed")}


#: A run that succeeded and changed nothing: every count it returned is 0 (no digit 1–9 in its result; the results
#: are counts, lists of ids and the odd date). Kept by the database in ``job_runs.idle`` (a stored generated column,
#: the same text on PostgreSQL and SQLite), so the jobs page lists and counts runs from an index.
IDLE_SQL = "status = 'succeeded' AND " + " AND ".join(
    f"coalesce(CAST(result AS TEXT), '') NOT LIKE '%{digit}%'" for digit in "123456789")


class JobRun(Base):
    """One run of one job for one time window. The unique (job, window_key) pair is the claim: whoever inserts
    the row runs the job, everyone else skips it."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job", "window_key"),
        # The jobs page: the runs that changed something (or those that did not), newest first, and their counts.
        Index("ix_job_runs_idle_started", "idle", "started_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Registry name, e.g. "agreements.reminders".
    job: Mapped[str] = mapped_column(String(60), index=True)
    # The time window this run is for: "2026-03-02" (daily), "2026-03-02T08:05Z" (every few minutes),
    # "manual:2026-03-02T08:05:13Z:ab12cd34" (started by hand: always its own window).
    window_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[RunStatus] = mapped_column(Enum(RunStatus, name="job_run_status", native_enum=False, validate_strings=True, length=20))
    # schedule | catch_up | manual
    trigger: Mapped[str] = mapped_column(String(20))
    # How many times the window was claimed (a failed or stale run claimed again counts up).
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[dt.datetime] = mapped_column(index=True)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column()
    # What the job returned (counts), JSON.
    result: Mapped[Optional[dict[str, Any]]]
    # The exception and its traceback when the job failed.
    error: Mapped[Optional[str]] = mapped_column(Text)
    # Host and process id of the scheduler that claimed the run (for operators).
    claimed_by: Mapped[Optional[str]] = mapped_column(String(120))
    # Succeeded and changed nothing (IDLE_SQL); never written by the app.
    idle: Mapped[bool] = mapped_column(Boolean, Computed(IDLE_SQL, persisted=True))

    def __repr__(self) -> str:
        return f"<JobRun {self.id} {self.job} {self.window_key} {self.status.value}>"


class WatchState(Base):
    """What a watch job remembers between runs (e.g. "budget 7 is above its warning level, crossing no. 2"),
    so it alerts once per crossing instead of once per run."""

    __tablename__ = "job_watch_state"

    # "budget:7", "split:12:34:norwegian_training" …
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"<WatchState {self.key} {self.state}>"
