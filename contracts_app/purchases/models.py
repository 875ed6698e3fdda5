"""A seat purchase and the pseudonymous participant references it serves."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Enum, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..budget.models import Budget
from ..courses.models import Course, CourseKind
from ..db import Base
from ..organisations.models import Side, Unit
from .states import PurchaseStatus


def _enum(cls, name, length=40):
    # Stores the member names, which equal the values (a string column with a CHECK constraint).
    return Enum(cls, name=name, native_enum=False, validate_strings=True, length=length)


class SeatPurchase(Base):
    __tablename__ = "seat_purchase"
    __table_args__ = (
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        Index("ix_seat_purchase_buyer_course", "buyer_unit_id", "course_id"),
        # The rules assessment's related purchases (purchases.facts): one buyer and side, one supplier, one need,
        # a date window; status and amount make it covering, so the search reads only the matching entries.
        Index("ix_seat_purchase_related", "buyer_unit_id", "side", "supplier_entity_id", "course_kind", "start_date", "status", "amount"),
        # A budget line's ledger, newest first (budget page, API ledger, export): a range of the index in order;
        # status makes the line's count by status an index-only read.
        Index("ix_seat_purchase_budget_ledger", "budget_id", "created_at", "id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    # No index of its own: ix_seat_purchase_buyer_course and ix_seat_purchase_related begin with it.
    buyer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    # Which legal person buys (NAV-01): for a Nav office, the State or the municipality.
    side: Mapped[Side] = mapped_column(Enum(Side, name="side", native_enum=False, validate_strings=True, length=20))
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    # What was bought from whom, fixed at confirmation: the legal person owning the course's provider unit (the
    # supplier of the contract) and the kind of course (the need). Earlier purchases of the same need from the
    # same supplier count together against the thresholds (purchases.facts); kept here so that search reads
    # one index range, and so that a later change to the course or the unit does not rewrite what was bought.
    supplier_entity_id: Mapped[int] = mapped_column(ForeignKey("legal_entity.id"))
    course_kind: Mapped[CourseKind] = mapped_column(Enum(CourseKind, name="course_kind", native_enum=False, validate_strings=True, length=40))
    seats: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    # Computed price (NOK excl. VAT) and how it was computed (lines of the quote).
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    breakdown: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Actual cost once registered; the commitment then moves to spent.
    actual_amount: Mapped[Optional[Decimal]] = mapped_column(Numeric(14, 2))
    status: Mapped[PurchaseStatus] = mapped_column(_enum(PurchaseStatus, "purchase_status"), index=True)
    # The rules-engine assessment made at confirmation (facts, verdict, reasons), frozen with the purchase.
    assessment: Mapped[Optional[dict[str, Any]]]
    # Why the buyer needs a budget-stop override, and who (a second budget owner) decided it.
    override_reason: Mapped[Optional[str]] = mapped_column(Text)
    override_decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    override_decided_at: Mapped[Optional[dt.datetime]] = mapped_column()
    override_decision_note: Mapped[Optional[str]] = mapped_column(Text)
    cancel_reason: Mapped[Optional[str]] = mapped_column(Text)
    # The agreement the purchase is made under (agreements.queries.covering_agreement at confirmation).
    agreement_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agreement.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()

    course: Mapped[Course] = relationship()
    buyer_unit: Mapped[Unit] = relationship()
    budget: Mapped[Budget] = relationship()
    participants: Mapped[list["Participant"]] = relationship(
        back_populates="purchase", cascade="all, delete-orphan", order_by="Participant.id"
    )

    def __repr__(self) -> str:
        return f"<SeatPurchase {self.id} {self.status.value} course={self.course_id} seats={self.seats} {self.amount}>"


class ParticipantFields:
    """The minimum needed to manage a seat: a pseudonymous reference chosen by the buying service, an optional
    CEFR level and the consent to share information between the services (also on capacity requests).

    Never a national identity number or a name: the forms refuse anything that looks like one.
    """

    reference: Mapped[str] = mapped_column(String(40))
    cefr_level: Mapped[Optional[str]] = mapped_column(String(2))
    # Consent to share information between the services, and when it was given.
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    # Set when the reference and consent data were anonymised under the retention rule.
    anonymised_at: Mapped[Optional[dt.datetime]] = mapped_column()


class Participant(ParticipantFields, Base):
    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("seat_purchase.id", ondelete="CASCADE"), index=True)

    purchase: Mapped[SeatPurchase] = relationship(back_populates="participants")

    def __repr__(self) -> str:
        return f"<Participant {self.id} purchase={self.purchase_id}>"


class FormToken(Base):
    """A one-time form token that was used: the purchase confirm and the capacity request accept forms carry a
    fresh random token, and the first submission that succeeds stores it here with what it produced. A second
    submission of the same form (a double click, the browser's resend, a parallel request) hits the unique
    constraint, is rolled back and is shown the first result (``purchases/form_tokens.py``)."""

    __tablename__ = "form_token"
    __table_args__ = (UniqueConstraint("user_id", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who sent the form: a token only ever answers its own user.
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # The random token the form carried (``secrets.token_urlsafe(32)``, 43 characters).
    token: Mapped[str] = mapped_column(String(64))
    # Which form: purchase.confirm | capacity.accept (decides what ``object_id`` is).
    purpose: Mapped[str] = mapped_column(String(40))
    # What the first submission produced: the seat purchase, or the accepted capacity request.
    object_id: Mapped[int] = mapped_column(Integer)
    used_at: Mapped[dt.datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"<FormToken {self.id} {self.purpose} user={self.user_id} object={self.object_id}>"
