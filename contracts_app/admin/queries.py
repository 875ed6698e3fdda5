"""The audit log's reads: events filtered and paged in the database by keyset, the actors they name, the object
types.

Paging is by keyset (a cursor), not OFFSET: the log is newest first on (``at``, ``id``), and a page is "the
``per_page`` events just older (or just newer) than this event". A page costs the same on the first page and
after a million events, with an index per filter (migration 0014_scale_indexes): (at, id) for no filter and the
date range, (object_type, object_id, at, id), (object_type, at, id), (actor_id, at, id) and (action, at, id).
The total is counted up to :data:`COUNT_CAP` ("more than 10 000 events"), so counting never reads the whole log.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from ..audit import AuditEvent
from ..auth.models import User

#: Counting stops here: the page says "more than" beyond it.
COUNT_CAP = 10_000

_CURSOR = re.compile(r"^(\d{1,17})_(\d{1,12})$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Cursor:
    """A position in the log: the (at, id) of an event. In a link it is ``<microseconds since 1970>_<id>``."""

    at: dt.datetime
    id: int

    def __str__(self) -> str:
        delta = self.at - _EPOCH
        return f"{(delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds}_{self.id}"

    @classmethod
    def of(cls, event: AuditEvent) -> "Cursor":
        return cls(event.at, event.id)

    @classmethod
    def parse(cls, raw: str | None) -> "Cursor | None":
        """The cursor in ``raw``, or None for a missing or malformed one (the first page; never an error)."""
        match = _CURSOR.match((raw or "").strip())
        if not match:
            return None
        try:
            at = _EPOCH + dt.timedelta(microseconds=int(match[1]))
        except OverflowError:
            return None
        if at.year > 9998:
            return None
        return cls(at, int(match[2]))


@dataclass(frozen=True)
class EventPage:
    items: list[AuditEvent]  # newest first
    total: int  # matching events, counted up to COUNT_CAP (+1 when there are more)
    newer: Cursor | None  # the cursor of the "newer" link (the first event shown), if there are newer events
    older: Cursor | None  # the cursor of the "older" link (the last event shown), if there are older events
    per_page: int

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


def _filtered(stmt, *, object_type: str, object_id: str, actors: list[int] | None, action: str, since: dt.datetime | None,
              until: dt.datetime | None):
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if action:
        # the range lets the (action, at, id) index find the prefix; LIKE keeps the meaning exact
        stmt = stmt.where(AuditEvent.action >= action, AuditEvent.action < action + "\uffff",
                          AuditEvent.action.startswith(action, autoescape=True))
    if actors is not None:
        # The ids, not a subquery: for one actor (the usual case) the planner then reads the (actor_id, at, id)
        # index in order; given a subquery it walked the whole log newest first looking for the actor's events.
        stmt = stmt.where(AuditEvent.actor_id.in_(actors))
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


def events(session: Session, *, object_type: str = "", object_id: str = "", actor: str = "", action: str = "",
           since: dt.datetime | None = None, until: dt.datetime | None = None, older_than: Cursor | None = None,
           newer_than: Cursor | None = None, per_page: int) -> EventPage:
    """One page of the log, newest first, in two statements (the page and the capped count; a third finds the
    actors whose address matches ``actor``).

    ``actor`` matches part of the actor's e-mail address, ``action`` the start of the action; ``since`` and
    ``until`` bound ``at`` (from inclusive, to exclusive). ``older_than`` gives the events just older than the
    cursor, ``newer_than`` those just newer; neither, the newest."""
    actors = list(session.scalars(select(User.id).where(User.email.contains(actor.lower(), autoescape=True)))) if actor else None
    filters = dict(object_type=object_type, object_id=object_id, actors=actors, action=action, since=since, until=until)
    stmt = _filtered(select(AuditEvent), **filters)
    if newer_than is not None:
        c = newer_than
        stmt = stmt.where(AuditEvent.at >= c.at, or_(AuditEvent.at > c.at, AuditEvent.id > c.id))
        rows = list(session.scalars(stmt.order_by(AuditEvent.at, AuditEvent.id).limit(per_page + 1)).all())
        more_newer = len(rows) > per_page
        items = rows[:per_page][::-1]
        more_older = True  # the cursor's own event is older
    else:
        if older_than is not None:
            c = older_than
            stmt = stmt.where(AuditEvent.at <= c.at, or_(AuditEvent.at < c.at, and_(AuditEvent.at == c.at, AuditEvent.id < c.id)))
        rows = list(session.scalars(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(per_page + 1)).all())
        more_older = len(rows) > per_page
        items = rows[:per_page]
        more_newer = older_than is not None  # the cursor's own event is newer
    capped = _filtered(select(AuditEvent.id), **filters).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return EventPage(
        items=items, total=total, per_page=per_page,
        newer=Cursor.of(items[0]) if items and more_newer else None,
        older=Cursor.of(items[-1]) if items and more_older else None,
    )


def actor_emails(session: Session, shown: list[AuditEvent]) -> dict[int, str]:
    """The e-mail addresses of the events' actors, by user id: the two columns shown, in one statement (a whole
    ``User`` would also load its memberships, units and legal persons)."""
    ids = {e.actor_id for e in shown if e.actor_id}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())


_OBJECT_TYPES = text(
    "WITH RECURSIVE t(v) AS (SELECT min(object_type) FROM audit_event UNION ALL "
    "SELECT (SELECT min(object_type) FROM audit_event WHERE object_type > t.v) FROM t WHERE t.v IS NOT NULL) "
    "SELECT v FROM t WHERE v IS NOT NULL"
)


def object_types(session: Session) -> list[str]:
    """The object types in the log, in order: a loose index scan (one index probe per type, on both databases),
    not a DISTINCT over a million events."""
    return list(session.scalars(_OBJECT_TYPES).all())
