"""Reads of the public free-seat feed: which offers anyone may see, one page of them or all, as plain values.

"Open for requests" is the logged-in search's rule (``capacity.queries.open_for_requests``: published, the
request deadline not passed, the course active, and at least one seat a request could hold). The feed adds one condition: the offer is open to every
public service (``Visibility.all_public``); an offer shown to named organisations only is never public.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, selectinload

from ..capacity.models import CapacityOffer, Visibility
from ..capacity.queries import level_conditions, open_for_requests
from ..organisations import places
from ..pagination import Page, paginate

#: Rows of one CSV download: far more than the country's open offers at any time; the page and the JSON page.
MAX_CSV_ROWS = 5000


@dataclass(frozen=True)
class FeedFilters:
    municipality: str = ""  # kommunenummer, four digits
    level: str = ""  # a CEFR level the course admits
    fmt: str = ""  # a CourseFormat value


@dataclass(frozen=True)
class FeedItem:
    """One offer as the public sees it: nothing about people but the unit's functional address."""

    id: int
    course_title: str
    course_kind: str
    provider_name: str
    provider_email: str | None
    municipality_number: str | None
    municipality_name: str | None
    level_min: str | None
    level_max: str | None
    format: str
    period_start: dt.date
    period_end: dt.date
    deadline: dt.date
    free_seats: int
    price_per_seat: Decimal


def public_conditions(today: dt.date) -> list:
    """Offers anyone may see today: open to all public services and open for requests (search's rule)."""
    return [*open_for_requests(today), CapacityOffer.visibility == Visibility.all_public]


def feed_query(f: FeedFilters, *, today: dt.date) -> Select:
    """The public offers matching ``f``, in the search's default order (start, price, id)."""
    conds = public_conditions(today)
    if f.municipality:
        conds.append(CapacityOffer.course_municipality == f.municipality)
    conds += level_conditions(f.level)
    if f.fmt:
        conds.append(CapacityOffer.course_format == f.fmt)
    return (
        select(CapacityOffer).where(and_(*conds))
        # the course (and its provider unit) come joined with the offer; the offer's provider unit in one more query
        .options(selectinload(CapacityOffer.provider_unit))
        .order_by(CapacityOffer.period_start, CapacityOffer.seat_price, CapacityOffer.id)
    )


def item(offer: CapacityOffer) -> FeedItem:
    course = offer.course
    number = course.municipality_number
    place = places.municipality(number)  # None for an invented demo place or one merged away since
    return FeedItem(
        id=offer.id,
        course_title=course.title,
        course_kind=course.kind.value,
        provider_name=offer.provider_unit.name,
        provider_email=offer.provider_unit.email or None,
        municipality_number=number or None,
        municipality_name=place.name if place else None,
        level_min=course.cefr_min or None,
        level_max=course.cefr_max or None,
        format=course.format.value,
        period_start=offer.period_start,
        period_end=offer.period_end,
        deadline=offer.request_deadline,
        free_seats=offer.seats_available,
        price_per_seat=offer.seat_price,
    )


def feed_page(session: Session, f: FeedFilters, *, today: dt.date, page: int, per_page: int) -> Page[FeedItem]:
    """One page of the feed (counted and cut in the database)."""
    found = paginate(session, feed_query(f, today=today), page=page, per_page=per_page)
    return Page([item(o) for o in found.items], found.total, found.page, found.per_page)


def feed_all(session: Session, f: FeedFilters, *, today: dt.date, limit: int = MAX_CSV_ROWS) -> list[FeedItem]:
    """Every matching offer (at most ``limit``), for the CSV download."""
    return [item(o) for o in session.scalars(feed_query(f, today=today).limit(limit)).all()]
