"""The audit log's reads: events filtered and paged in the database, the actors they name, the object types."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import AuditEvent
from ..auth.models import User
from ..pagination import Page, paginate


def events(session: Session, *, object_type: str = "", object_id: str = "", actor: str = "", action: str = "",
           page: int, per_page: int) -> Page[AuditEvent]:
    """Newest first. ``actor`` matches part of the actor's e-mail address, ``action`` the start of the action."""
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action))
    if actor:
        stmt = stmt.join(User, User.id == AuditEvent.actor_id).where(User.email.contains(actor.lower()))
    return paginate(session, stmt, page=page, per_page=per_page)


def actors(session: Session, shown: list[AuditEvent]) -> dict[int, User]:
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_({e.actor_id for e in shown if e.actor_id})))}


def object_types(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)).all())
