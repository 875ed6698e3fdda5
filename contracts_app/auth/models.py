from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..vocab import LabelledEnum
from ..organisations.models import Unit


class Role(LabelledEnum):
    advisor = "advisor"  # Nav advisor (veileder): buys seats
    provider_coordinator = "provider_coordinator"  # publishes courses and free capacity
    budget_owner = "budget_owner"  # owns a measures budget, declares stops
    legal_reviewer = "legal_reviewer"  # jurist / innkjøpsrådgiver: reviews and approves agreements
    admin = "admin"  # operator: organisations, users, thresholds, templates

    __labels__ = {
        "advisor": _l("Advisor (buys seats)"),
        "provider_coordinator": _l("Provider coordinator (courses and free seats)"),
        "budget_owner": _l("Budget owner"),
        "legal_reviewer": _l("Legal reviewer"),
        "admin": _l("Administrator"),
    }
    __short_labels__ = {
        "advisor": _l("Advisor"),
        "provider_coordinator": _l("Provider coordinator"),
    }


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Login name; stored lower-case so lookups are case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # argon2id hash (argon2-cffi); never the password.
    password_hash: Mapped[str] = mapped_column(String(200))
    # Interface language chosen by the user ("nb" or "en"); null = the default.
    locale: Mapped[Optional[str]] = mapped_column(String(5))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column()
    last_login_at: Mapped[Optional[dt.datetime]] = mapped_column()
    # Copied into the session at login and compared on every request: raising it (logout, password change,
    # deactivation, "log out everywhere") ends every session of the user at once.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # SHA-256 (hex) of the one outstanding password-reset token; the token itself is only in the e-mail.
    # Cleared when it is used, so a link works once; a new link replaces the old one.
    password_reset_hash: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    # The reset link stops working at this time.
    password_reset_expires_at: Mapped[Optional[dt.datetime]] = mapped_column()
    # Single sign-on (auth/oidc.py): the provider's issuer and its stable subject for this person (``oid`` at
    # Entra ID, ``sub`` elsewhere), set at the first SSO login after the registered e-mail matched. Later SSO
    # logins match these two only. Nothing else from the ID token is kept (never an ID-porten ``pid``).
    oidc_issuer: Mapped[Optional[str]] = mapped_column(String(300))
    oidc_subject: Mapped[Optional[str]] = mapped_column(String(200))
    oidc_linked_at: Mapped[Optional[dt.datetime]] = mapped_column()
    # "password" or "sso:<provider>": how the user last logged in (the user list shows it).
    last_login_method: Mapped[Optional[str]] = mapped_column(String(20))

    # Every request needs the memberships and their units (active unit, roles): load them with the user.
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id", lazy="selectin"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def units(self) -> list[Unit]:
        seen: dict[int, Unit] = {}
        for m in self.memberships:
            if m.unit is not None:
                seen.setdefault(m.unit.id, m.unit)
        return sorted(seen.values(), key=lambda u: u.name)

    def roles_at(self, unit_id: int | None) -> set[Role]:
        """Roles the user holds at a unit, plus admin (which is not tied to a unit)."""
        roles = {m.role for m in self.memberships if m.unit_id is not None and m.unit_id == unit_id}
        if any(m.role == Role.admin for m in self.memberships):
            roles.add(Role.admin)
        return roles

    @property
    def has_password(self) -> bool:
        """An account created for single sign-on only has no password hash (the empty string)."""
        return bool(self.password_hash)

    @property
    def has_sso(self) -> bool:
        return self.oidc_subject is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(Base):
    """The user works at ``unit`` in ``role``. Admin is the operator's role and needs no unit."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "unit_id", "role"),
        CheckConstraint("unit_id IS NOT NULL OR role = 'admin'", name="unit_required_except_admin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, validate_strings=True, length=40))

    user: Mapped[User] = relationship(back_populates="memberships")
    unit: Mapped[Optional[Unit]] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} unit={self.unit_id} {self.role.value}>"


class OidcLogin(Base):
    """The ID token of one SSO login, kept only for RP-initiated logout (``id_token_hint``).

    The token is sealed (Fernet) with a key that lives only in the user's session cookie: the database alone
    cannot read it (an ID-porten token carries the national identity number), and the cookie stays small. The
    row goes at logout, and rows older than the longest session are deleted at every SSO login.
    """

    __tablename__ = "oidc_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    sealed_id_token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<OidcLogin {self.id} user={self.user_id} {self.provider}>"


class LoginThrottle(Base):
    """Login attempts counted per key, to slow down password guessing (also for names that do not exist).

    Three kinds of row (see ``services.authenticate`` and docs/security.md, V2.2):
    ``(login, address)`` — one account from one client address (the lock a user meets);
    ``(login, "")`` — the account from everywhere (a slower limit; not applied at an address the account has
    logged in from before); ``("", address)`` — one address over every account (password spraying).
    Every attempt is counted *before* the password is checked, with one atomic insert-or-increment.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("login", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The lower-cased login name that was tried; "" for a row that counts an address over every account.
    login: Mapped[str] = mapped_column(String(200))
    # The client address (an IPv6 address as its /64 network); "" for the account-wide row.
    address: Mapped[str] = mapped_column(String(64), server_default="")
    # Attempts in the current window not (yet) cleared by a success.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # When the current window began (its first attempt); null = no window open. Attempts are refused while
    # ``failures`` exceeds the key's limit and the window has not run out.
    window_started_at: Mapped[Optional[dt.datetime]] = mapped_column()
    # Last successful login from this (login, address); such an address is exempt from the account-wide limit.
    last_success_at: Mapped[Optional[dt.datetime]] = mapped_column()

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.login!r} {self.address!r} failures={self.failures}>"
