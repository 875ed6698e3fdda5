"""Small helpers for watch jobs that alert once per crossing: state kept in ``job_watch_state``."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from .models import WatchState


def load(session: Session, key: str) -> dict[str, Any]:
    row = session.get(WatchState, key)
    return dict(row.state) if row is not None else {}


def save(session: Session, key: str, state: dict[str, Any], now: dt.datetime) -> None:
    row = session.get(WatchState, key)
    if row is None:
        session.add(WatchState(key=key, state=state, updated_at=now))
    elif row.state != state:
        row.state, row.updated_at = state, now
