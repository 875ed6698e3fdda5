"""The audit trail: an append-only record of every business event.

Services call :func:`record` in the same transaction as the change they describe, so an event is stored if
and only if the change is. Rows are never updated or deleted: the ORM refuses it (``before_flush`` below) and
the database refuses it too (triggers created by the migration that creates the table).
Technical events (errors, timings) go to the standard ``logging`` module instead.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"
    # One index per filter of the audit log, each ending in (at, id): the log pages by a cursor on (at, id)
    # (admin/queries.py; migration 0014_scale_indexes).
    __table_args__ = (
        Index("ix_audit_event_at_id", "at", "id"),
        Index("ix_audit_event_object_at", "object_type", "object_id", "at", "id"),
        Index("ix_audit_event_type_at", "object_type", "at", "id"),
        Index("ix_audit_event_actor_at_id", "actor_id", "at", "id"),
        Index("ix_audit_event_action_at", "action", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # When it happened (UTC), from the clock passed to the service, not the database's.
    at: Mapped[dt.datetime] = mapped_column()
    # Who did it; null for the system (scheduler, CLI without a user).
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    # The unit the actor was acting for (their active unit), if any.
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))
    # Dotted verb, e.g. "organisation.created", "user.login_failed".
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[Optional[str]] = mapped_column(String(64))
    # State before and after the change, as JSON-safe dicts (null when not applicable).
    before: Mapped[Optional[dict[str, Any]]]
    after: Mapped[Optional[dict[str, Any]]]

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.object_type}:{self.object_id}>"


class AuditImmutable(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _ctx, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditImmutable("audit events are append-only")


def jsonable(value: Any) -> Any:
    """Dates, amounts and enums as JSON-safe strings, recursively."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """A JSON-safe dict of the named attributes, for before/after."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


@dataclass(frozen=True)
class Actor:
    """Who is acting: the user and the unit they act for. ``SYSTEM`` for jobs and set-up commands."""

    user_id: int | None
    unit_id: int | None = None


SYSTEM = Actor(None, None)


def event_values(actor: Actor, action: str, obj: Any = None, *, at, object_type=None, object_id=None, before=None, after=None) -> dict[str, Any]:
    """The columns of one audit event (JSON-safe before/after), for :func:`record`."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    values = dict(
        at=at,
        actor_id=actor.user_id,
        unit_id=actor.unit_id,
        action=action,
        object_type=object_type or "system",
        object_id=None if object_id is None else str(object_id),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )
    json.dumps(values["before"]), json.dumps(values["after"])  # fail here, not at flush, if something is not JSON
    return values


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj: Any = None,
    *,
    at: dt.datetime,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one event. ``obj`` (a model instance) gives object type and id unless they are passed."""
    ev = AuditEvent(**event_values(actor, action, obj, at=at, object_type=object_type, object_id=object_id, before=before, after=after))
    session.add(ev)
    return ev
