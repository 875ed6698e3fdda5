"""The one place that reads the wall clock.

Services take ``now`` as an argument; views and jobs get it from :func:`now`. Tests install a
:class:`FixedClock` on the app so that time is exact and repeatable.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask import current_app, has_app_context

from .formats import local_date


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return local_date(self.now())


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return local_date(self.at)

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


def today() -> date:
    """Today's date in the product's time zone (legal dates are Norwegian calendar dates)."""
    return local_date(now())
