"""The one place that reads the wall clock.

Services take ``now`` as an argument; views and jobs get it from :func:`now`. Tests install a
:class:`FixedClock` on the app so that time is exact and repeatable.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

OSLO = ZoneInfo("Europe/Oslo")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return self.now().astimezone(OSLO).date()


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.astimezone(OSLO).date()

    def advance(self, **delta) -> None:
        self.at = self.at + timedelta(**delta)


_system = SystemClock()
_fallback: SystemClock | FixedClock = _system


def install_fallback(clock: SystemClock | FixedClock | None) -> None:
    """The clock used outside an app context (tests calling services directly); None restores the system clock."""
    global _fallback
    _fallback = clock or _system


def now() -> datetime:
    """Current time, aware, in UTC."""
    if has_app_context():
        return current_app.extensions.get("clock", _fallback).now()
    return _fallback.now()


def local_date(at: datetime) -> date:
    """The Norwegian calendar date of an aware moment."""
    return at.astimezone(OSLO).date()


def today() -> date:
    """Today's date in Norway (legal dates are Norwegian calendar dates)."""
    return now().astimezone(OSLO).date()
