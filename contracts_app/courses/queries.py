"""Read-only selects for the course catalogue.

Text search. The catalogue finds words the way the free-seat search does, with the same full-text index
(``capacity.queries.course_text_condition``: PostgreSQL's ``course.search_vector`` with Norwegian stemming, SQLite's
FTS5 table): every word of the search must match a word of the course's texts, or the start of one. The
compound-word rule, decided once for both searches: a word matches the *start* of a compound, not its middle —
"norsk" finds "norskkurs" and "Norskopplæring", but "kurs" does not find "norskkurs" (a full-text index holds
whole words; matching inside words would need a scan of every course). Case does not matter; punctuation and
query syntax in the search are ignored (only letters and digits count), and at most 8 words are used.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from ..capacity.queries import course_text_condition
from .models import CEFR_LEVELS, Course

PAGE_SIZE = 25


def text_condition(session: Session, q: str):
    """The free-seat search's full-text condition on the course itself (the same index and the same words; None
    when ``q`` has no words)."""
    return course_text_condition(session, q)


def search(session: Session, *, q: str = "", kind: str = "", level: str = "", municipality: str = "", fmt: str = "", part_time: bool = False,
           start_from: dt.date | None = None, start_to: dt.date | None = None, min_free: int | None = None,
           only_active: bool = True) -> Select:
    stmt = select(Course)
    if only_active:
        stmt = stmt.where(Course.is_active.is_(True))
    if q and (matching := text_condition(session, q)) is not None:
        stmt = stmt.where(matching)
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
    # The page shows each course's provider (joined by the model) and its latest rate: loaded with the page.
    return stmt.order_by(Course.start_date, Course.title, Course.id).options(selectinload(Course.rates))
