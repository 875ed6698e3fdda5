"""Courses and free-seat offers: search with the pages' filters and queries, and detail."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import abort

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..capacity import queries as capacity_queries
from ..capacity.models import CapacityOffer
from ..courses import queries as course_queries
from ..courses.models import Course
from ..db import get_session
from ..organisations.models import Unit
from . import pagination
from .openapi import operation
from .pagination import Key
from .schemas import CourseOut, CourseQuery, CourseRef, OfferOut, OfferQuery, Page, UnitRef
from .views import ApiProblem, bp, detail, json_response, parse_query


def course_out(c: Course) -> CourseOut:
    return CourseOut(
        id=c.id, title=c.title, kind=c.kind, format=c.format, cefr_min=c.cefr_min, cefr_max=c.cefr_max,
        municipality_number=c.municipality_number, location=c.location, start_date=c.start_date, end_date=c.end_date,
        rolling_start=c.rolling_start, hours_per_week=c.hours_per_week, part_time=c.part_time, total_seats=c.total_seats,
        seats_free=c.seats_free, price_unit=c.price_unit, is_active=c.is_active,
        provider_unit=UnitRef(id=c.provider_unit.id, name=c.provider_unit.name), description=c.description,
        target_groups=c.target_groups, language_support=c.language_support, updated_at=c.updated_at,
    )


def offer_out(o: CapacityOffer, available: int | None = None) -> OfferOut:
    return OfferOut(
        id=o.id, course=CourseRef(id=o.course.id, title=o.course.title), provider_unit=UnitRef(id=o.provider_unit.id, name=o.provider_unit.name),
        status=o.status, seats_offered=o.seats_offered, seats_available=o.seats_available if available is None else available,
        period_start=o.period_start, period_end=o.period_end, request_deadline=o.request_deadline, unit_price=o.unit_price,
        seat_price=o.seat_price, contact_name=o.contact_name, contact_email=o.contact_email, contact_phone=o.contact_phone, notes=o.notes,
    )


def paged(session, stmt, keys, *, listing: str, query, scalars: bool = True):
    try:
        return pagination.page(session, stmt, keys, listing=listing, limit=query.limit, cursor=query.cursor, scalars=scalars)
    except pagination.BadCursor:
        from flask_babel import gettext as _

        raise ApiProblem(422, _("Some of the query parameters could not be accepted."), errors=[
            {"parameter": "cursor", "detail": _("The cursor is not valid for this list. Start again without it.")}]) from None


COURSE_KEYS = [Key(Course.start_date, dt.date, lambda c: c.start_date), Key(Course.title, str, lambda c: c.title),
               Key(Course.id, int, lambda c: c.id)]


@bp.get("/courses")
@requires(perm.authenticated)
@operation(scope="read", summary="Search courses", tag="Courses", query=CourseQuery, response=Page[CourseOut],
           description="The course catalogue with the filters of the page `/courses/`, in its order (start date, title).")
def courses():
    q = parse_query(CourseQuery)
    stmt = course_queries.search(
        get_session(), q=q.q, kind=q.kind.value if q.kind else "", level=q.level or "", municipality=q.municipality or "",
        fmt=q.format.value if q.format else "", part_time=q.part_time, start_from=q.start_from, start_to=q.start_to,
        min_free=q.min_free,
    )
    items, cursor = paged(get_session(), stmt, COURSE_KEYS, listing="courses", query=q)
    return json_response(Page[CourseOut](items=[course_out(c) for c in items], next_cursor=cursor, limit=q.limit))


@bp.get("/courses/<int:course_id>")
@requires(perm.authenticated)
@operation(scope="read", summary="A course", tag="Courses", response=CourseOut, etag=True)
def course(course_id: int):
    c = get_session().get(Course, course_id) or abort(404)
    return detail(course_out(c))


def _offer_keys(sort: str) -> list[Key]:
    start = Key(CapacityOffer.period_start, dt.date, lambda row: row[0].period_start)
    price = Key(CapacityOffer.seat_price, Decimal, lambda row: row[0].seat_price)
    ident = Key(CapacityOffer.id, int, lambda row: row[0].id)
    return [price, start, ident] if sort == "price" else [start, price, ident]


@bp.get("/capacity/offers")
@requires(perm.authenticated)
@operation(scope="read", summary="Search free seats", tag="Free seats", query=OfferQuery, response=Page[OfferOut],
           description="Published offers open for requests that the caller's unit may see, with the filters and the "
                       "query of the page `/capacity` (start date or price order).")
def capacity_offers():
    q = parse_query(OfferQuery)
    session = get_session()
    p = current_principal()
    unit = session.get(Unit, p.unit_id) if p.unit_id else None
    if unit is None:
        return json_response(Page[OfferOut](items=[], next_cursor=None, limit=q.limit))
    filters = capacity_queries.OfferFilters(
        q=q.q, kind=q.kind.value if q.kind else "", level=q.level or "", municipality=q.municipality or "", county=q.county or "",
        fmt=q.format.value if q.format else "", part_time=q.part_time, start_from=q.start_from, start_to=q.start_to,
        max_price=q.max_price, min_seats=q.min_seats, sort=q.sort,
    )
    stmt, _count = capacity_queries.search(session, unit, filters, today=clock.today())
    rows, cursor = paged(session, stmt, _offer_keys(q.sort), listing=f"offers:{q.sort}", query=q, scalars=False)
    return json_response(Page[OfferOut](items=[offer_out(o, a) for o, a in rows], next_cursor=cursor, limit=q.limit))


@bp.get("/capacity/offers/<int:offer_id>")
@requires(perm.authenticated)
@operation(scope="read", summary="A free-seat offer", tag="Free seats", response=OfferOut, etag=True,
           description="Visible as on the page: the provider's own offers, offers open to all, and offers naming a "
                       "legal person the caller's unit acts for (404 otherwise).")
def capacity_offer(offer_id: int):
    session = get_session()
    offer = session.get(CapacityOffer, offer_id) or abort(404)
    p = current_principal()
    unit = session.get(Unit, p.unit_id) if p.unit_id else None
    if not (perm.is_admin(p) or capacity_queries.visible_to(offer, unit)):
        abort(404)
    return detail(offer_out(offer))
