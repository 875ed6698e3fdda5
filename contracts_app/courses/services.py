"""Courses and their dated rates: create, change, and validate them. Services flush; the caller commits."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from .. import audit, formats
from ..audit import Actor
from ..db import begin_write, lock
from ..errors import NotFound, ValidationFailed
from ..organisations.models import Unit
from .models import CEFR_LEVELS, MAX_TOTAL_HOURS, Course, CourseFormat, CourseKind, CourseRate
from .pricing import PriceUnit, Rate, validate_rates

COURSE_FIELDS = [
    "title", "kind", "cefr_min", "cefr_max", "format", "municipality_number", "location", "start_date", "end_date",
    "rolling_start", "hours_per_week", "total_hours", "teaching_weekdays", "part_time", "total_seats", "price_unit",
    "target_groups", "language_support", "description", "is_active",
]


def _errors(data: dict[str, Any], course: Course | None) -> list[dict]:
    errors: list[dict] = []
    title = (data.get("title") or "").strip()
    if not title or len(title) > 200:
        errors.append({"path": "title", "message": _("Give the course a title of at most 200 characters.")})
    data["title"] = title
    for name, enum_cls in (("kind", CourseKind), ("format", CourseFormat), ("price_unit", PriceUnit)):
        try:
            data[name] = enum_cls(data.get(name))
        except ValueError:
            errors.append({"path": name, "message": _("Choose a value from the list.")})
    lo, hi = data.get("cefr_min") or None, data.get("cefr_max") or None
    if (lo and lo not in CEFR_LEVELS) or (hi and hi not in CEFR_LEVELS):
        errors.append({"path": "cefr_min", "message": _("Choose a CEFR level from the list.")})
    elif lo and hi and CEFR_LEVELS.index(lo) > CEFR_LEVELS.index(hi):
        errors.append({"path": "cefr_max", "message": _("The highest level cannot be below the lowest.")})
    data["cefr_min"], data["cefr_max"] = lo, hi
    start, end = data.get("start_date"), data.get("end_date")
    if not isinstance(start, dt.date):
        errors.append({"path": "start_date", "message": _("Enter the start date.")})
    if not isinstance(end, dt.date):
        errors.append({"path": "end_date", "message": _("Enter the end date.")})
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        if end < start:
            errors.append({"path": "end_date", "message": _("The end date cannot be before the start date.")})
        elif (end - start).days > 5 * 366:
            errors.append({"path": "end_date", "message": _("A course can run for at most five years.")})
    hours = data.get("hours_per_week")
    if not isinstance(hours, Decimal) or not (Decimal("1") <= hours <= Decimal("60")) or hours != hours.quantize(Decimal("0.01")):
        errors.append({"path": "hours_per_week", "message": _("Hours per week: at least 1 and at most 60.")})
    total_hours = data.get("total_hours")
    if total_hours is not None and (not isinstance(total_hours, Decimal) or not (1 <= total_hours <= MAX_TOTAL_HOURS)):
        errors.append({"path": "total_hours", "message": _("Total teaching hours: at least 1 and at most %(max)s.",
                                                           max=formats.number(MAX_TOTAL_HOURS))})
    seats = data.get("total_seats")
    minimum = (course.seats_held + course.seats_confirmed) if course else 0
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= 10000:
        # A course without a seat (or, above, without an hour) cannot be bought; it was accepted and then sold nothing.
        errors.append({"path": "total_seats", "message": _("Seats: a whole number from 1 to 10 000.")})
    elif seats < minimum:
        errors.append({"path": "total_seats", "message": _(
            "%(n)d seats are already sold or held: the course cannot have fewer seats.", n=minimum)})
    weekdays = data.get("teaching_weekdays") or []
    if not weekdays or any(d not in range(7) for d in weekdays):
        errors.append({"path": "teaching_weekdays", "message": _("Choose at least one teaching day.")})
    data["teaching_weekdays"] = ",".join(str(d) for d in sorted(set(weekdays)))
    muni = (data.get("municipality_number") or "").strip() or None
    if muni is not None and (len(muni) != 4 or not muni.isdigit()):
        errors.append({"path": "municipality_number", "message": _("A municipality number has 4 digits.")})
    data["municipality_number"] = muni
    for name, limit in (("location", 200), ("language_support", 200), ("target_groups", 2000), ("description", 5000)):
        value = (data.get(name) or "").strip() or None
        if value and len(value) > limit:
            errors.append({"path": name, "message": _("At most %(n)d characters.", n=limit)})
        data[name] = value
    rates: list[Rate] = data.get("rates") or []
    if not errors or not any(e["path"] in ("price_unit", "start_date") for e in errors):
        if isinstance(start, dt.date) and isinstance(data.get("price_unit"), PriceUnit):
            for err in validate_rates(data["price_unit"], rates, start):
                errors.append({"path": err.field, "message": err.message_nb})
    return errors


def create_course(session: Session, unit: Unit, data: dict[str, Any], *, actor: Actor, now: dt.datetime) -> Course:
    data = dict(data)
    errors = _errors(data, None)
    if errors:
        raise ValidationFailed(_("The course could not be saved."), errors=errors)
    course = Course(
        provider_unit_id=unit.id, created_at=now, updated_at=now, seats_held=0, seats_confirmed=0,
        **{k: data[k] for k in COURSE_FIELDS if k in data},
    )
    if course.is_active is None:
        course.is_active = True
    course.rates = [CourseRate(valid_from=r.valid_from, amount=r.amount) for r in data.get("rates") or []]
    session.add(course)
    session.flush()
    audit.record(session, actor, "course.created", course, at=now, after=_snapshot(course))
    return course


def update_course(session: Session, course_id: int, data: dict[str, Any], *, actor: Actor, now: dt.datetime) -> Course:
    """Change a course. Locks the course first: the seat count must not drop below what is sold meanwhile."""
    begin_write(session)
    course = lock(session, Course, course_id)
    if course is None:
        raise NotFound(_("No such course."))
    data = dict(data)
    errors = _errors(data, course)
    if errors:
        raise ValidationFailed(_("The course could not be saved."), errors=errors)
    before = _snapshot(course)
    for key in COURSE_FIELDS:
        if key in data:
            setattr(course, key, data[key])
    new_rates = {(r.valid_from, r.amount) for r in data.get("rates") or []}
    if new_rates != {(r.valid_from, r.amount) for r in course.rates}:
        course.rates = [CourseRate(valid_from=d, amount=a) for d, a in sorted(new_rates)]
    course.updated_at = now
    session.flush()
    after = _snapshot(course)
    if after != before:
        audit.record(session, actor, "course.updated", course, at=now, before=before, after=after)
    return course


def _snapshot(course: Course) -> dict[str, Any]:
    snap = audit.snapshot(course, COURSE_FIELDS + ["total_seats"])
    snap["rates"] = [{"valid_from": r.valid_from, "amount": r.amount} for r in course.rates]
    return audit.jsonable(snap)
