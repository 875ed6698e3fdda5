"""Seat purchases: list, detail, price preview, confirm, cancel and the actual cost — through
``purchases/services.py``, the services of the pages, with the same access rules:

- a purchase is visible only to the buying unit and the course's provider unit (404 for anyone else);
- previewing and confirming need ``can_buy_seats`` and buy for the caller's unit;
- cancelling needs ``can_cancel_purchase``, the actual cost ``can_manage_budget``; both the buying unit (403 for
  the provider unit).

The page's one-time form token (``purchases/form_tokens.py``) guards a browser's double submit; an API client
sends an ``Idempotency-Key`` instead (``views.write``).
"""
from __future__ import annotations


from flask import abort, current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..audit import Actor
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..capacity.seats import HoldDays
from ..courses.models import Course
from ..db import get_session
from ..errors import ValidationFailed
from ..organisations.models import Unit
from ..purchases import services
from ..purchases.models import SeatPurchase
from ..purchases.queries import of_unit_condition
from ..web import buyer_purchase_or_403, visible_purchase
from .openapi import operation
from .pagination import newest_first
from .problems import field_errors
from .schemas import (ActualCostIn, BudgetAfter, CancelIn, CourseRef, Page, ParticipantOut, PurchaseIn, PurchaseListQuery,
                      PurchaseOut, PurchasePreviewIn, PurchasePreviewOut, UnitRef)
from .views import ApiProblem, bp, detail, json_response, parse_body, parse_query, write
from .views_catalogue import paged

#: the services' field paths that the API's bodies name otherwise
_FIELDS = {"confirm_past_start": "past_start_confirmed", "buyer_unit_id": ""}


def _verdict(assessment: dict | None) -> str | None:
    inner = (assessment or {}).get("assessment")
    return inner.get("verdict") if isinstance(inner, dict) else None


def purchase_out(p: SeatPurchase) -> PurchaseOut:
    course = p.course
    return PurchaseOut(
        id=p.id, course=CourseRef(id=course.id, title=course.title), buyer_unit=UnitRef(id=p.buyer_unit.id, name=p.buyer_unit.name),
        provider_unit=UnitRef(id=course.provider_unit.id, name=course.provider_unit.name),
        side=p.side.value if hasattr(p.side, "value") else str(p.side), budget_id=p.budget_id, seats=p.seats,
        start_date=p.start_date, end_date=p.end_date, amount=p.amount, breakdown=[str(line) for line in (p.breakdown or [])],
        actual_amount=p.actual_amount, status=p.status, verdict=_verdict(p.assessment), agreement_id=p.agreement_id,
        override_reason=p.override_reason, override_decision_note=p.override_decision_note, cancel_reason=p.cancel_reason,
        participants=[ParticipantOut(reference=x.reference, cefr_level=x.cefr_level, consent=x.consent, consent_date=x.consent_date)
                      for x in p.participants],
        created_at=p.created_at, updated_at=p.updated_at,
    )


def _actor() -> Actor:
    p = current_principal()
    return Actor(p.user_id, p.unit_id)


def _input(body: PurchasePreviewIn) -> services.PurchaseInput:
    unit_id = current_principal().unit_id or abort(403)
    return services.PurchaseInput(
        course_id=body.course_id, buyer_unit_id=unit_id, budget_id=body.budget_id, side=body.side, seats=body.seats,
        start_date=body.start_date, end_date=body.end_date,
        participants=[services.ParticipantInput(p.reference, p.cefr_level, p.consent, p.consent_date) for p in body.participants],
        past_start_confirmed=body.past_start_confirmed,
    )


def _invalid(message: str, errors: list[dict]) -> ApiProblem:
    """A service's field errors as a 422 problem, with the API's field names in the pointers."""
    renamed = [{**e, "path": _FIELDS.get(e.get("path", ""), e.get("path", ""))} for e in errors]
    return ApiProblem(422, message, errors=field_errors(renamed))


def _budget_problem(exc: services.BudgetRefused, *, overridable: bool) -> ApiProblem:
    return ApiProblem(409, exc.message, type_="budget-stopped", stop_declared=exc.stopped, overridable=overridable)


def _location(purchase: SeatPurchase) -> str:
    return url_for("api.purchase", purchase_id=purchase.id)


#: What a list's rows show besides the purchase: its participants, the course's title and provider, the buyer —
#: one statement each for the whole page (names only), after the page is cut.
_course = selectinload(SeatPurchase.course)
LIST_LOADS = (
    selectinload(SeatPurchase.participants),
    _course.load_only(Course.id, Course.title, Course.provider_unit_id).lazyload("*"),
    _course.selectinload(Course.provider_unit).load_only(Unit.id, Unit.name).lazyload("*"),
    selectinload(SeatPurchase.buyer_unit).load_only(Unit.id, Unit.name).lazyload("*"),
)

PURCHASE_KEYS = newest_first(SeatPurchase.created_at, SeatPurchase.id)


@bp.get("/purchases")
@requires(perm.can_view_purchases)
@operation(scope="read", summary="Seat purchases", tag="Seat purchases", query=PurchaseListQuery, response=Page[PurchaseOut],
           description="The unit's purchases as buyer and of seats on its courses (as the page `/purchases`), newest first.")
def purchases():
    q = parse_query(PurchaseListQuery)
    unit_id = current_principal().unit_id
    stmt = select(SeatPurchase).where(of_unit_condition(unit_id, q.role or "")).options(*LIST_LOADS)
    if q.status is not None:
        stmt = stmt.where(SeatPurchase.status == q.status)
    items, cursor = paged(get_session(), stmt, PURCHASE_KEYS, listing="purchases", query=q)
    return json_response(Page[PurchaseOut](items=[purchase_out(p) for p in items], next_cursor=cursor, limit=q.limit))


@bp.get("/purchases/<int:purchase_id>")
@requires(perm.can_view_purchases)
@operation(scope="read", summary="A seat purchase", tag="Seat purchases", response=PurchaseOut, etag=True,
           description="For the buying unit and the course's provider unit (404 for anyone else).")
def purchase(purchase_id: int):
    return detail(purchase_out(visible_purchase(purchase_id)))


@bp.post("/purchases/preview")
@requires(perm.can_buy_seats)
@operation(scope="purchases", summary="Price a seat purchase", tag="Seat purchases", body=PurchasePreviewIn,
           response=PurchasePreviewOut,
           description="What `POST /purchases` with this body would do, without writing anything: the price and its "
                       "computation, the budget line after it (and whether it refuses), the rules engine's verdict and "
                       "the covering agreement. The same checks as the page's preview (422 with a pointer per field).")
def purchase_preview():
    body, _doc = parse_body(PurchasePreviewIn)
    session = get_session()
    result = services.preview(session, _input(body), today=clock.today())  # reads only: nothing to commit
    if result.errors:
        raise _invalid(_("The purchase could not be priced."), result.errors)
    check = result.budget_check
    return json_response(PurchasePreviewOut(
        course=CourseRef(id=result.course.id, title=result.course.title), seats=body.seats, amount=result.quote.total,
        breakdown=result.quote.breakdown("nb"),
        budget=BudgetAfter(budget_id=result.budget.id, remaining_after=check.remaining_after, used_pct_after=check.used_pct_after,
                           allowed=check.allowed, warning=check.warning, refusal=check.refusal,
                           stop_declared=check.stopped_by is not None),
        verdict=_verdict(result.assessment), assessment=(result.assessment or {}).get("assessment"),
        agreement_id=result.agreement.id if result.agreement is not None else None, agreement_warning=result.agreement_warning,
        can_confirm=check.allowed, overridable=not check.allowed,
    ))


@bp.post("/purchases")
@requires(perm.can_buy_seats)
@operation(scope="purchases", summary="Buy seats", tag="Seat purchases", body=PurchaseIn, response=PurchaseOut, status=201,
           idempotent=True, location=True, links={
               "GetPurchase": ("purchase", {"purchase_id": "$response.body#/id"}),
               "CancelPurchase": ("purchase_cancel", {"purchase_id": "$response.body#/id"}),
               "RegisterActualCost": ("purchase_actual_cost", {"purchase_id": "$response.body#/id"})},
           description="Confirms the purchase: the seats and the budget commitment in one locked transaction, with its "
                       "order confirmation. 409 when too few seats are free, and `type` …#problem-budget-stopped (with "
                       "`stop_declared`, `overridable`) when the budget line refuses; then send `override_reason` to ask "
                       "another budget owner for an override (`status` `awaiting_override`).")
def purchase_create():
    body, doc = parse_body(PurchaseIn)
    data = _input(body)

    def run():
        session = get_session()
        try:
            created = services.confirm(session, data, actor=_actor(), now=clock.now(), today=clock.today(),
                                       override_reason=body.override_reason)
        except services.BudgetRefused as exc:
            session.rollback()
            raise _budget_problem(exc, overridable=True) from None
        except ValidationFailed as exc:
            session.rollback()
            raise _invalid(exc.message, exc.errors) from None
        return 201, purchase_out(created), _location(created)

    return write(doc, run)


@bp.post("/purchases/<int:purchase_id>/cancel")
@requires(perm.can_cancel_purchase)
@operation(scope="purchases", summary="Cancel a purchase", tag="Seat purchases", body=CancelIn, response=PurchaseOut,
           idempotent=True,
           description="The buying unit cancels a confirmed purchase (the seats and the money are released) or an open "
                       "override request, with a reason. 409 in any other status. A purchase made by accepting a request for "
                       "free seats gives its seats back to the offer (which opens again if it was filled).")
def purchase_cancel(purchase_id: int):
    found = buyer_purchase_or_403(purchase_id)
    body, doc = parse_body(CancelIn)
    return write(doc, lambda: (200, purchase_out(services.cancel(
        get_session(), found.id, reason=body.reason, actor=_actor(), now=clock.now(),
        days=HoldDays.from_config(current_app.config))), None))


@bp.post("/purchases/<int:purchase_id>/actual-cost")
@requires(perm.can_manage_budget)
@operation(scope="purchases", summary="Register the actual cost", tag="Seat purchases", body=ActualCostIn,
           response=PurchaseOut, idempotent=True,
           description="A budget owner of the buying unit moves the commitment to spent with the actual cost (`status` "
                       "`completed`). 409 …#problem-budget-stopped when a hard-stop line cannot take the difference.")
def purchase_actual_cost(purchase_id: int):
    found = buyer_purchase_or_403(purchase_id)
    body, doc = parse_body(ActualCostIn)

    def run():
        session = get_session()
        try:
            done = services.register_actual_cost(session, found.id, amount=str(body.actual_amount), actor=_actor(), now=clock.now())
        except services.BudgetRefused as exc:
            session.rollback()
            raise _budget_problem(exc, overridable=False) from None
        return 200, purchase_out(done), None

    return write(doc, run)
