"""Searching published capacity offers, and the full-text index over courses it uses.

Full text. PostgreSQL: ``course.search_vector``, a stored generated ``to_tsvector('norwegian', …)`` over the
course's texts with a GIN index (``ix_course_fulltext``, migration 0004): Norwegian stemming, case-insensitive,
and each word also matches as a prefix (``norsk`` finds "norskkurs"). SQLite: an FTS5 table ``course_fts`` (rowid = course id, kept in
step by triggers) with the ``unicode61`` tokenizer without diacritic folding (æ, ø, å stay letters of their
own; upper and lower case match) and prefix queries, since SQLite has no Norwegian stemmer. Neither object is in the models (the migrations create them).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, and_, case, func, literal_column, or_, select, text
from sqlalchemy.orm import Session, selectinload

from ..courses.models import CEFR_LEVELS
from ..organisations.models import Unit
from .models import CapacityOffer, OfferEntity, OfferStatus, Visibility
from .services import unit_entity_ids

PAGE_SIZE = 20
# Counting stops here: "more than 1 000 offers match" says enough, and a broad search then costs what a
# narrow one does instead of counting every published offer in the country.
COUNT_CAP = 1000

_WORD = re.compile(r"\w+", re.UNICODE)


def words(q: str) -> list[str]:
    """The search words: letters and digits only (so nothing in ``q`` is query syntax), at most 8."""
    return [w.lower() for w in _WORD.findall(q or "")][:8]


def fulltext_condition(session: Session, q: str):
    """A WHERE condition on ``capacity_offer.course_id``: the course matches every word of ``q`` (as a word or
    a word prefix)."""
    ws = words(q)
    if not ws:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # course.search_vector is a stored generated column with a GIN index (migration 0004); as a semi-join
        # the planner knows how many courses match and picks the index or a scan of the stored vectors.
        matching = select(literal_column("course.id")).select_from(text("course")).where(
            text("course.search_vector @@ to_tsquery('norwegian', :tsquery)").bindparams(tsquery=" & ".join(f"{w}:*" for w in ws)))
        return CapacityOffer.course_id.in_(matching)
    else:
        match = " AND ".join(f'"{w}"*' for w in ws)
        matching = select(literal_column("rowid")).select_from(text("course_fts")).where(text("course_fts MATCH :fts").bindparams(fts=match))
        # "+ 0": test the membership while scanning the covering search index in page order, instead of letting
        # SQLite drive the query from the course_id index (a common word matches most courses; measured 3× slower).
        return (CapacityOffer.course_id + 0).in_(matching)


@dataclass
class OfferFilters:
    q: str = ""
    kind: str = ""
    level: str = ""
    municipality: str = ""
    county: str = ""
    fmt: str = ""
    part_time: bool = False
    start_from: dt.date | None = None
    start_to: dt.date | None = None
    max_price: Decimal | None = None
    min_seats: int | None = None
    sort: str = "start"
    page: int = 1


def _available_seats():
    """SQL for the seats a new request can hold: free in the offer and in the course."""
    offer_free = CapacityOffer.seats_offered - CapacityOffer.seats_held - CapacityOffer.seats_taken
    return case((offer_free < CapacityOffer.course_seats_free, offer_free), else_=CapacityOffer.course_seats_free)


def visible_condition(unit: Unit):
    """Offers the unit may see: open to all, its own, or naming one of the legal persons it acts for."""
    return or_(
        CapacityOffer.visibility == Visibility.all_public,
        CapacityOffer.provider_unit_id == unit.id,
        # computed once as a list, not once per row
        CapacityOffer.id.in_(select(OfferEntity.offer_id).where(OfferEntity.legal_entity_id.in_(sorted(unit_entity_ids(unit))))),
    )


def search(session: Session, unit: Unit, f: OfferFilters, *, today: dt.date) -> tuple[Select, Select]:
    """(page query of (offer, available seats), count query) for published offers open for requests. The
    count stops at ``COUNT_CAP + 1``: more than the cap means "more than COUNT_CAP".

    One table: the offer carries copies of its course's search fields and free seats (see the model), so
    filtering, counting and ordering never join; the page's 20 offers load their courses afterwards.
    """
    conds = [
        CapacityOffer.status == OfferStatus.published,
        CapacityOffer.request_deadline >= today,
        CapacityOffer.course_active.is_(True),
        visible_condition(unit),
    ]
    ft = fulltext_condition(session, f.q)
    if ft is not None:
        conds.append(ft)
    if f.kind:
        conds.append(CapacityOffer.course_kind == f.kind)
    if f.level in CEFR_LEVELS:
        i = CEFR_LEVELS.index(f.level)
        conds.append(or_(CapacityOffer.course_cefr_min.is_(None), CapacityOffer.course_cefr_min.in_(CEFR_LEVELS[: i + 1])))
        conds.append(or_(CapacityOffer.course_cefr_max.is_(None), CapacityOffer.course_cefr_max.in_(CEFR_LEVELS[i:])))
    if f.municipality:
        conds.append(CapacityOffer.course_municipality == f.municipality)
    elif f.county:
        conds.append(CapacityOffer.course_municipality.like(f"{f.county}%"))
    if f.fmt:
        conds.append(CapacityOffer.course_format == f.fmt)
    if f.part_time:
        conds.append(CapacityOffer.course_part_time.is_(True))
    # Start window: the offer's seats can be used at some day inside [start_from, start_to].
    if f.start_from:
        conds.append(CapacityOffer.period_end >= f.start_from)
    if f.start_to:
        conds.append(CapacityOffer.period_start <= f.start_to)
    if f.max_price is not None:
        conds.append(CapacityOffer.seat_price <= f.max_price)
    available = _available_seats()
    conds.append(available >= (f.min_seats or 1))
    where = and_(*conds)
    base = select(CapacityOffer, available.label("available")).where(where).options(
        selectinload(CapacityOffer.course), selectinload(CapacityOffer.provider_unit))
    if f.sort == "price":
        base = base.order_by(CapacityOffer.seat_price, CapacityOffer.period_start, CapacityOffer.id)
    else:
        base = base.order_by(CapacityOffer.period_start, CapacityOffer.seat_price, CapacityOffer.id)
    page = max(1, f.page)
    capped = select(CapacityOffer.id).where(where).limit(COUNT_CAP + 1).subquery()
    count = select(func.count()).select_from(capped)
    return base.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE), count
