"""Buying a seat (preview → confirm), the purchase list and detail, and the follow-up actions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..budget.models import Budget
from ..budget.queries import unit_budgets
from ..courses.models import Course
from ..db import get_session
from ..documents import services as documents
from ..errors import Conflict, DomainError, ValidationFailed
from ..i18n import money
from ..organisations.models import Unit, UnitKind
from ..web import apply_errors, buyer_purchase_or_403, current_actor, run_action, visible_purchase
from . import services
from .forms import ActualCostForm, OverrideDecisionForm, PurchaseForm, ReasonForm, fill_seat_form, participant_inputs
from .models import PurchaseStatus, SeatPurchase

bp = Blueprint("purchases", __name__)


def _purchase_form(course: Course, budgets: list[Budget]) -> PurchaseForm:
    form = PurchaseForm()
    seen = request.method == "GET" or request.form.get("action", "preview") == "preview"
    fill_seat_form(form, budgets, first=course.start_date, last=course.end_date, labelled=seen)
    return form


def _input(form: PurchaseForm, course_id: int, unit: Unit) -> services.PurchaseInput:
    return services.PurchaseInput(
        course_id=course_id, buyer_unit_id=unit.id, budget_id=form.budget_id.data, side=form.side.data or None,
        seats=form.seats.data, start_date=form.start_date.data, end_date=form.end_date.data,
        participants=participant_inputs(form),
    )


@bp.route("/courses/<int:course_id>/buy", methods=["GET", "POST"])
@requires(perm.can_buy_seats)
def buy(course_id: int):
    session = get_session()
    unit = session.get(Unit, current_principal().unit_id) or abort(403)
    action = request.form.get("action", "preview") if request.method == "POST" else None
    confirming = action in ("confirm", "request_override")
    refusal = invalid = None
    stopped = False
    status = 200
    if confirming:
        # Confirming reads the course and the budget line once, locked (services.confirm checks that the line
        # is the unit's): the form is only parsed, without the list of budget lines it would show.
        form = PurchaseForm()
        form.budget_id.validate_choice = False
        fill_seat_form(form, [], first=None, last=None, labelled=False)
        valid = form.validate_on_submit()
        if valid:
            try:
                purchase = services.confirm(
                    session, _input(form, course_id, unit), actor=current_actor(), now=clock.now(), today=clock.today(),
                    override_reason=form.override_reason.data if action == "request_override" else None,
                )
            except services.BudgetRefused as exc:
                refusal, stopped, status = exc.message, exc.stopped, 409
            except ValidationFailed as exc:
                invalid = exc
            except Conflict as exc:
                refusal, status = exc.message, 409
            else:
                session.commit()
                if purchase.status == PurchaseStatus.awaiting_override:
                    flash(_("The override request was sent to another budget owner at your unit."), "info")
                else:
                    flash(_("The purchase is confirmed: %(seats)d seat(s), %(amount)s.", seats=purchase.seats, amount=money(purchase.amount)), "success")
                return redirect(url_for(".detail", purchase_id=purchase.id))
            session.rollback()
    # The page: a GET, a preview, or a confirmation that did not go through, shown again with its reason.
    # The rates come in the same statement: the price needs them.
    course = session.get(Course, course_id, options=[joinedload(Course.rates)]) or abort(404)
    budgets = unit_budgets(session, unit.id)
    if confirming:  # the budget lines the form shows again
        fill_seat_form(form, budgets, first=course.start_date, last=course.end_date)
    else:
        form = _purchase_form(course, budgets)
        valid = request.method == "POST" and form.validate_on_submit()
    preview = None
    if invalid is not None:
        apply_errors(form, invalid)
        status = 422
    elif valid:
        preview = services.preview(session, _input(form, course.id, unit), today=clock.today())
        if preview.errors and refusal is None:  # after a refusal its message says it all (409)
            apply_errors(form, ValidationFailed("", errors=preview.errors))
            status = 422
    elif request.method == "POST":
        status = 422
    return _render(form, course, unit, preview, refusal, stopped), status


def _render(form, course, unit, preview, refusal, stopped):
    return render_template(
        "purchases/buy.html", form=form, course=course, unit=unit, preview=preview, refusal=refusal, stopped=stopped,
        is_nav=unit.kind == UnitKind.nav_office,
    )


@bp.get("/purchases")
@requires(perm.can_view_purchases)
def index():
    session = get_session()
    unit_id = current_principal().unit_id
    purchases = session.scalars(
        select(SeatPurchase).join(Course, Course.id == SeatPurchase.course_id)
        .where(or_(SeatPurchase.buyer_unit_id == unit_id, Course.provider_unit_id == unit_id))
        .order_by(SeatPurchase.created_at.desc()).limit(200)
    ).all()
    return render_template("purchases/index.html", purchases=purchases, unit_id=unit_id)


@bp.get("/purchases/<int:purchase_id>")
@requires(perm.can_view_purchases)
def detail(purchase_id: int):
    purchase = visible_purchase(purchase_id)
    p = current_principal()
    buyer_side = p.unit_id == purchase.buyer_unit_id
    return render_template(
        "purchases/detail.html", purchase=purchase, buyer_side=buyer_side,
        can_cancel=buyer_side and perm.can_cancel_purchase(p) and purchase.status in (PurchaseStatus.confirmed, PurchaseStatus.awaiting_override),
        can_register_cost=buyer_side and perm.can_manage_budget(p) and purchase.status == PurchaseStatus.confirmed,
        can_decide_override=buyer_side and perm.can_manage_budget(p) and purchase.status == PurchaseStatus.awaiting_override
        and purchase.created_by_id != p.user_id,
        cancel_form=ReasonForm(formdata=None), cost_form=ActualCostForm(formdata=None), override_form=OverrideDecisionForm(formdata=None),
    )


@bp.post("/purchases/<int:purchase_id>/cancel")
@requires(perm.can_cancel_purchase)
def cancel(purchase_id: int):
    purchase = buyer_purchase_or_403(purchase_id)
    form = ReasonForm()
    run_action(
        lambda: services.cancel(get_session(), purchase.id, reason=form.reason.data or "", actor=current_actor(), now=clock.now()),
        _("The purchase was cancelled; the seats and the money are released."),
    )
    return redirect(url_for(".detail", purchase_id=purchase.id))


@bp.post("/purchases/<int:purchase_id>/actual-cost")
@requires(perm.can_manage_budget)
def actual_cost(purchase_id: int):
    purchase = buyer_purchase_or_403(purchase_id)
    form = ActualCostForm()
    run_action(
        lambda: services.register_actual_cost(get_session(), purchase.id, amount=form.actual_amount.data,
                                              actor=current_actor(), now=clock.now()),
        _("The actual cost was registered."),
    )
    return redirect(url_for(".detail", purchase_id=purchase.id))


@bp.post("/purchases/<int:purchase_id>/override")
@requires(perm.can_manage_budget)
def decide_override(purchase_id: int):
    purchase = buyer_purchase_or_403(purchase_id)
    form = OverrideDecisionForm()
    try:
        run_action(
            lambda: services.decide_override(
                get_session(), purchase.id, approve=form.decision.data == "approve", note=form.note.data or "",
                actor=current_actor(), now=clock.now(), today=clock.today(),
            ),
            _("The decision was recorded."),
        )
    except DomainError:  # the two-person rule or another unit: not allowed at all
        abort(403)
    return redirect(url_for(".detail", purchase_id=purchase.id))


@bp.post("/purchases/<int:purchase_id>/order-confirmation")
@requires(perm.can_act_for_buyer)
def order_confirmation(purchase_id: int):
    purchase = buyer_purchase_or_403(purchase_id)
    session = get_session()
    doc = documents.generate_order_confirmation(session, purchase, actor=current_actor(), now=clock.now())
    session.commit()
    return redirect(url_for("documents.download", document_id=doc.id))
