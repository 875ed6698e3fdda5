"""Capacity offers (free seats a provider publishes on one of its courses), who may see them, and requests.

Seat accounting. The course's seat ledger (``course.seats_held`` / ``seats_confirmed``) is the truth for the
course as a whole; an offer keeps its own ledger of what it promised: ``seats_offered`` ≥ ``seats_held``
(requests waiting for an answer, or waiting-list entries offered the seats) + ``seats_taken`` (accepted).
Every hold is counted in both ledgers under the course row lock. A request can only hold seats that are
free in both: the offer's unpromised seats and the course's free seats (a direct purchase may have taken
seats the offer promised; then the offer shows fewer).
"""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Optional

from flask_babel import lazy_gettext as _l

from sqlalchemy import (
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Boolean,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..budget.models import Budget
from ..courses.models import Course, CourseFormat, CourseKind
from ..db import Base
from ..organisations.models import LegalEntity, Side, Unit
from ..purchases.models import ParticipantFields
from ..vocab import LabelledEnum


class OfferStatus(LabelledEnum):
    """How an offer moves between these: ``capacity/states.py``."""

    published = "published"  # visible and requestable
    paused = "paused"  # visible to the provider only; no new requests; holds stay
    withdrawn = "withdrawn"  # ended by the provider; open requests ended
    filled = "filled"  # every offered seat was taken
    expired = "expired"  # the request deadline or the period has passed

    __labels__ = {
        "published": _l("Published"), "paused": _l("Paused"), "withdrawn": _l("Withdrawn"), "filled": _l("Filled"),
        "expired": _l("Expired"),
    }


class Visibility(str, enum.Enum):
    all_public = "all_public"  # every public service using the portal
    named = "named"  # only the named organisations


class RequestStatus(LabelledEnum):
    """How a request moves between these: ``capacity/states.py``."""

    held = "held"  # seats held until the provider answers or the hold expires
    waiting = "waiting"  # on the offer's waiting list
    offered = "offered"  # first in line: seats held for a limited time for the requester to take
    accepted = "accepted"  # turned into a confirmed seat purchase
    declined = "declined"  # the provider said no (with a reason)
    withdrawn = "withdrawn"  # the requester took it back
    expired = "expired"  # the hold or the waiting-list offer ran out, or the offer ended

    __labels__ = {
        "held": _l("Seats held, awaiting answer"), "waiting": _l("On the waiting list"),
        "offered": _l("Seats offered from the waiting list"), "accepted": _l("Accepted"), "declined": _l("Declined"),
        "withdrawn": _l("Withdrawn"), "expired": _l("Expired"),
    }


# Offers that still promise seats (an offer in any other state is over).
ACTIVE_OFFER_STATUSES = (OfferStatus.published, OfferStatus.paused)
OPEN_REQUEST_STATUSES = (RequestStatus.held, RequestStatus.waiting, RequestStatus.offered)
HOLDING_STATUSES = (RequestStatus.held, RequestStatus.offered)


SEARCH_INDEX_COLUMNS = (
    "status", "period_start", "seat_price", "request_deadline", "course_active", "visibility", "provider_unit_id",
    "course_kind", "course_format", "course_cefr_min", "course_cefr_max", "course_municipality", "course_part_time",
    "seats_offered", "seats_held", "seats_taken", "course_seats_free", "course_id", "period_end",
)


def _enum(cls, name, length=40):
    return Enum(cls, name=name, native_enum=False, validate_strings=True, length=length)


class CapacityOffer(Base):
    __tablename__ = "capacity_offer"
    __table_args__ = (
        CheckConstraint("seats_offered > 0", name="seats_offered_positive"),
        CheckConstraint("seats_held >= 0 AND seats_taken >= 0 AND seats_held + seats_taken <= seats_offered",
                        name="seats_within_offer"),
        CheckConstraint("period_end >= period_start", name="period_end_after_start"),
        CheckConstraint("request_deadline <= period_end", name="deadline_within_period"),
        CheckConstraint("unit_price IS NULL OR unit_price > 0", name="unit_price_positive"),
        # Search reads only this index (a covering index): every column the filters, the count and the
        # default order (start, price, id) need, so SQLite never touches the wide table rows and stops after
        # the first page in index order. See docs/benchmarks.md for the plans.
        Index("ix_capacity_offer_search", *SEARCH_INDEX_COLUMNS),
        # The "by price" order.
        Index("ix_capacity_offer_status_price", "status", "seat_price"),
        # A provider's offers, newest first (the requests page), read in order.
        Index("ix_capacity_offer_provider_id", "provider_unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    # The provider unit (the course's); kept here so lists and access checks need no join.
    provider_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    seats_offered: Mapped[int] = mapped_column(Integer)
    seats_held: Mapped[int] = mapped_column(Integer, default=0)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    # When the offered seats can be used, and the last day requests are accepted.
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    request_deadline: Mapped[dt.date] = mapped_column(Date)
    # A price per the course's price unit for this offer (lower than the course's); null = the course's rates.
    unit_price: Mapped[Optional[Decimal]] = mapped_column(Numeric(14, 2))
    # What one seat costs for the whole offer period, computed when published: what search sorts and
    # filters on ("maximum price"), comparable across price units.
    seat_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "offer_visibility"))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[Optional[str]] = mapped_column(String(40))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[OfferStatus] = mapped_column(_enum(OfferStatus, "offer_status"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()
    # Copies of the course's searchable fields and free seats, so search reads this one table. Set when the
    # offer is published; database triggers on ``course`` keep them in step (migration 0004) whenever a course
    # is edited or its seat ledger moves. Services never decide anything from these: they lock the course.
    course_kind: Mapped[CourseKind] = mapped_column(_enum(CourseKind, "course_kind"))
    course_format: Mapped[CourseFormat] = mapped_column(_enum(CourseFormat, "course_format"))
    course_cefr_min: Mapped[Optional[str]] = mapped_column(String(2))
    course_cefr_max: Mapped[Optional[str]] = mapped_column(String(2))
    course_municipality: Mapped[Optional[str]] = mapped_column(String(4))
    course_part_time: Mapped[bool] = mapped_column(Boolean)
    course_active: Mapped[bool] = mapped_column(Boolean)
    course_seats_free: Mapped[int] = mapped_column(Integer)

    course: Mapped[Course] = relationship(lazy="joined")
    provider_unit: Mapped[Unit] = relationship()
    visible_to: Mapped[list["OfferEntity"]] = relationship(cascade="all, delete-orphan", order_by="OfferEntity.legal_entity_id")

    @property
    def seats_unpromised(self) -> int:
        """Seats of the offer nobody holds or has taken."""
        return self.seats_offered - self.seats_held - self.seats_taken

    @property
    def seats_available(self) -> int:
        """Seats a new request can hold now: free in the offer and in the course."""
        return max(0, min(self.seats_unpromised, self.course.seats_free))

    def __repr__(self) -> str:
        return f"<CapacityOffer {self.id} course={self.course_id} {self.seats_taken}+{self.seats_held}/{self.seats_offered} {self.status.value}>"


class OfferEntity(Base):
    """An organisation (legal entity) that may see and request a ``named`` offer."""

    __tablename__ = "capacity_offer_entity"

    offer_id: Mapped[int] = mapped_column(ForeignKey("capacity_offer.id", ondelete="CASCADE"), primary_key=True)
    legal_entity_id: Mapped[int] = mapped_column(ForeignKey("legal_entity.id"), primary_key=True, index=True)

    legal_entity: Mapped[LegalEntity] = relationship()


class CapacityRequest(Base):
    __tablename__ = "capacity_request"
    __table_args__ = (
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        CheckConstraint("status <> 'waiting' OR position IS NOT NULL", name="waiting_has_position"),
        Index("ix_capacity_request_offer_status", "offer_id", "status"),
        Index("ix_capacity_request_requester_status", "requester_unit_id", "status"),
        Index("ix_capacity_request_status_expires", "status", "hold_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("capacity_offer.id"))
    requester_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    side: Mapped[Side] = mapped_column(Enum(Side, name="side", native_enum=False, validate_strings=True, length=20))
    seats: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    # The offer's price when requested (null = the course's rates); the price quoted then.
    unit_price: Mapped[Optional[Decimal]] = mapped_column(Numeric(14, 2))
    quoted_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    message: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "capacity_request_status"))
    # Place on the waiting list (lower first); kept after leaving it only for the history.
    position: Mapped[Optional[int]] = mapped_column(Integer)
    # Until when held seats (held or offered) are kept.
    hold_expires_at: Mapped[Optional[dt.datetime]] = mapped_column()
    answer_reason: Mapped[Optional[str]] = mapped_column(Text)
    purchase_id: Mapped[Optional[int]] = mapped_column(ForeignKey("seat_purchase.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[Optional[dt.datetime]] = mapped_column()

    offer: Mapped[CapacityOffer] = relationship()
    requester_unit: Mapped[Unit] = relationship()
    budget: Mapped[Budget] = relationship()
    participants: Mapped[list["RequestParticipant"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestParticipant.id"
    )

    def __repr__(self) -> str:
        return f"<CapacityRequest {self.id} offer={self.offer_id} seats={self.seats} {self.status.value}>"


class RequestParticipant(ParticipantFields, Base):
    """A participant on a request; visible only to the requesting unit and the provider."""

    __tablename__ = "capacity_request_participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("capacity_request.id", ondelete="CASCADE"), index=True)

    request: Mapped[CapacityRequest] = relationship(back_populates="participants")
