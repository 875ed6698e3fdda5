"""Read-only selects for the purchase list and a purchase's story."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session, contains_eager, load_only

from ..audit import AuditEvent
from ..auth.models import User
from ..courses.models import Course
from ..organisations.models import Unit
from ..pagination import PER_PAGE, Page, paginate
from .models import SeatPurchase


def of_unit(session: Session, unit_id: int, *, page: int = 1, per_page: int = PER_PAGE) -> Page[SeatPurchase]:
    """One page of :func:`of_unit_statement`, with the count of them all (one statement for the count, one for
    the page)."""
    return paginate(session, of_unit_statement(unit_id), page=page, per_page=per_page)


def of_unit_statement(unit_id: int):
    """The unit's purchases as buyer and as provider of the course, newest first (the list page, its exports).

    Newest first is the primary key, descending: ids are given in the order purchases are made, and the key is
    indexed (``created_at`` is not). Buyer and provider are two indexed lookups (``ix_seat_purchase_buyer_unit_id``,
    ``ix_course_provider_unit_id`` then ``ix_seat_purchase_course_id``), not one OR over a join. The page loads only the columns the list shows, with the course's title
    and the buyer's name joined in the same statement (and not their own joined relations: the list shows none)."""
    return (
        select(SeatPurchase)
        .join(SeatPurchase.course).join(SeatPurchase.buyer_unit)
        .where(SeatPurchase.id.in_(union_all(
            select(SeatPurchase.id).where(SeatPurchase.buyer_unit_id == unit_id),
            select(SeatPurchase.id).join(Course, Course.id == SeatPurchase.course_id)
            .where(Course.provider_unit_id == unit_id, SeatPurchase.buyer_unit_id != unit_id),
        )))
        .options(
            load_only(SeatPurchase.id, SeatPurchase.course_id, SeatPurchase.buyer_unit_id, SeatPurchase.start_date,
                      SeatPurchase.end_date, SeatPurchase.seats, SeatPurchase.amount, SeatPurchase.actual_amount,
                      SeatPurchase.status),
            contains_eager(SeatPurchase.course).load_only(Course.id, Course.title).lazyload("*"),
            contains_eager(SeatPurchase.buyer_unit).load_only(Unit.id, Unit.name).lazyload("*"),
        )
        .order_by(SeatPurchase.id.desc())
    )


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
