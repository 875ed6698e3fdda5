"""When jobs run, and which time window a moment belongs to. Pure: no database, no clock.

A window is the unit of "exactly once": a daily job has one window per Norwegian calendar day (key
"2026-03-02"), a job every N minutes one per N-minute slot (key "2026-03-02T08:05Z"). The window of a moment is
the one of the latest scheduled start at or before it, so a run that starts late, or a catch-up after the
process was down, still lands in the window it belongs to.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from ..formats import zone

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Schedule:
    """Either ``daily_at`` (wall-clock time in ``CONTRACTS_TIMEZONE``; avoid 02:00–02:59, which daylight saving skips or repeats)
    or ``every_minutes`` (a divisor of 60, aligned to the hour)."""

    daily_at: dt.time | None = None
    every_minutes: int | None = None

    def __post_init__(self):
        if (self.daily_at is None) == (self.every_minutes is None):
            raise ValueError("a schedule is either daily_at or every_minutes")
        if self.every_minutes is not None and (self.every_minutes < 1 or 60 % self.every_minutes):
            raise ValueError("every_minutes must divide 60")
        if self.daily_at is not None and self.daily_at.hour == 2:
            raise ValueError("daylight saving skips or repeats 02:00–02:59 in Oslo: choose another hour")

    def window_start(self, now: dt.datetime) -> dt.datetime:
        """The latest scheduled start at or before ``now`` (aware UTC)."""
        if self.every_minutes is not None:
            minutes = int((now - EPOCH).total_seconds() // 60)
            return EPOCH + dt.timedelta(minutes=minutes - minutes % self.every_minutes)
        local = now.astimezone(zone())
        start = dt.datetime.combine(local.date(), self.daily_at, tzinfo=zone())
        if start > local:
            start = dt.datetime.combine(local.date() - dt.timedelta(days=1), self.daily_at, tzinfo=zone())
        return start.astimezone(dt.timezone.utc)

    def window_key(self, now: dt.datetime) -> str:
        start = self.window_start(now)
        if self.every_minutes is not None:
            return start.strftime("%Y-%m-%dT%H:%MZ")
        return start.astimezone(zone()).date().isoformat()

    def cron(self) -> dict:
        """APScheduler CronTrigger fields (the trigger is given the product's time zone)."""
        if self.every_minutes == 60:
            return {"minute": 0}
        if self.every_minutes is not None:
            return {"minute": f"*/{self.every_minutes}"}
        return {"hour": self.daily_at.hour, "minute": self.daily_at.minute}

    def describe(self) -> str:
        if self.every_minutes is not None:
            return f"every {self.every_minutes} min"
        return f"daily {self.daily_at.strftime('%H:%M')}"


def manual_key(now: dt.datetime) -> str:
    """A run started by hand gets a window of its own, so it never collides with (or blocks) a scheduled one."""
    return f"manual:{now.astimezone(dt.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}:{secrets.token_hex(4)}"
