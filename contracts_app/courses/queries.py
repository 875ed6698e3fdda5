"""Read-only selects for the course catalogue."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, func, or_, select

from .models import CEFR_LEVELS, Course

PAGE_SIZE = 25


def search(*, q: str = "", kind: str = "", level: str = "", municipality: str = "", fmt: str = "", part_time: bool = False,
           start_from: dt.date | None = None, start_to: dt.date | None = None, min_free: int | None = None,
           only_active: bool = True) -> Select:
    stmt = select(Course)
    if only_active:
        stmt = stmt.where(Course.is_active.is_(True))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(Course.title).like(like), func.lower(Course.description).like(like)))
    if kind:
        stmt = stmt.where(Course.kind == kind)
    if level in CEFR_LEVELS:
        # A course fits a participant at `level` when level is within its entry range (open ends allowed).
        fitting_min = [lv for lv in CEFR_LEVELS if CEFR_LEVELS.index(lv) <= CEFR_LEVELS.index(level)]
        fitting_max = [lv for lv in CEFR_LEVELS if CEFR_LEVELS.index(lv) >= CEFR_LEVELS.index(level)]
        stmt = stmt.where(or_(Course.cefr_min.is_(None), Course.cefr_min.in_(fitting_min)))
        stmt = stmt.where(or_(Course.cefr_max.is_(None), Course.cefr_max.in_(fitting_max)))
    if municipality:
        stmt = stmt.where(Course.municipality_number == municipality)
    if fmt:
        stmt = stmt.where(Course.format == fmt)
    if part_time:
        stmt = stmt.where(Course.part_time.is_(True))
    if start_from:
        stmt = stmt.where(or_(Course.start_date >= start_from, (Course.rolling_start.is_(True)) & (Course.end_date >= start_from)))
    if start_to:
        stmt = stmt.where(Course.start_date <= start_to)
    if min_free:
        stmt = stmt.where(Course.total_seats - Course.seats_held - Course.seats_confirmed >= min_free)
    return stmt.order_by(Course.start_date, Course.title, Course.id)
