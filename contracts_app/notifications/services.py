"""Creating and reading notifications. E-mail delivery and digests come with the scheduler (issue 7)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..auth.models import Membership, Role, User
from .models import Notification


def notify_users(session: Session, user_ids: list[int], kind: str, params: dict[str, Any], *, link: str | None, now: dt.datetime) -> int:
    for uid in sorted(set(user_ids)):
        session.add(Notification(user_id=uid, kind=kind, params=params, link=link, created_at=now))
    return len(set(user_ids))


def notify_unit(session: Session, unit_id: int, roles: tuple[Role, ...], kind: str, params: dict[str, Any], *,
                link: str | None, now: dt.datetime) -> int:
    """Notify every active user who holds one of ``roles`` at ``unit_id``."""
    user_ids = session.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.unit_id == unit_id, Membership.role.in_(roles), User.is_active.is_(True))
    ).all()
    return notify_users(session, list(user_ids), kind, params, link=link, now=now)


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def mark_read(session: Session, user_id: int, notification_id: int | None, *, now: dt.datetime) -> int:
    """Mark one of the user's notifications (or all of them, with None) as read. Returns how many changed."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return session.execute(stmt.values(read_at=now)).rowcount or 0
