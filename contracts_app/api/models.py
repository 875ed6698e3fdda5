"""API tokens and stored answers of idempotent writes (migration 0015_api_tokens)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import Base
from ..organisations.models import Unit


class ApiToken(Base):
    """A machine's key to ``/api/v1`` for one unit (``api/tokens.py`` says what it may do).

    The secret is never stored: ``secret_hash`` is the SHA-256 (hex) of the whole token, which has 256 random
    bits, so a fast hash is enough (nobody can guess such a token, so there is nothing for a slow hash to slow
    down) and every API call can look the token up by its hash. ``prefix`` is the visible start of the token
    that lists and audit events show to tell tokens apart.
    """

    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_unit_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    # Space-separated, sorted: "capacity read"
    scopes: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column()
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column()
    revoked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    last_used_at: Mapped[Optional[dt.datetime]] = mapped_column()
    # Rate limit: a fixed window per token, counted in this row with one atomic UPDATE (see tokens.count_call).
    rate_window_started_at: Mapped[Optional[dt.datetime]] = mapped_column()
    rate_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    unit: Mapped[Unit] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} unit={self.unit_id}>"


class IdempotentAnswer(Base):
    """The first answer to a write sent with an ``Idempotency-Key``, per caller (a token or a user)."""

    __tablename__ = "api_idempotent_answer"
    __table_args__ = (UniqueConstraint("owner", "key", name="uq_api_idempotent_answer_owner_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "token:<id>" or "user:<id>"
    owner: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the method, path and canonical JSON body: the same key with another request is a 409.
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    location: Mapped[Optional[str]] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
