"""Small helpers for watch jobs that alert once per crossing: state kept in ``job_watch_state``."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from .models import WatchState


def load(session: Session, key: str, rows: dict[str, WatchState] | None = None) -> dict[str, Any]:
    """The state kept under ``key``. ``rows``: every state of the job, read before in one statement (a key not in it
    has none), so a job watching thousands of keys does not read each one."""
    row = rows.get(key) if rows is not None else session.get(WatchState, key)
    return dict(row.state) if row is not None else {}


def save(session: Session, key: str, state: dict[str, Any], now: dt.datetime, rows: dict[str, WatchState] | None = None) -> None:
    row = rows.get(key) if rows is not None else session.get(WatchState, key)
    if row is None:
        row = WatchState(key=key, state=state, updated_at=now)
        session.add(row)
        if rows is not None:
            rows[key] = row
    elif row.state != state:
        row.state, row.updated_at = state, now
