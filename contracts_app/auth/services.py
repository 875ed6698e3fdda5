"""Users, memberships and login. Services flush; the caller commits."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import force_locale, gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..db import begin_write
from ..errors import Conflict, ValidationFailed
from ..organisations.models import Unit
from . import strength, throttle
from .models import Membership, Role, User

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
    sso_only_allowed: bool = False,
    sso_link: tuple[str, str] | None = None,
) -> User:
    """A new account. With ``sso_only_allowed`` (single sign-on is configured) an empty password gives an
    account without one: it logs in by SSO only (``password_hash`` is empty, which no password matches)."""
    email = normalise_login(email)
    errors = []
    if not email or "@" not in email or len(email) > 200:
        errors.append({"path": "email", "message": _("Enter a valid e-mail address.")})
    elif session.scalar(select(User.id).where(User.email == email)) is not None:
        errors.append({"path": "email", "message": _("A user with this e-mail address already exists.")})
    if not name.strip() or len(name) > 200:
        errors.append({"path": "name", "message": _("Enter a name of at most 200 characters.")})
    if sso_link is not None and session.scalar(
            select(User.id).where(User.oidc_issuer == sso_link[0], User.oidc_subject == sso_link[1])) is not None:
        errors.append({"path": "email", "message": _("This single sign-on login is already linked to another user.")})
    no_password = sso_only_allowed and not password
    problem = None if no_password else check_password_rules(password or "")
    if problem:
        errors.append({"path": "password", "message": problem})
    if errors:
        raise ValidationFailed(_("The user could not be created."), errors=errors)
    user = User(email=email, name=name.strip(), password_hash="" if no_password else hash_password(password),
                created_at=now, locale=locale)
    if sso_link is not None:
        user.oidc_issuer, user.oidc_subject, user.oidc_linked_at = sso_link[0], sso_link[1], now
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", user, at=now,
                 after={"email": email, "name": user.name, **({"sso_issuer": sso_link[0]} if sso_link else {})})
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


def refusal_message(admission: throttle.Admission) -> str:
    """What a refused attempt is told: how long to wait, and (for a lock on the account) whom to ask."""
    minutes = max(1, int(admission.retry_after.total_seconds() // 60) + 1)
    if admission.refused_by == "address":
        return _("Too many failed logins from your network. Wait %(minutes)d minutes before you try again.",
                 minutes=minutes)
    return _(
        "Too many failed attempts. Wait %(minutes)d minutes before you try again, or ask an administrator "
        "to reset your password.",
        minutes=minutes,
    )


def verify_password(user: User | None, password: str) -> bool:
    """The one place a password is checked. An unknown user costs the same time (a dummy hash is checked)."""
    try:
        return bool(_hasher.verify(user.password_hash if user else _dummy(), password or "")) and user is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, admission: throttle.Admission, password: str, *, now: dt.datetime) -> LoginResult:
    """Check the password of an attempt the throttle admitted (``throttle.admit``, committed by the caller
    first). A success clears the throttle's pair and is audited; a failure stays counted."""
    if not admission.allowed:
        return LoginResult(None, refusal_message(admission))
    login = admission.login
    user = session.scalar(select(User).where(User.email == login)) if login else None
    if not (verify_password(user, password) and user.is_active):
        return LoginResult(None, _("Wrong e-mail address or password."))
    begin_write(session)
    throttle.record_success(session, admission, now=now)
    user.last_login_at = now
    user.last_login_method = "password"
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, Actor(user.id), "user.logged_in", user, at=now, after={"address": admission.address})
    session.flush()
    return LoginResult(user)


# --- sessions and passwords ---------------------------------------------------------------------------------


def end_sessions(session: Session, user: User, *, actor: Actor, now: dt.datetime, reason: str) -> None:
    """End every session of the user: the session generation every request compares goes up by one."""
    begin_write(session)
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()
    audit.record(session, actor, "user.sessions_ended", user, at=now, after={"reason": reason})


def check_new_password(user: User, password: str, repeat: str | None = None) -> list[dict]:
    """Field errors for a new password chosen by the user: length, the repetition, and zxcvbn's estimate."""
    errors = []
    problem = check_password_rules(password)
    if problem:
        errors.append({"path": "password", "message": problem})
    else:
        advice = strength.weakness(password, [user.email, *user.email.split("@")[0].split("."), *user.name.split()])
        if advice is not None:
            errors.append({"path": "password", "message": " ".join(
                [_("This password is too easy to guess.")] + advice)})
    if repeat is not None and repeat != password:
        errors.append({"path": "repeat", "message": _("The two passwords are not the same.")})
    return errors


def _set_password(session: Session, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_reset_hash = None
    user.password_reset_expires_at = None
    throttle.unlock(session, user.email)


def change_password(
    session: Session, user: User, *, current: str, new: str, repeat: str, now: dt.datetime
) -> None:
    """The user changes their own password: the current one first, then the rules. Every session of the user
    ends (the caller starts a new one for this browser)."""
    if not verify_password(user, current):
        raise ValidationFailed(_("The password was not changed."),
                               errors=[{"path": "current", "message": _("This is not your current password.")}])
    errors = check_new_password(user, new, repeat)
    if errors:
        raise ValidationFailed(_("The password was not changed."), errors=errors)
    _set_password(session, user, new)
    audit.record(session, Actor(user.id), "user.password_changed", user, at=now)
    end_sessions(session, user, actor=Actor(user.id), now=now, reason="password_changed")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_password_reset(
    session: Session, user: User, *, actor: Actor, now: dt.datetime, valid_for: dt.timedelta, base_url: str,
    default_locale: str,
) -> None:
    """An administrator sends the user a one-time link to choose a new password. Only the link's SHA-256 is
    stored; a new link replaces an unused one. The e-mail goes through the outbox in the user's language."""
    from ..notifications import email

    if not user.is_active:
        raise Conflict(_("%(name)s is deactivated. Reactivate the user before you send a reset link.", name=user.name))
    token = secrets.token_urlsafe(32)
    user.password_reset_hash = token_hash(token)
    user.password_reset_expires_at = now + valid_for
    session.flush()
    locale = user.locale if user.locale in ("nb", "en") else default_locale
    with force_locale(locale):
        hours = int(valid_for.total_seconds() // 3600)
        subject = _("Course portal: choose a new password")
        body = "\n".join([
            _("Hello %(name)s,", name=user.name), "",
            _("An administrator has sent you a link to choose a new password for the course portal:"), "",
            base_url.rstrip("/") + "/reset-password/" + token, "",
            _("The link works once, for %(hours)d hours. If you did not expect it, tell your administrator.", hours=hours),
        ]) + "\n"
    email.enqueue(session, user, subject, body, locale=locale,
                  dedupe_key=f"password_reset:{user.id}:{user.password_reset_hash[:16]}", now=now)
    audit.record(session, actor, "user.password_reset_sent", user, at=now,
                 after={"expires_at": user.password_reset_expires_at})


def user_for_reset_token(session: Session, token: str, *, now: dt.datetime) -> User | None:
    """The user a reset link belongs to while it is unused and unexpired; None otherwise (the page says so)."""
    if not token or len(token) > 200:
        return None
    user = session.scalar(select(User).where(User.password_reset_hash == token_hash(token)))
    if user is None or not user.is_active or user.password_reset_expires_at is None or user.password_reset_expires_at <= now:
        return None
    return user


def reset_password(session: Session, token: str, *, new: str, repeat: str, now: dt.datetime) -> User:
    """Choose a new password with a reset link: the link is used up, the login unlocked, every session ended."""
    user = user_for_reset_token(session, token, now=now)
    if user is None:
        raise Conflict(_("This link to choose a new password has expired or has already been used."))
    errors = check_new_password(user, new, repeat)
    if errors:
        raise ValidationFailed(_("The password was not changed."), errors=errors)
    _set_password(session, user, new)
    audit.record(session, Actor(user.id), "user.password_reset", user, at=now)
    end_sessions(session, user, actor=Actor(user.id), now=now, reason="password_reset")
    return user


# --- account administration -----------------------------------------------------------------------------------


def set_active(session: Session, user: User, active: bool, *, actor: Actor, now: dt.datetime) -> None:
    """Deactivate (every session ends; logins are refused) or reactivate a user. Not oneself."""
    if actor.user_id == user.id and not active:
        raise Conflict(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return
    user.is_active = active
    session.flush()
    audit.record(session, actor, "user.activated" if active else "user.deactivated", user, at=now,
                 before={"is_active": not active}, after={"is_active": active})
    if not active:
        user.password_reset_hash = None
        user.password_reset_expires_at = None
        end_sessions(session, user, actor=actor, now=now, reason="deactivated")


def unlock_login(session: Session, user: User, *, actor: Actor, now: dt.datetime) -> int:
    """An administrator opens the throttle's locks on the user's login name."""
    opened = throttle.unlock(session, user.email)
    audit.record(session, actor, "user.login_unlocked", user, at=now, after={"counters": opened})
    return opened


def log_out_everywhere(session: Session, user: User, *, actor: Actor, now: dt.datetime) -> None:
    end_sessions(session, user, actor=actor, now=now, reason="administrator")


def set_locale(session: Session, user: User, locale: str) -> None:
    user.locale = locale
    session.flush()
