"""Who may come in by single sign-on, and access requests from people who may not (yet). Services flush; the
caller commits.

Rules (docs/security.md, V2.11): only registered users come in. The first SSO login links the account — the
provider's issuer and its stable subject (``oid`` at Entra ID, ``sub`` elsewhere) — after the registered e-mail
matched case-insensitively; from then on only issuer + subject count, so an address that arrives with another
subject is refused (a reused or renamed mailbox is not the same person). A deactivated account is refused.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import SYSTEM, Actor
from ..db import begin_write
from .models import Membership, Role, User
from .services import normalise_login


class Refusal(str, enum.Enum):
    unknown = "unknown"  # nobody is registered with this subject or address: may ask for access
    other_subject = "other_subject"  # the address is linked to another SSO identity
    inactive = "inactive"  # the account is deactivated


@dataclass(frozen=True)
class Identity:
    """What is kept from a verified ID token: nothing more (never ``pid``, never the token)."""

    provider: str
    issuer: str
    subject: str
    email: str | None
    name: str | None

    def as_session(self) -> dict:
        return {"provider": self.provider, "issuer": self.issuer, "subject": self.subject,
                "email": self.email, "name": self.name}

    @classmethod
    def from_session(cls, data) -> "Identity | None":
        if not isinstance(data, dict):
            return None
        try:
            values = {k: data[k] for k in ("provider", "issuer", "subject", "email", "name")}
        except KeyError:
            return None
        if not all(isinstance(values[k], str) and values[k] for k in ("provider", "issuer", "subject")):
            return None
        return cls(**values)


def identity_from_claims(provider: str, claims: dict, *, subject_claim: str, email_claims: tuple[str, ...]) -> Identity | None:
    """The identity in verified claims, or None when the subject claim is missing."""
    subject = claims.get(subject_claim)
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 200:
        return None
    email = None
    for claim in email_claims:
        value = claims.get(claim)
        if isinstance(value, str) and "@" in value and len(value.strip()) <= 200:
            email = normalise_login(value)
            break
    name = claims.get("name")
    name = name.strip()[:200] if isinstance(name, str) and name.strip() else None
    return Identity(provider, str(claims["iss"])[:300], subject.strip(), email, name)


@dataclass
class SsoResult:
    user: User | None
    refusal: Refusal | None = None
    linked: bool = False


def sso_login(session: Session, identity: Identity, *, now: dt.datetime) -> SsoResult:
    """Find (or, at the first SSO login, link) the registered user of a verified identity."""
    user = session.scalar(select(User).where(User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject))
    linked = False
    if user is None:
        candidate = session.scalar(select(User).where(User.email == identity.email)) if identity.email else None
        if candidate is None:
            return SsoResult(None, Refusal.unknown)
        if candidate.oidc_subject is not None:
            begin_write(session)
            audit.record(session, SYSTEM, "user.sso_refused", candidate, at=now,
                         after={"reason": Refusal.other_subject.value, "provider": identity.provider})
            session.flush()
            return SsoResult(None, Refusal.other_subject)
        user = candidate
        if not user.is_active:
            return SsoResult(None, Refusal.inactive)
        begin_write(session)
        user.oidc_issuer, user.oidc_subject, user.oidc_linked_at = identity.issuer, identity.subject, now
        linked = True
        audit.record(session, Actor(user.id), "user.sso_linked", user, at=now,
                     after={"provider": identity.provider, "issuer": identity.issuer})
    if not user.is_active:
        return SsoResult(None, Refusal.inactive)
    begin_write(session)
    user.last_login_at = now
    user.last_login_method = f"sso:{identity.provider}"[:20]
    audit.record(session, Actor(user.id), "user.logged_in", user, at=now, after={"method": user.last_login_method})
    session.flush()
    return SsoResult(user, linked=linked)


def administrators(session: Session) -> list[int]:
    return list(session.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.role == Role.admin, User.is_active.is_(True)).distinct()
    ).all())


LINK_SALT = "contracts-sso-link"
LINK_DAYS = 30  # an access request's link creates a linked account for this long
LINK_MAX = 300  # Notification.link


def link_token(identity: Identity, secret_key: str) -> str:
    """A signed, expiring token with the identity, for the administrator's "create this user" link: the new
    account is linked to exactly this SSO login (needed for ID-porten, which sends no e-mail to match)."""
    from itsdangerous import URLSafeTimedSerializer

    data = {"p": identity.provider, "i": identity.issuer, "s": identity.subject, "e": identity.email,
            "n": (identity.name or "")[:60] or None}
    return URLSafeTimedSerializer(secret_key, salt=LINK_SALT).dumps(data)


def read_link_token(token: str | None, secret_key: str) -> Identity | None:
    """The identity in a token made by :func:`link_token`, or None (missing, altered or older than LINK_DAYS)."""
    from itsdangerous import BadData, URLSafeTimedSerializer

    if not token or len(token) > LINK_MAX:
        return None
    try:
        data = URLSafeTimedSerializer(secret_key, salt=LINK_SALT).loads(token, max_age=LINK_DAYS * 24 * 3600)
    except BadData:
        return None
    if not isinstance(data, dict):
        return None
    return Identity.from_session({"provider": data.get("p"), "issuer": data.get("i"), "subject": data.get("s"),
                                  "email": data.get("e"), "name": data.get("n")})


def request_link(identity: Identity, secret_key: str) -> str:
    """Where the notice takes the administrator: the new-user form, filled in and linked to this login."""
    link = "/admin/users/new?" + urlencode({"from": link_token(identity, secret_key)})
    if len(link) <= LINK_MAX:
        return link
    return ("/admin/users/new?" + urlencode({k: v for k, v in (("email", identity.email), ("name", identity.name)) if v}))[:LINK_MAX]


def request_access(session: Session, identity: Identity, message: str, *, provider_name: str, link: str,
                   now: dt.datetime) -> int:
    """Tell every administrator (their inbox) that this person asks for access. Once per identity and day:
    a person who sends it again the same day tells nobody twice. Returns how many were told."""
    from ..notifications.services import notify_users

    who = ", ".join(v for v in (identity.email, provider_name) if v)
    params = {"name": f"{identity.name or identity.email or '—'} ({who})", "note": message.strip() or "—"}
    key = f"access_request:{identity.provider}:{identity.subject[:64]}:{now.date().isoformat()}"
    begin_write(session)
    told = notify_users(session, administrators(session), "auth.access_requested", params, link=link[:LINK_MAX], now=now,
                        dedupe_key=key)
    if told:
        audit.record(session, SYSTEM, "user.access_requested", None, at=now,
                     after={"provider": identity.provider, "email": identity.email, "name": identity.name})
    session.flush()
    return told
