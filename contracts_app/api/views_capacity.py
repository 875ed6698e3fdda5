"""Capacity requests: list, detail, create, withdraw (requesters); accept and decline (providers) — through
``capacity/requests.py``, the services of the pages, with the same access rules:

- a request is visible only to the requesting unit and the offer's provider unit (404 for anyone else);
- creating and withdrawing need ``can_buy_seats`` and the requesting unit; accepting and declining need
  ``can_publish_capacity`` and the provider unit (403 for the other party).
"""
from __future__ import annotations


from flask import abort, current_app, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..capacity import requests as request_services
from ..capacity.models import CapacityOffer, CapacityRequest
from ..capacity.seats import HoldDays
from ..courses.models import Course
from ..db import get_session, in_subquery
from ..organisations.models import Unit
from ..purchases.services import ParticipantInput
from .openapi import operation
from .pagination import newest_first
from .schemas import (CapacityRequestIn, CapacityRequestOut, CourseRef, DeclineIn, Empty, Page, ParticipantOut,
                      RequestListQuery, UnitRef)
from .views import ApiProblem, bp, detail, json_response, parse_body, parse_query, write
from .views_catalogue import paged


def request_out(r: CapacityRequest) -> CapacityRequestOut:
    offer = r.offer
    return CapacityRequestOut(
        id=r.id, offer_id=r.offer_id, course=CourseRef(id=offer.course.id, title=offer.course.title),
        requester_unit=UnitRef(id=r.requester_unit.id, name=r.requester_unit.name),
        provider_unit=UnitRef(id=offer.provider_unit.id, name=offer.provider_unit.name), budget_id=r.budget_id,
        side=r.side.value if hasattr(r.side, "value") else str(r.side), seats=r.seats, start_date=r.start_date, end_date=r.end_date,
        unit_price=r.unit_price, quoted_amount=r.quoted_amount, status=r.status, position=r.position,
        hold_expires_at=r.hold_expires_at, purchase_id=r.purchase_id, answer_reason=r.answer_reason, message=r.message,
        participants=[ParticipantOut(reference=p.reference, cefr_level=p.cefr_level, consent=p.consent, consent_date=p.consent_date)
                      for p in r.participants],
        created_at=r.created_at, updated_at=r.updated_at,
    )


def _hold_days() -> HoldDays:
    return HoldDays.from_config(current_app.config)


def _visible_request(request_id: int) -> CapacityRequest:
    req = get_session().get(CapacityRequest, request_id) or abort(404)
    if current_principal().unit_id not in (req.requester_unit_id, req.offer.provider_unit_id):
        abort(404)
    return req


def _location(req: CapacityRequest) -> str:
    return url_for("api.capacity_request", request_id=req.id)


def _request_links() -> dict:
    """Where a client goes from a request (the `id` of the answer)."""
    by_id = {"request_id": "$response.body#/id"}
    return {"GetRequest": ("capacity_request", by_id), "AcceptRequest": ("capacity_request_accept", by_id),
            "DeclineRequest": ("capacity_request_decline", by_id), "WithdrawRequest": ("capacity_request_withdraw", by_id)}


#: From an accepted request to the seat purchase it became.
PURCHASE_LINKS = {"GetPurchase": ("purchase", {"purchase_id": "$response.body#/purchase_id"}),
                  "CancelPurchase": ("purchase_cancel", {"purchase_id": "$response.body#/purchase_id"})}


#: What a list's rows show besides the request: its participants, the offer's course and provider, the requester —
#: one statement each for the whole page (names only), instead of one per row.
_offer = selectinload(CapacityRequest.offer)
LIST_LOADS = (
    selectinload(CapacityRequest.participants),
    _offer.load_only(CapacityOffer.id, CapacityOffer.course_id, CapacityOffer.provider_unit_id),
    _offer.selectinload(CapacityOffer.course).load_only(Course.id, Course.title).lazyload("*"),
    _offer.selectinload(CapacityOffer.provider_unit).load_only(Unit.id, Unit.name).lazyload("*"),
    selectinload(CapacityRequest.requester_unit).load_only(Unit.id, Unit.name).lazyload("*"),
)

REQUEST_KEYS = newest_first(CapacityRequest.created_at, CapacityRequest.id)


@bp.get("/capacity/requests")
@requires(perm.can_view_purchases)
@operation(scope="read", summary="Capacity requests", tag="Capacity requests", query=RequestListQuery,
           response=Page[CapacityRequestOut],
           description="The unit's own requests and the requests on its offers, newest first.")
def capacity_requests():
    q = parse_query(RequestListQuery)
    unit_id = current_principal().unit_id
    provided = in_subquery(CapacityRequest.offer_id, select(CapacityOffer.id).where(CapacityOffer.provider_unit_id == unit_id).scalar_subquery())
    own = CapacityRequest.requester_unit_id == unit_id
    where = {"requester": own, "provider": provided}.get(q.role, or_(own, provided))
    stmt = select(CapacityRequest).where(where).options(*LIST_LOADS)
    if q.status is not None:
        stmt = stmt.where(CapacityRequest.status == q.status)
    items, cursor = paged(get_session(), stmt, REQUEST_KEYS, listing="requests", query=q)
    return json_response(Page[CapacityRequestOut](items=[request_out(r) for r in items], next_cursor=cursor, limit=q.limit))


@bp.get("/capacity/requests/<int:request_id>")
@requires(perm.can_view_purchases)
@operation(scope="read", summary="A capacity request", tag="Capacity requests", response=CapacityRequestOut, etag=True)
def capacity_request(request_id: int):
    return detail(request_out(_visible_request(request_id)))


@bp.post("/capacity/requests")
@requires(perm.can_buy_seats)
@operation(scope="capacity", summary="Request free seats", tag="Capacity requests", body=CapacityRequestIn,
           response=CapacityRequestOut, status=201, idempotent=True, location=True, errors=(404,),
           links=_request_links(),
           description="Holds the seats for the provider's answer, or joins the offer's waiting list (`status`). The "
                       "same checks as the page: the offer open and visible, the period, the budget line, participants.")
def capacity_request_create():
    body, doc = parse_body(CapacityRequestIn)
    unit_id = current_principal().unit_id or abort(403)

    def run():
        data = request_services.RequestInput(
            offer_id=body.offer_id, requester_unit_id=unit_id, budget_id=body.budget_id, side=body.side, seats=body.seats,
            start_date=body.start_date, end_date=body.end_date, message=body.message,
            participants=[ParticipantInput(p.reference, p.cefr_level, p.consent, p.consent_date) for p in body.participants],
            past_start_confirmed=body.past_start_confirmed, join_waiting_list=body.join_waiting_list,
        )
        req = request_services.request_seats(get_session(), data, actor=_actor(), now=clock.now(), days=_hold_days())
        return 201, request_out(req), _location(req)

    return write(doc, run)


def _actor():
    from ..audit import Actor

    p = current_principal()
    return Actor(p.user_id, p.unit_id)


def _side(request_id: int, *, provider: bool) -> CapacityRequest:
    req = _visible_request(request_id)
    unit_id = current_principal().unit_id
    if (req.offer.provider_unit_id if provider else req.requester_unit_id) != unit_id:
        abort(403)
    return req


def _empty_body() -> dict:
    """Actions without fields take ``{}`` (``schemas.Empty``), or no body at all."""
    from flask import request

    if not request.get_data(cache=True).strip():
        return {}
    _body, doc = parse_body(Empty)
    return doc


@bp.post("/capacity/requests/<int:request_id>/withdraw")
@requires(perm.can_buy_seats)
@operation(scope="capacity", summary="Withdraw a request", tag="Capacity requests", body=Empty, response=CapacityRequestOut,
           idempotent=True, description="The requesting unit takes its request back; the seats go to the waiting list.")
def capacity_request_withdraw(request_id: int):
    req = _side(request_id, provider=False)
    doc = _empty_body()
    return write(doc, lambda: (200, request_out(request_services.withdraw(
        get_session(), req.id, actor=_actor(), now=clock.now(), days=_hold_days())), None))


@bp.post("/capacity/requests/<int:request_id>/accept")
@requires(perm.can_publish_capacity)
@operation(scope="capacity", summary="Accept a request", tag="Capacity requests", body=Empty, response=CapacityRequestOut,
           idempotent=True, links=PURCHASE_LINKS,
           description="The provider accepts a held request: it becomes a confirmed seat purchase (`purchase_id`) with "
                       "the buyer's budget commitment. 409 when no valid agreement covers the two legal persons "
                       "(`type` …#problem-agreement-required, with `buyer` and `provider`), when the hold expired, or "
                       "when the budget refuses.")
def capacity_request_accept(request_id: int):
    req = _side(request_id, provider=True)
    doc = _empty_body()

    def run():
        try:
            accepted = request_services.accept(get_session(), req.id, actor=_actor(), now=clock.now())
        except request_services.AgreementRequired as exc:
            get_session().rollback()
            raise ApiProblem(409, exc.message, type_="agreement-required", buyer=exc.buyer.name, provider=exc.provider.name) from None
        return 200, request_out(accepted), None

    return write(doc, run)


@bp.post("/capacity/requests/<int:request_id>/decline")
@requires(perm.can_publish_capacity)
@operation(scope="capacity", summary="Decline a request", tag="Capacity requests", body=DeclineIn, response=CapacityRequestOut,
           idempotent=True, description="The provider declines with a reason; the seats are released.")
def capacity_request_decline(request_id: int):
    req = _side(request_id, provider=True)
    body, doc = parse_body(DeclineIn)
    return write(doc, lambda: (200, request_out(request_services.decline(
        get_session(), req.id, reason=body.reason, actor=_actor(), now=clock.now(), days=_hold_days())), None))
