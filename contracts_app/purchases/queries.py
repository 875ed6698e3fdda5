"""Read-only selects for the purchase list and a purchase's story."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from ..audit import AuditEvent
from ..auth.models import User
from ..courses.models import Course
from ..db import in_subquery
from ..organisations.models import Unit
from ..pagination import PER_PAGE, Page, paginate
from .models import SeatPurchase


def of_unit(session: Session, unit_id: int, *, page: int = 1, per_page: int = PER_PAGE) -> Page[Row]:
    """One page of :func:`of_unit_statement` as rows of what the list shows (``id``, ``start_date``, ``end_date``,
    ``seats``, ``amount``, ``actual_amount``, ``status``, ``course_title``, ``buyer_name``), with the count of them
    all: two statements. The course's title and the buyer's name are subqueries the database evaluates for the
    page's rows only, after the sort and the cut."""
    p = SeatPurchase
    title = select(Course.title).where(Course.id == p.course_id).scalar_subquery().label("course_title")
    buyer = select(Unit.name).where(Unit.id == p.buyer_unit_id).scalar_subquery().label("buyer_name")
    stmt = of_unit_statement(unit_id).with_only_columns(
        p.id, p.start_date, p.end_date, p.seats, p.amount, p.actual_amount, p.status, title, buyer)
    return paginate(session, stmt, page=page, per_page=per_page, rows=True)


def of_unit_condition(unit_id: int, role: str = ""):
    """The unit's purchases: as buyer (``role="buyer"``), of seats on its courses (``"provider"``) or both (the
    default). Both are one OR of two indexed lookups (``ix_seat_purchase_buyer_course``, and the unit's courses in
    ``ix_seat_purchase_course_id``) that PostgreSQL combines in a bitmap (``db.in_subquery``)."""
    buyer = SeatPurchase.buyer_unit_id == unit_id
    provider = in_subquery(SeatPurchase.course_id, select(Course.id).where(Course.provider_unit_id == unit_id).scalar_subquery())
    return {"buyer": buyer, "provider": provider}.get(role, or_(buyer, provider))


def of_unit_statement(unit_id: int):
    """The unit's purchases as buyer and as provider of the course, newest first (the list page, its exports).

    Newest first is the primary key, descending: ids are given in the order purchases are made, and the key is
    indexed (``created_at`` is not)."""
    return select(SeatPurchase).where(of_unit_condition(unit_id)).order_by(SeatPurchase.id.desc())


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
