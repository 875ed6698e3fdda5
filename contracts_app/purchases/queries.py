"""Read-only selects for the purchase list."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..courses.models import Course
from .models import SeatPurchase


def of_unit(session: Session, unit_id: int, *, limit: int = 200) -> list[SeatPurchase]:
    """The unit's purchases as buyer and as provider of the course, newest first."""
    return list(session.scalars(
        select(SeatPurchase).join(Course, Course.id == SeatPurchase.course_id)
        .where(or_(SeatPurchase.buyer_unit_id == unit_id, Course.provider_unit_id == unit_id))
        .order_by(SeatPurchase.created_at.desc()).limit(limit)
    ).all())
