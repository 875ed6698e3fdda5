"""Courses offered by provider units, their dated prices and their seat pool (brief §3)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..organisations.models import Unit
from ..vocab import LabelledEnum
from .pricing import PriceUnit


class CourseKind(LabelledEnum):
    norwegian_training = "norwegian_training"  # norskopplæring
    basic_skills = "basic_skills"  # grunnleggende ferdigheter
    fov = "fov"  # forberedende opplæring for voksne
    amo = "amo"  # arbeidsmarkedsopplæring
    industry_course = "industry_course"  # bransjekurs
    vocational_norwegian = "vocational_norwegian"  # yrkesnorsk
    other = "other"

    __labels__ = {
        "norwegian_training": _l("Norwegian training"), "basic_skills": _l("Basic skills"),
        "fov": _l("Preparatory education for adults (FOV)"), "amo": _l("Labour-market training (AMO)"),
        "industry_course": _l("Industry course"), "vocational_norwegian": _l("Vocational Norwegian"), "other": _l("Other"),
    }


class CourseFormat(LabelledEnum):
    in_person = "in_person"
    digital = "digital"
    hybrid = "hybrid"

    __labels__ = {"in_person": _l("In person"), "digital": _l("Digital"), "hybrid": _l("Hybrid")}


CEFR_LEVELS = ("A1", "A2", "B1", "B2")
#: Upper bound of a course's total teaching hours: far beyond any course (five years full time is ~9 000);
#: above it the number is a typing mistake.
MAX_TOTAL_HOURS = 20_000


def _enum(cls, name):
    # Stores the member names, which equal the values (a string column with a CHECK constraint).
    return Enum(cls, name=name, native_enum=False, validate_strings=True, length=40)


class Course(Base):
    __tablename__ = "course"
    __table_args__ = (
        # The seat ledger can never go negative nor promise more than exist (checked again by the database).
        CheckConstraint(
            "seats_held >= 0 AND seats_confirmed >= 0 AND seats_held + seats_confirmed <= total_seats",
            name="seats_within_total",
        ),
        CheckConstraint("total_seats >= 0", name="total_seats_not_negative"),
        CheckConstraint("hours_per_week > 0", name="hours_per_week_positive"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="end_after_start"),
        # A supplier's courses of one kind (the rules assessment's related purchases), read from the index alone.
        Index("ix_course_provider_kind", "provider_unit_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unit that runs the course and sells its seats.
    provider_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CourseKind] = mapped_column(_enum(CourseKind, "course_kind"), index=True)
    # CEFR entry range; both null = no language requirement.
    cefr_min: Mapped[Optional[str]] = mapped_column(String(2))
    cefr_max: Mapped[Optional[str]] = mapped_column(String(2))
    format: Mapped[CourseFormat] = mapped_column(_enum(CourseFormat, "course_format"))
    # Where the course is held (kommunenummer) and a free-text place.
    municipality_number: Mapped[Optional[str]] = mapped_column(String(4), index=True)
    location: Mapped[Optional[str]] = mapped_column(String(200))
    # Dates the course runs; with rolling start (løpende oppstart) participants may start any teaching day.
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    end_date: Mapped[dt.date] = mapped_column(Date)
    rolling_start: Mapped[bool] = mapped_column(Boolean, default=False)
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    total_hours: Mapped[Optional[Decimal]] = mapped_column(Numeric(7, 2))
    # Days of the week with teaching (Python weekday numbers, "0,1,2,3,4" = Monday–Friday).
    teaching_weekdays: Mapped[str] = mapped_column(String(20), default="0,1,2,3,4")
    # Can be combined with work or work practice.
    part_time: Mapped[bool] = mapped_column(Boolean, default=False)
    total_seats: Mapped[int] = mapped_column(Integer)
    # Seats held by pending requests and seats sold; maintained under the course row lock.
    seats_held: Mapped[int] = mapped_column(Integer, default=0)
    seats_confirmed: Mapped[int] = mapped_column(Integer, default=0)
    price_unit: Mapped[PriceUnit] = mapped_column(_enum(PriceUnit, "price_unit"))
    target_groups: Mapped[Optional[str]] = mapped_column(Text)
    language_support: Mapped[Optional[str]] = mapped_column(String(200))
    description: Mapped[Optional[str]] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()

    provider_unit: Mapped[Unit] = relationship(lazy="joined")
    rates: Mapped[list["CourseRate"]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseRate.valid_from"
    )

    @property
    def seats_free(self) -> int:
        return self.total_seats - self.seats_held - self.seats_confirmed

    @property
    def weekdays(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.teaching_weekdays.split(",") if d != "")

    def __repr__(self) -> str:
        return f"<Course {self.id} {self.title!r} seats={self.seats_confirmed}+{self.seats_held}/{self.total_seats}>"


class CourseRate(Base):
    """A dated rate: applies from ``valid_from`` until the day before the next rate of the course."""

    __tablename__ = "course_rate"
    __table_args__ = (
        UniqueConstraint("course_id", "valid_from"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    # NOK excluding VAT per price unit (seat, teaching hour, week or month).
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    course: Mapped[Course] = relationship(back_populates="rates")

    def __repr__(self) -> str:
        return f"<CourseRate course={self.course_id} from {self.valid_from} {self.amount}>"
