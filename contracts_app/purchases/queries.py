"""Read-only selects for the purchase list and a purchase's story."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..audit import AuditEvent
from ..auth.models import User
from ..courses.models import Course
from .models import SeatPurchase


def of_unit(session: Session, unit_id: int, *, limit: int = 200) -> list[SeatPurchase]:
    """The unit's purchases as buyer and as provider of the course, newest first."""
    return list(session.scalars(
        select(SeatPurchase).join(Course, Course.id == SeatPurchase.course_id)
        .where(or_(SeatPurchase.buyer_unit_id == unit_id, Course.provider_unit_id == unit_id))
        .order_by(SeatPurchase.created_at.desc()).limit(limit)
    ).all())


@dataclass(frozen=True)
class StoryEvent:
    at: object
    action: str
    who: str | None
    after: dict | None


def story(session: Session, purchase_id: int) -> list[StoryEvent]:
    """What happened to the purchase, oldest first, from its audit events (one statement): asked for an override,
    decided, confirmed, order confirmation made, cancelled, actual cost registered — who and when."""
    rows = session.execute(
        select(AuditEvent.at, AuditEvent.action, User.name, AuditEvent.after)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == SeatPurchase.__tablename__, AuditEvent.object_id == str(purchase_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return [StoryEvent(at, action, who, after) for at, action, who, after in rows]
