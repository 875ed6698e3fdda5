"""API tokens: scopes, the secret and its hash, creating and revoking (audited), authenticating a call, and
the per-token rate limit.

**What a token may do.** A token acts as the person who made it, with at most their roles at its unit: a call
with ``Authorization: Bearer <token>`` acts as the principal
``Principal(user_id=token.created_by_id, unit_id=token.unit_id, roles=R)`` where ``R`` is the roles the token's
creator holds *now* at the token's unit, without ``admin`` (admin is the operator's role, not a unit's: no
token carries it). The same ``@requires`` predicates and the same services as the pages then decide, so a
token can never do more than its creator could at that unit.

**Who manages tokens.** Every member with a role at a unit (advisor, budget owner, provider coordinator, legal
reviewer) creates tokens for that unit, for themselves, and sees and revokes their own; a unit's provider
coordinator also sees and revokes the unit's tokens; administrators see and revoke every token. Nobody creates a
token for a unit where they hold no role — not even an administrator: it would act with no roles and be refused
everywhere, so the form says so on the unit field instead (:func:`create_token`). On top of that every ``/api/v1`` operation names
one scope (:data:`SCOPES`); a token without that scope gets 403 even when the roles would allow the call.
A browser session is not limited by scopes. A token stops working (401) when it is revoked, has expired, or
its creator is deactivated.

**The secret.** ``ctk_<prefix>_<secret>``: ``prefix`` is 8 random hex characters shown in lists and audit
events; ``secret`` is 32 random bytes (256 bits, ``secrets.token_urlsafe``). Only the SHA-256 of the whole
token is stored. A fast unkeyed hash is the right tool for a random 256-bit secret: there is no dictionary to
try, so argon2 would only make every call slow, and a key (HMAC with SECRET_KEY) would add nothing but would
break every token when the key is rotated.

**Rate limit.** A fixed window per token counted in the token's row with one atomic
``UPDATE … RETURNING`` committed at once (:func:`count_call`). In the database, not in memory: with several
gunicorn workers an in-memory counter would give each worker its own window, so the real limit would be the
limit times the number of workers, and it would start over with every restart.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..audit import Actor
from ..auth import permissions as perm
from ..auth.models import Role, User
from ..auth.permissions import Principal
from ..errors import NotFound, ValidationFailed
from ..organisations.models import Unit
from .models import ApiToken

#: scope → what it lets a token call (labels for the form; the operations name their scope).
SCOPES: dict[str, object] = {
    "read": _l("Read: courses, free seats, requests, purchases, budget lines, the OCDS publication, the caller"),
    "capacity": _l("Capacity: request free seats, withdraw, accept and decline requests"),
    "purchases": _l("Purchases: price, buy and cancel seat purchases, register the actual cost"),
    "agreements": _l("Agreements: read agreements, their versions and documents"),
    "rules": _l("Rules: the rules engine (assess facts) and the threshold table"),
}

TOKEN_PATTERN = re.compile(r"^ctk_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$")
MAX_DAYS = 366
NAME_MAX = 100


def can_manage_tokens(p: Principal) -> bool:
    """The token pages: every member with a role at their active unit, and administrators."""
    return perm.can_manage_api_tokens(p)


def scope_labels(scopes: str | list[str]) -> list[str]:
    """The labels of a token's scopes (stored space-separated), in the order of :data:`SCOPES`."""
    codes = set(scopes.split() if isinstance(scopes, str) else scopes)
    return [str(label) for code, label in SCOPES.items() if code in codes]


def acting_roles(user: User | None, unit_id: int) -> list[Role]:
    """The roles a token of ``user`` at ``unit_id`` acts with (now): theirs at the unit, never admin."""
    if user is None:
        return []
    return sorted((r for r in user.roles_at(unit_id) if r != Role.admin), key=lambda r: list(Role).index(r))


def creatable_units(session: Session, user_id: int) -> list[Unit]:
    """The units ``user_id`` may create tokens for: where they hold a role other than admin."""
    user = session.get(User, user_id)
    return [] if user is None else [u for u in user.units() if acting_roles(user, u.id)]


def hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def new_secret() -> tuple[str, str]:
    """(prefix, whole token)."""
    prefix = secrets.token_hex(4)
    return prefix, f"ctk_{prefix}_{secrets.token_urlsafe(32)}"


@dataclass
class TokenInput:
    name: str
    unit_id: int | None
    scopes: list[str]
    expires_on: dt.date | None


def _summary(t: ApiToken) -> dict:
    return audit.snapshot(t, ["name", "unit_id", "scopes", "prefix", "expires_at", "revoked_at"])


def may_revoke(p: Principal, token: ApiToken) -> bool:
    """Administrators any token; the creator their own; a unit's provider coordinator the unit's tokens."""
    return (p.has(Role.admin) or token.created_by_id == p.user_id
            or (p.has(Role.provider_coordinator) and p.unit_id is not None and token.unit_id == p.unit_id))


def create_token(session: Session, data: TokenInput, *, principal: Principal, now: dt.datetime, today: dt.date) -> tuple[ApiToken, str]:
    """Store a new token (its hash) and return it with the secret, which is never shown again."""
    errors = []
    name = (data.name or "").strip()
    if not 1 <= len(name) <= NAME_MAX:
        errors.append({"path": "name", "message": _("Give the token a name (1–%(n)d characters).", n=NAME_MAX)})
    unit = session.get(Unit, data.unit_id) if data.unit_id else None
    if unit is None:
        errors.append({"path": "unit_id", "message": _("Choose a unit.")})
    scopes = sorted(set(data.scopes or []))
    if not scopes or any(s not in SCOPES for s in scopes):
        errors.append({"path": "scopes", "message": _("Choose at least one scope.")})
    if data.expires_on is None or not today < data.expires_on <= today + dt.timedelta(days=MAX_DAYS):
        errors.append({"path": "expires_on", "message": _("Choose an expiry date after today and at most %(n)d days ahead.", n=MAX_DAYS)})
    if unit is not None and not acting_roles(session.get(User, principal.user_id), unit.id):
        # A token acts as its creator with their roles at the unit: with none it would be refused everywhere.
        errors.append({"path": "unit_id", "message": _(
            "You have no role at %(unit)s. A token acts as the person who creates it, with that person's roles at the "
            "unit, so a token you create for it could do nothing. Ask someone with a role there to create it.",
            unit=unit.name)})
    if errors:
        raise ValidationFailed(_("The token was not created."), errors=errors)
    prefix, secret = new_secret()
    from .. import formats

    token = ApiToken(
        name=name, unit_id=unit.id, scopes=" ".join(scopes), prefix=prefix, secret_hash=hash_secret(secret),
        expires_at=formats.end_of_day(data.expires_on), created_by_id=principal.user_id, created_at=now, rate_count=0,
    )
    session.add(token)
    session.flush()
    audit.record(session, Actor(principal.user_id, principal.unit_id), "api_token.created", token, at=now, after=_summary(token))
    return token, secret


def visible_tokens(session: Session, p: Principal) -> list[ApiToken]:
    """Administrators: every token; a provider coordinator: the active unit's and their own; anyone else: their own.
    The creators' memberships load with them (the list shows whom each token acts as, with which roles)."""
    stmt = (select(ApiToken).options(selectinload(ApiToken.created_by).selectinload(User.memberships))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()).execution_options(populate_existing=True))
    if not p.has(Role.admin):
        mine = ApiToken.created_by_id == p.user_id
        stmt = stmt.where(or_(mine, ApiToken.unit_id == p.unit_id) if p.has(Role.provider_coordinator) and p.unit_id else mine)
    return list(session.scalars(stmt.limit(500)).all())


def revoke_token(session: Session, token_id: int, *, principal: Principal, now: dt.datetime) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or not may_revoke(principal, token):
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        before = _summary(token)
        token.revoked_at, token.revoked_by_id = now, principal.user_id
        session.flush()
        audit.record(session, Actor(principal.user_id, principal.unit_id), "api_token.revoked", token, at=now,
                     before=before, after=_summary(token))
    return token


# --- authenticating a call -------------------------------------------------------------------------------

class TokenRefused(Exception):
    """401: ``reason`` says why (never which part of the token was wrong)."""


def authenticate(session: Session, presented: str, *, now: dt.datetime) -> tuple[ApiToken, User, Principal]:
    if not TOKEN_PATTERN.match(presented or ""):
        raise TokenRefused("malformed")
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == hash_secret(presented)))
    if token is None:
        raise TokenRefused("unknown")
    if token.revoked_at is not None:
        raise TokenRefused("revoked")
    if token.expires_at <= now:
        raise TokenRefused("expired")
    user = token.created_by
    if user is None or not user.is_active:
        raise TokenRefused("creator inactive")
    roles = frozenset(acting_roles(user, token.unit_id))
    return token, user, Principal(user.id, token.unit_id, roles)


def count_call(session: Session, token_id: int, *, now: dt.datetime, limit: int, window_seconds: int) -> int | None:
    """Count one call in the token's fixed window; return None when allowed, else the seconds until the window
    ends (for ``Retry-After``). One atomic statement, committed at once: parallel calls on several workers
    each see their own count, and a refused or failing call still counts."""
    cutoff = now - dt.timedelta(seconds=window_seconds)
    fresh = (ApiToken.rate_window_started_at.is_(None)) | (ApiToken.rate_window_started_at <= cutoff)
    row = session.execute(
        update(ApiToken).where(ApiToken.id == token_id).values(
            rate_count=case((fresh, 1), else_=ApiToken.rate_count + 1),
            rate_window_started_at=case((fresh, now), else_=ApiToken.rate_window_started_at),
            last_used_at=now,
        ).returning(ApiToken.rate_count, ApiToken.rate_window_started_at).execution_options(synchronize_session=False)
    ).one()
    session.commit()
    count, started = row
    if count <= limit:
        return None
    return max(1, int((started + dt.timedelta(seconds=window_seconds) - now).total_seconds() + 0.999))
