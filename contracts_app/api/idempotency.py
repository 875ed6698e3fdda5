"""``Idempotency-Key`` for ``/api/v1`` writes.

A caller (a token, or a user with a browser session) that sends a write with an ``Idempotency-Key`` header
(1–200 visible ASCII characters) gets the first answer again for the same key and the same request (method,
path and JSON body, compared after parsing: spacing and key order do not matter), marked with
``Idempotent-Replayed: true``; the same key with another request is a 409. Only successful answers (2xx) are
stored, in the same transaction as the write they answer, so a key is taken if and only if the write
happened; a refused write may be sent again with the same key. Two parallel calls with one key: the unique
constraint ``(owner, key)`` lets one commit; the other rolls back and answers with the first one's result
(the pattern of ``purchases/form_tokens.py``). Answers are kept ``CONTRACTS_API_IDEMPOTENCY_DAYS`` days (the
caller's retries are over by then); the nightly retention job deletes older ones (:func:`forget_old`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from flask import Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import IdempotentAnswer

HEADER = "Idempotency-Key"
KEY_MAX = 200


class KeyReused(Exception):
    """The key was used for another request (409)."""


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= KEY_MAX and all(33 <= ord(c) <= 126 for c in key)


def request_hash(method: str, path: str, body) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Stored:
    status: int
    body: str
    location: str | None

    def response(self) -> Response:
        r = Response(self.body, status=self.status, mimetype="application/json")
        r.headers["Idempotent-Replayed"] = "true"
        if self.location:
            r.headers["Location"] = self.location
        return r


def find(session: Session, owner: str, key: str, digest: str) -> Stored | None:
    """The stored answer for the key, None when there is none; :class:`KeyReused` for another request."""
    row = session.scalar(select(IdempotentAnswer).where(IdempotentAnswer.owner == owner, IdempotentAnswer.key == key))
    if row is None:
        return None
    if row.request_hash != digest:
        raise KeyReused()
    return Stored(row.status, row.body, row.location)


def store(session: Session, owner: str, key: str, digest: str, response: Response, *, now: dt.datetime) -> None:
    """Store the answer in the write's transaction; ``IntegrityError`` (raised by the flush) means a parallel
    call with the same key committed first."""
    session.add(IdempotentAnswer(owner=owner, key=key, request_hash=digest, status=response.status_code,
                                 body=response.get_data(as_text=True), location=response.headers.get("Location"), created_at=now))
    session.flush()


def forget_old(session: Session, *, before: dt.datetime) -> int:
    result = session.execute(delete(IdempotentAnswer).where(IdempotentAnswer.created_at < before))
    return result.rowcount or 0


__all__ = ["HEADER", "IntegrityError", "KeyReused", "Stored", "find", "forget_old", "request_hash", "store", "valid_key"]
