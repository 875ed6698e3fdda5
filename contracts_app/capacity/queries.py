"""Reads of capacity offers and requests: who may see an offer, what offers still promise, the lists of the
pages, and the search of published offers with the full-text index over courses it uses.

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

from sqlalchemy import Row, Select, and_, case, func, literal_column, or_, select, text
from sqlalchemy.orm import Session, contains_eager, load_only, selectinload

from ..audit import AuditEvent
from ..courses.models import CEFR_LEVELS, Course
from ..db import PLAN_PER_VALUE, in_subquery
from ..organisations.models import Unit
from ..pagination import PER_PAGE, Page, paginate
from ..purchases.models import SeatPurchase
from .models import ACTIVE_OFFER_STATUSES, CapacityOffer, CapacityRequest, OfferEntity, OfferStatus, Visibility

PAGE_SIZE = 20
# Counting stops here: "more than 1 000 offers match" says enough, and a broad search then costs what a
# narrow one does instead of counting every published offer in the country.
COUNT_CAP = 1000

_WORD = re.compile(r"\w+", re.UNICODE)


# --- who sees what ----------------------------------------------------------------------------------------

def unit_entity_ids(unit: Unit) -> set[int]:
    """The legal persons a unit can act for (a Nav office: the State and its municipality)."""
    ids = {unit.legal_entity_id}
    if unit.municipal_entity_id:
        ids.add(unit.municipal_entity_id)
    return ids


def visible_to(offer: CapacityOffer, unit: Unit | None) -> bool:
    """Whether the unit may see (and request) the offer; :func:`visible_condition` is the same rule in SQL."""
    if unit is None:
        return False
    if offer.provider_unit_id == unit.id:
        return True
    if offer.visibility == Visibility.all_public:
        return True
    return bool(unit_entity_ids(unit) & {e.legal_entity_id for e in offer.visible_to})


# --- seats, requests and history --------------------------------------------------------------------------

def promised_elsewhere(session: Session, course_id: int, except_offer_id: int | None = None) -> int:
    """Seats other active offers on the course still promise (neither held nor taken)."""
    stmt = select(func.coalesce(func.sum(CapacityOffer.seats_offered - CapacityOffer.seats_held - CapacityOffer.seats_taken), 0)).where(
        CapacityOffer.course_id == course_id, CapacityOffer.status.in_(ACTIVE_OFFER_STATUSES)
    )
    if except_offer_id is not None:
        stmt = stmt.where(CapacityOffer.id != except_offer_id)
    return int(session.scalar(stmt) or 0)


def offer_requests(session: Session, offer_id: int) -> list[CapacityRequest]:
    """The offer's requests, newest first (its provider's view)."""
    return list(session.scalars(
        select(CapacityRequest).where(CapacityRequest.offer_id == offer_id)
        .order_by(CapacityRequest.created_at.desc(), CapacityRequest.id.desc())
    ).all())


def unit_requests_on(session: Session, offer_id: int, unit_id: int) -> list[CapacityRequest]:
    """The requesting unit's own requests on the offer, last made first."""
    return list(session.scalars(
        select(CapacityRequest).where(CapacityRequest.offer_id == offer_id, CapacityRequest.requester_unit_id == unit_id)
        .order_by(CapacityRequest.id.desc())
    ).all())


# The lists of the requests page: one page each, counted in the database, newest first by the primary key (ids
# are given in the order rows are made, and the key is indexed; ``created_at`` is not). A row of the list is a
# plain row of the columns it shows, not a loaded object, and the course's title and the unit's name are
# subqueries in the row: the database looks them up for the page's rows only, after the sort and the cut (joined,
# they were looked up for every matching request first: 2 000 on a busy provider's list).


def _request_rows(where, *, requester: bool) -> Select:
    """Requests matching ``where``, newest first, as rows of what the list shows: ``id``, ``seats``, ``start_date``,
    ``end_date``, ``status``, ``hold_expires_at``, ``course_title`` and ``unit_name`` — the requester's
    (``requester``) or the offer's provider's.

    Ordered by ``id + 0``, an expression, not by the key itself: PostgreSQL guesses a unit's share of the requests
    from its share of units or offers, so it walked the key backwards expecting to meet a page of the unit's requests
    soon, and visited most of the table when they are old or few (75 ms for a busy provider at national scale, the
    whole table for a unit without requests). Ordered by an expression, the plan starts from the unit's requests or
    offers (both indexed) and sorts only those: about 2 ms.
    """
    r, o = CapacityRequest, CapacityOffer
    title = select(Course.title).join(o, o.course_id == Course.id).where(o.id == r.offer_id)
    unit = (select(Unit.name).where(Unit.id == r.requester_unit_id) if requester
            else select(Unit.name).join(o, o.provider_unit_id == Unit.id).where(o.id == r.offer_id))
    return select(
        r.id, r.seats, r.start_date, r.end_date, r.status, r.hold_expires_at,
        title.scalar_subquery().label("course_title"), unit.scalar_subquery().label("unit_name"),
    ).where(where).order_by((r.id + 0).desc())


def incoming_requests(session: Session, unit_id: int, *, page: int = 1, per_page: int = PER_PAGE) -> Page[Row]:
    """One page of the requests on the unit's offers, newest first, with who asked."""
    offers = select(CapacityOffer.id).where(CapacityOffer.provider_unit_id == unit_id).scalar_subquery()
    return paginate(session, _request_rows(in_subquery(CapacityRequest.offer_id, offers), requester=True), page=page,
                    per_page=per_page, rows=True)


def unit_requests(session: Session, unit_id: int, *, page: int = 1, per_page: int = PER_PAGE) -> Page[Row]:
    """One page of the unit's own requests, newest first, with the provider asked."""
    return paginate(session, _request_rows(CapacityRequest.requester_unit_id == unit_id, requester=False), page=page,
                    per_page=per_page, rows=True)


def unit_offers(session: Session, unit_id: int, *, page: int = 1, per_page: int = PER_PAGE) -> Page[CapacityOffer]:
    """One page of the unit's offers, newest first, with what a row shows: the course's title and free seats."""
    stmt = (
        select(CapacityOffer).join(CapacityOffer.course).where(CapacityOffer.provider_unit_id == unit_id)
        .options(
            load_only(CapacityOffer.id, CapacityOffer.course_id, CapacityOffer.status, CapacityOffer.seats_offered,
                      CapacityOffer.seats_held, CapacityOffer.seats_taken),
            contains_eager(CapacityOffer.course).load_only(Course.id, Course.title, Course.total_seats, Course.seats_held,
                                                            Course.seats_confirmed).lazyload("*"),
        )
        .order_by(CapacityOffer.id.desc())  # the (provider_unit_id, id) index, read backwards
    )
    return paginate(session, stmt, page=page, per_page=per_page)


def request_history(session: Session, request_id: int) -> list[AuditEvent]:
    """The request's audit trail, oldest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "capacity_request", AuditEvent.object_id == str(request_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all())


def purchase_of(session: Session, req: CapacityRequest) -> SeatPurchase | None:
    """The seat purchase an accepted request became."""
    return session.get(SeatPurchase, req.purchase_id) if req.purchase_id else None


# --- search -------------------------------------------------------------------------------------------------


def words(q: str) -> list[str]:
    """The search words: letters and digits only (so nothing in ``q`` is query syntax), at most 8."""
    return [w.lower() for w in _WORD.findall(q or "")][:8]


def course_text_condition(session: Session, q: str):
    """A WHERE condition on the ``course`` table: the course matches every word of ``q`` (as a word or a word
    prefix); None when ``q`` has no words. The catalogue filters courses with it directly."""
    ws = words(q)
    if not ws:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # course.search_vector is a stored generated column with a GIN index (migration 0004).
        return text("course.search_vector @@ to_tsquery('norwegian', :tsquery)").bindparams(
            tsquery=" & ".join(f"{w}:*" for w in ws))
    return _fts_match(ws, Course.id)


def _fts_match(ws: list[str], course_id):
    """SQLite: ``course_id`` is among the rows of the FTS5 table matching every word (prefixes too)."""
    match = " AND ".join(f'"{w}"*' for w in ws)
    matching = select(literal_column("rowid")).select_from(text("course_fts")).where(text("course_fts MATCH :fts").bindparams(fts=match))
    # "+ 0": test the membership while scanning the covering search index in page order, instead of letting
    # SQLite drive the query from the course_id index (a common word matches most courses; measured 3× slower).
    return (course_id + 0).in_(matching)


def fulltext_condition(session: Session, q: str):
    """A WHERE condition on ``capacity_offer.course_id``: the offer's course matches every word of ``q``
    (:func:`course_text_condition`)."""
    ws = words(q)
    if not ws:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # As a semi-join the planner knows how many courses match and picks the index or a scan of the stored vectors.
        return CapacityOffer.course_id.in_(select(Course.id).where(course_text_condition(session, q)))
    return _fts_match(ws, CapacityOffer.course_id)


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


def available_seats():
    """SQL for the seats a new request can hold: free in the offer and in the course."""
    offer_free = CapacityOffer.seats_offered - CapacityOffer.seats_held - CapacityOffer.seats_taken
    return case((offer_free < CapacityOffer.course_seats_free, offer_free), else_=CapacityOffer.course_seats_free)


def open_for_requests(today: dt.date, *, min_seats: int = 1) -> list:
    """The one rule of an offer open for requests: published, the request deadline not passed, the course
    active, and at least ``min_seats`` seats a request could hold (the search and the public feed)."""
    return [
        CapacityOffer.status == OfferStatus.published,
        CapacityOffer.request_deadline >= today,
        CapacityOffer.course_active.is_(True),
        available_seats() >= min_seats,
    ]


def level_conditions(level: str) -> list:
    """The course's CEFR range admits ``level`` (an open end admits every level); none for an unknown level."""
    if level not in CEFR_LEVELS:
        return []
    i = CEFR_LEVELS.index(level)
    return [or_(CapacityOffer.course_cefr_min.is_(None), CapacityOffer.course_cefr_min.in_(CEFR_LEVELS[: i + 1])),
            or_(CapacityOffer.course_cefr_max.is_(None), CapacityOffer.course_cefr_max.in_(CEFR_LEVELS[i:]))]


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
    conds = [*open_for_requests(today, min_seats=f.min_seats or 1), visible_condition(unit), *level_conditions(f.level)]
    ft = fulltext_condition(session, f.q)
    if ft is not None:
        conds.append(ft)
    if f.kind:
        conds.append(CapacityOffer.course_kind == f.kind)
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
    available = available_seats()
    where = and_(*conds)
    base = select(CapacityOffer, available.label("available")).where(where).options(
        selectinload(CapacityOffer.course), selectinload(CapacityOffer.provider_unit))
    if f.sort == "price":
        base = base.order_by(CapacityOffer.seat_price, CapacityOffer.period_start, CapacityOffer.id)
    else:
        base = base.order_by(CapacityOffer.period_start, CapacityOffer.seat_price, CapacityOffer.id)
    page = max(1, f.page)
    capped = select(CapacityOffer.id).where(where).limit(COUNT_CAP + 1).subquery()
    count = select(func.count()).select_from(capped).execution_options(**PLAN_PER_VALUE)
    return base.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).execution_options(**PLAN_PER_VALUE), count
