"""Creating and reading notifications, and who should be told.

E-mail is not sent from here: the dispatcher job (``notifications/email.py``) picks up new notices and follows
each user's preference, so a request never waits for an SMTP server.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..auth.models import Membership, Role, User
from ..db import begin_write
from .models import Notification


def notify_users(session: Session, user_ids: list[int], kind: str, params: dict[str, Any], *, link: str | None, now: dt.datetime,
                 dedupe_key: str | None = None) -> int:
    """Store one notice per user. With ``dedupe_key`` (scheduled jobs) a user who already has this notice gets
    nothing: the key is stored per user and is unique, so a rerun can never tell anyone twice. Returns how many
    notices were created."""
    uids = sorted(set(user_ids))
    keys = {uid: f"{dedupe_key}|u{uid}"[:200] for uid in uids} if dedupe_key else {}
    if keys:
        existing = set(session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(list(keys.values())))))
        uids = [uid for uid in uids if keys[uid] not in existing]
    for uid in uids:
        session.add(Notification(user_id=uid, kind=kind, params=params, link=link, created_at=now, dedupe_key=keys.get(uid)))
    return len(uids)


def users_with_roles(session: Session, unit_ids, roles: tuple[Role, ...]) -> list[int]:
    """Active users holding one of ``roles`` at one of ``unit_ids``."""
    unit_ids = list(set(unit_ids))
    if not unit_ids:
        return []
    return list(session.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.unit_id.in_(unit_ids), Membership.role.in_(roles), User.is_active.is_(True)).distinct()
    ).all())


def legal_reviewers_of(session: Session, entity_ids) -> list[int]:
    """Active legal reviewers who answer for these legal entities: those at a unit of the entity that is not a
    Nav office (the same scope as agreements.access.involved)."""
    from ..organisations.models import Unit, UnitKind

    entity_ids = list({e for e in entity_ids if e is not None})
    if not entity_ids:
        return []
    return list(session.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id).join(Unit, Unit.id == Membership.unit_id)
        .where(Unit.legal_entity_id.in_(entity_ids), Unit.kind != UnitKind.nav_office, Membership.role == Role.legal_reviewer,
               User.is_active.is_(True)).distinct()
    ).all())


def notify_unit(session: Session, unit_id: int, roles: tuple[Role, ...], kind: str, params: dict[str, Any], *,
                link: str | None, now: dt.datetime, dedupe_key: str | None = None) -> int:
    """Notify every active user who holds one of ``roles`` at ``unit_id``."""
    return notify_users(session, users_with_roles(session, [unit_id], roles), kind, params, link=link, now=now,
                        dedupe_key=dedupe_key)


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def mark_read(session: Session, user_id: int, notification_id: int | None, *, now: dt.datetime) -> int:
    """Mark one of the user's notifications (or all of them, with None) as read. Returns how many changed."""
    begin_write(session)  # SQLite: the request has read (the user); take the write lock before writing
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return session.execute(stmt.values(read_at=now)).rowcount or 0
