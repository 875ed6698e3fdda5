"""Cursor (keyset) pagination for ``/api/v1`` lists.

A list has a stable total order ending in the primary key (the page's own order, made total). The cursor is
the last item's sort key, signed with the app's secret (HMAC-SHA256) and base64url-encoded: opaque to
callers, and a cursor that was changed, or made for another list, is a 422 instead of a wrong page. Each
page is one ``WHERE (k1, k2, id) > (…) ORDER BY … LIMIT n + 1`` (the extra row says whether there is a next
page): no OFFSET, so a page deep in the list costs what the first one does, and rows added meanwhile never
repeat or skip an item.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import operator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from flask import current_app
from sqlalchemy import and_, or_

from ..boundary import ID_MAX


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Key:
    """One part of the order: the SQL expression, its Python type, descending or not, and how to read it from
    an item."""

    column: Any
    kind: type
    get: Callable[[Any], Any]
    descending: bool = False


def newest_first(at, ident) -> list[Key]:
    """The order of most lists: newest first by a time column, then by id, both descending."""
    return [Key(at, dt.datetime, operator.attrgetter(at.key), descending=True),
            Key(ident, int, operator.attrgetter(ident.key), descending=True)]


def _sign(payload: bytes) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return base64.urlsafe_b64encode(hmac.new(key, b"api-cursor:" + payload, hashlib.sha256).digest()[:16]).decode().rstrip("=")


def _dump(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return value


def encode(listing: str, values: list[Any]) -> str:
    payload = json.dumps([listing, [_dump(v) for v in values]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + _sign(payload)


def _load(kind: type, raw: Any) -> Any:
    if kind is int:
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= ID_MAX:
            raise BadCursor()
        return raw
    if kind is dt.datetime:
        value = dt.datetime.fromisoformat(raw)
        if value.tzinfo is None:
            raise BadCursor()
        return value
    if kind is dt.date:
        return dt.date.fromisoformat(raw)
    if kind is Decimal:
        return Decimal(raw)
    if kind is str:
        if not isinstance(raw, str):
            raise BadCursor()
        return raw
    raise BadCursor()


def decode(listing: str, cursor: str, keys: list[Key]) -> list[Any]:
    try:
        data, signature = cursor.split(".", 1)
        payload = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        if not hmac.compare_digest(signature, _sign(payload)):
            raise BadCursor()
        name, values = json.loads(payload)
        if name != listing or not isinstance(values, list) or len(values) != len(keys):
            raise BadCursor()
        return [_load(k.kind, v) for k, v in zip(keys, values)]
    except (ValueError, TypeError, InvalidOperation, UnicodeDecodeError) as exc:
        raise BadCursor() from exc


def after(keys: list[Key], values: list[Any]):
    """``(k1, k2, …) > (v1, v2, …)`` in the list's order (each key ascending or descending), portable SQL."""
    ors = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        ors.append(and_(*equal, beyond))
    return or_(*ors)


def order(keys: list[Key]) -> list[Any]:
    return [k.column.desc() if k.descending else k.column for k in keys]


def page(session, stmt, keys: list[Key], *, listing: str, limit: int, cursor: str | None, scalars: bool = True):
    """(items, next cursor) of one page of ``stmt`` (without its ORDER BY/LIMIT: this sets them)."""
    stmt = stmt.order_by(None).limit(None).offset(None)
    if cursor:
        stmt = stmt.where(after(keys, decode(listing, cursor, keys)))
    stmt = stmt.order_by(*order(keys)).limit(limit + 1)
    rows = list(session.scalars(stmt).all() if scalars else session.execute(stmt).all())
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return rows, (encode(listing, [k.get(last) for k in keys]) if more and last is not None else None)
