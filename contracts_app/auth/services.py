"""Users, memberships and login. Services flush; the caller commits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..errors import ValidationFailed
from ..organisations.models import Unit
from .models import LoginThrottle, Membership, Role, User

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def _dummy() -> str:
    """A hash to verify against when the login name is unknown, so both paths cost the same time.
    Made on first use, not at import, so command-line start-up stays fast."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not-a-real-password")
    return _dummy_hash

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_login(email: str) -> str:
    return (email or "").strip().lower()


def check_password_rules(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    return None


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    actor: Actor,
    now: dt.datetime,
    locale: str | None = None,
) -> User:
    email = normalise_login(email)
    errors = []
    if not email or "@" not in email or len(email) > 200:
        errors.append({"path": "email", "message": _("Enter a valid e-mail address.")})
    elif session.scalar(select(User.id).where(User.email == email)) is not None:
        errors.append({"path": "email", "message": _("A user with this e-mail address already exists.")})
    if not name.strip() or len(name) > 200:
        errors.append({"path": "name", "message": _("Enter a name of at most 200 characters.")})
    problem = check_password_rules(password)
    if problem:
        errors.append({"path": "password", "message": problem})
    if errors:
        raise ValidationFailed(_("The user could not be created."), errors=errors)
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), created_at=now, locale=locale)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", user, at=now, after={"email": email, "name": user.name})
    return user


def add_membership(
    session: Session, user: User, *, role: Role, unit: Unit | None, actor: Actor, now: dt.datetime
) -> Membership:
    if role != Role.admin and unit is None:
        raise ValidationFailed(_("Choose a unit for this role."), errors=[{"path": "unit_id", "message": _("Required.")}])
    for m in user.memberships:
        if m.role == role and m.unit_id == (unit.id if unit else None):
            return m
    m = Membership(user=user, unit=unit, role=role)
    session.add(m)
    session.flush()
    audit.record(
        session,
        actor,
        "membership.added",
        m,
        at=now,
        after={"user_id": user.id, "unit_id": unit.id if unit else None, "role": role.value},
    )
    return m


def remove_membership(session: Session, membership: Membership, *, actor: Actor, now: dt.datetime) -> None:
    before = {"user_id": membership.user_id, "unit_id": membership.unit_id, "role": membership.role.value}
    audit.record(session, actor, "membership.removed", membership, at=now, before=before)
    session.delete(membership)
    session.flush()


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None


def authenticate(
    session: Session, email: str, password: str, *, now: dt.datetime, max_failures: int, lockout_minutes: int
) -> LoginResult:
    """Check a login. Repeated failures for a login name lock it for a while, whether the name exists or not."""
    login = normalise_login(email)
    throttle = session.scalar(select(LoginThrottle).where(LoginThrottle.login == login))
    if throttle and throttle.locked_until and throttle.locked_until > now:
        minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
        return LoginResult(
            None,
            _(
                "Too many failed attempts. Wait %(minutes)d minutes before you try again, or ask an administrator "
                "to reset your password.",
                minutes=minutes,
            ),
        )
    user = session.scalar(select(User).where(User.email == login)) if login else None
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _dummy(), password or "") and user is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if ok and user.is_active:
        if throttle:
            throttle.failures = 0
            throttle.locked_until = None
        user.last_login_at = now
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit.record(session, Actor(user.id), "user.logged_in", user, at=now)
        session.flush()
        return LoginResult(user)

    if throttle is None:
        throttle = LoginThrottle(login=login[:200], failures=0)
        session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= max_failures:
        throttle.locked_until = now + dt.timedelta(minutes=lockout_minutes)
        throttle.failures = 0
        audit.record(
            session, audit.SYSTEM, "user.login_locked", None, at=now, object_type="login", object_id=login[:64]
        )
    session.flush()
    return LoginResult(None, _("Wrong e-mail address or password."))



def set_locale(session: Session, user: User, locale: str) -> None:
    user.locale = locale
    session.flush()
