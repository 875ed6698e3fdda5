"""One-time form tokens: a confirm or accept form sent twice creates nothing the second time.

The page puts a fresh random token in the form (:func:`new_token`). The view calls the one service, then
:func:`use` in the same transaction, which stores the token with what the service produced. A second
submission of the same form — sequential or racing in parallel — reaches the ``(user_id, token)`` unique
constraint: :func:`use` raises :class:`AlreadyUsed`, the view rolls everything back and shows the first result
(:func:`first_result`). The constraint decides the race on both databases: on PostgreSQL the second insert
waits for the first transaction and fails when it commits; on SQLite the write lock orders them.

A second submission whose service refuses (the seats or the money went to the first one, the request is no
longer open) is answered the same way: the view looks for the token before showing the refusal.
"""
from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit import Actor
from .models import FormToken

PURCHASE_CONFIRM = "purchase.confirm"
CAPACITY_ACCEPT = "capacity.accept"

TOKEN_MIN, TOKEN_MAX = 32, 64


class AlreadyUsed(Exception):
    """The token was used by an earlier submission; the session must be rolled back."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def well_formed(token: str | None) -> bool:
    return isinstance(token, str) and TOKEN_MIN <= len(token) <= TOKEN_MAX and token.isascii() and token.isprintable()


def use(session: Session, token: str, *, purpose: str, actor: Actor, object_id: int, now: dt.datetime) -> None:
    """Mark the token used by what the submission produced (one INSERT). Raises AlreadyUsed."""
    session.add(FormToken(user_id=actor.user_id, token=token, purpose=purpose, object_id=object_id, used_at=now))
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyUsed(token) from None


def first_result(session: Session, token: str | None, *, purpose: str, user_id: int) -> int | None:
    """The object the first submission with this token produced, or None if it was never used."""
    if not well_formed(token):
        return None
    return session.scalar(select(FormToken.object_id).where(
        FormToken.user_id == user_id, FormToken.token == token, FormToken.purpose == purpose))
