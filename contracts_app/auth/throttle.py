"""The login throttle: every attempt is counted before the password is checked, with one atomic statement per key.

Three counters (rows of ``login_throttle``), taken in this order by every attempt, so two attempts never wait for
each other's rows the other way round:

1. ``("", address)`` — one client address over every login name: stops spraying one password over many accounts.
2. ``(login, address)`` — one login name from one address: the lock a user meets after ``pair`` attempts. Only
   this address is locked, so an attacker elsewhere cannot lock the owner out with it.
3. ``(login, "")`` — one login name from every address, a slower limit over a longer window that caps guessing
   from many addresses. It is not applied at an address the account has logged in from before
   (``last_success_at`` on the pair row), so a distributed attacker cannot keep a known user out.

Each counter is ``INSERT … ON CONFLICT (login, address) DO UPDATE SET failures = failures + 1 … RETURNING``: the
database serialises the increments, so of any number of simultaneous attempts exactly the first ``limit`` see a
count within the limit, and only those may check a password. A later counter is not touched once an earlier one
refuses, so attempts refused at the address never use up an account's budget. A success marks the address as
known for the login and gives its own attempt (and only that) back to the counters (``record_success``): at most
``pair`` wrong passwords are checked per window, whatever the order of a burst, while correct logins never lock.

A window starts at its first attempt and lasts its length; attempts over the limit are refused until it runs out.
Services flush, the caller commits: the view commits the counts *before* it checks the password, so a crash or a
slow hash cannot lose them.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import Mapping

from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..db import begin_write, upsert
from .models import LoginThrottle

ANY = ""  # the address of an account-wide row, the login of an address row


@dataclass(frozen=True)
class Limits:
    """How many attempts each counter allows per window (CONTRACTS_LOGIN_* settings)."""

    pair: int = 5
    pair_window: dt.timedelta = dt.timedelta(minutes=15)
    account: int = 20
    account_window: dt.timedelta = dt.timedelta(minutes=60)
    address: int = 100
    address_window: dt.timedelta = dt.timedelta(minutes=15)

    @classmethod
    def from_settings(cls, cfg: Mapping) -> "Limits":
        return cls(
            pair=int(cfg["LOGIN_MAX_FAILURES"]),
            pair_window=dt.timedelta(minutes=int(cfg["LOGIN_LOCKOUT_MINUTES"])),
            account=int(cfg["LOGIN_ACCOUNT_MAX_FAILURES"]),
            account_window=dt.timedelta(minutes=int(cfg["LOGIN_ACCOUNT_WINDOW_MINUTES"])),
            address=int(cfg["LOGIN_ADDRESS_MAX_FAILURES"]),
            address_window=dt.timedelta(minutes=int(cfg["LOGIN_LOCKOUT_MINUTES"])),
        )


def forget_expired(session: Session, limits: Limits, *, now: dt.datetime) -> int:
    """Delete the counters whose window ran out before the longest window and that remember no successful login:
    the next attempt would start such a counter again from one, so deleting it changes nothing, and without this
    every login name and address ever tried (a spraying attack's thousands) stays in the table. A pair that has
    logged in keeps its row: it marks an address the account is known at."""
    t = LoginThrottle.__table__
    before = now - max(limits.pair_window, limits.account_window, limits.address_window)
    gone = or_(t.c.window_started_at.is_(None), t.c.window_started_at <= literal(before, t.c.window_started_at.type))
    return session.execute(t.delete().where(t.c.last_success_at.is_(None), gone)).rowcount or 0


@dataclass(frozen=True)
class Admission:
    """The throttle's answer for one attempt. ``refused_by`` is None (check the password), "address",
    "login" (the pair) or "account"; ``retry_after`` is how long until the refusing window runs out."""

    login: str
    address: str
    refused_by: str | None = None
    retry_after: dt.timedelta = dt.timedelta(0)
    counted_account: bool = False

    @property
    def allowed(self) -> bool:
        return self.refused_by is None


def client_address(remote_addr: str | None) -> str:
    """The key for a client address: IPv4 as it is, IPv6 as its /64 network (one subscriber usually holds a whole
    /64, so single addresses would give an attacker 2^64 fresh counters)."""
    try:
        ip = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _count(session: Session, login: str, address: str, window: dt.timedelta, now: dt.datetime):
    """Count one attempt for the key, atomically: a new row, the next count in the open window, or 1 in a new
    window. Returns (failures, window_started_at, last_success_at) after the increment."""
    t = LoginThrottle.__table__
    at = literal(now, t.c.window_started_at.type)
    expired = or_(t.c.window_started_at.is_(None), t.c.window_started_at <= literal(now - window, t.c.window_started_at.type))
    stmt = (
        upsert(session, LoginThrottle)
        .values(login=login, address=address, failures=1, window_started_at=now)
        .on_conflict_do_update(
            index_elements=[t.c.login, t.c.address],
            set_={
                "failures": case((expired, 1), else_=t.c.failures + 1),
                "window_started_at": case((expired, at), else_=t.c.window_started_at),
            },
        )
        .returning(t.c.failures, t.c.window_started_at, t.c.last_success_at)
    )
    return session.execute(stmt).one()


def admit(session: Session, login: str, address: str, *, limits: Limits, now: dt.datetime) -> Admission:
    """Count this attempt on the address, the (login, address) pair and — unless the address is known for the
    login — the login; refuse at the first counter over its limit. The first refusal of a window is audited."""
    begin_write(session)  # SQLite: take the write lock at BEGIN, so a concurrent writer cannot fail our upgrade
    login = login[:200]
    steps = [("address", ANY, address, limits.address, limits.address_window),
             ("login", login, address, limits.pair, limits.pair_window)]
    counted_account = False
    for name, key_login, key_address, limit, window in steps:
        failures, started, last_success = _count(session, key_login, key_address, window, now)
        if failures > limit:
            return _refuse(session, login, address, name, failures, limit, started + window - now, now)
    if last_success is None:  # the pair's row: an address this account has never logged in from
        counted_account = True
        failures, started, _ = _count(session, login, ANY, limits.account_window, now)
        if failures > limits.account:
            return _refuse(session, login, address, "account", failures, limits.account,
                           started + limits.account_window - now, now, counted_account=True)
    return Admission(login, address, counted_account=counted_account)


def _refuse(session, login, address, name, failures, limit, retry_after, now, counted_account=False) -> Admission:
    if failures == limit + 1:
        audit.record(session, audit.SYSTEM, "user.login_locked", None, at=now, object_type="login",
                     object_id=(login or address)[:64], after={"counter": name, "address": address, "limit": limit})
    session.flush()
    return Admission(login, address, refused_by=name, retry_after=max(retry_after, dt.timedelta(0)),
                     counted_account=counted_account)


def record_success(session: Session, admission: Admission, *, now: dt.datetime) -> None:
    """A right password: remember the address as known for the login, and give this attempt — only this one — back
    to each counter it used. Failures stay counted, so however a burst interleaves, no more than ``pair`` *wrong*
    passwords are checked per window (each success frees exactly its own slot); someone who logs in correctly many
    times is never locked. Same row order as :func:`admit`."""
    t = LoginThrottle.__table__
    refund = {"failures": case((t.c.failures > 0, t.c.failures - 1), else_=0)}
    session.execute(update(t).where(t.c.login == ANY, t.c.address == admission.address).values(**refund))
    session.execute(update(t).where(t.c.login == admission.login, t.c.address == admission.address)
                    .values(**refund, last_success_at=now))
    if admission.counted_account:
        session.execute(update(t).where(t.c.login == admission.login, t.c.address == ANY).values(**refund))


def unlock(session: Session, login: str) -> int:
    """Open every lock on a login name (an administrator's unlock, a completed password reset); the addresses
    it is known at stay known. Returns how many counters were open."""
    t = LoginThrottle.__table__
    return session.execute(
        update(t).where(t.c.login == login, t.c.login != ANY, t.c.failures > 0).values(failures=0, window_started_at=None)
    ).rowcount


def is_locked(session: Session, login: str, *, limits: Limits, now: dt.datetime) -> bool:
    """Whether some counter of the login is over its limit now (the admin page shows "locked")."""
    rows = session.execute(select(LoginThrottle.address, LoginThrottle.failures, LoginThrottle.window_started_at)
                           .where(LoginThrottle.login == login)).all()
    for address, failures, started in rows:
        limit, window = (limits.account, limits.account_window) if address == ANY else (limits.pair, limits.pair_window)
        if started is not None and failures >= limit and started + window > now:
            return True
    return False
