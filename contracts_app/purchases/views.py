"""Buying a seat (preview → confirm), the purchase list and detail, and the follow-up actions."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..budget.models import Budget
from ..choices import options
from ..courses.models import Course
from ..db import core_connection, get_session, load_rows
from ..errors import Conflict, DomainError, ValidationFailed
from ..i18n import money
from ..organisations.models import Unit, UnitKind
from ..web import apply_errors, current_actor, run_action
from . import services
from .forms import ActualCostForm, OverrideDecisionForm, PurchaseForm, ReasonForm
from .models import PurchaseStatus, SeatPurchase

bp = Blueprint("purchases", __name__)


_UNIT_BUDGETS = select(*Budget.__table__.c).where(Budget.__table__.c.unit_id == bindparam("unit_id")).order_by(
    Budget.__table__.c.year.desc(), Budget.__table__.c.line)


def unit_budgets(unit_id: int) -> list[Budget]:
    """The unit's budget lines, newest year first, for the choices of a purchase page or a capacity request
    (the lines and what remains; the stops are read under the lock). One Core statement (``db.load_rows``):
    about half an ORM query's CPU. A confirmation does not read them (services.confirm locks the one line)."""
    session = get_session()
    return load_rows(session, Budget, core_connection(session).execute(_UNIT_BUDGETS, {"unit_id": unit_id}))


def fill_seat_form(form, budgets: list[Budget], *, first: dt.date, last: dt.date, labelled: bool = True) -> None:
    """What the purchase form and the capacity request form share: the budget choices (with what remains when
    someone will see them), on GET a period from ``first`` to the end of its year (at most ``last``) with the
    budget line of that year, and one participant row per seat."""
    if labelled:
        labels = [(b.id, _("%(line)s %(year)s — remaining %(amount)s", line=b.line, year=b.year, amount=money(b.remaining))) for b in budgets]
    else:  # the choices only validate the posted id (the page is not shown)
        labels = [(b.id, b.line) for b in budgets]
    form.budget_id.choices = options(labels or [(None, _("No budget lines"))])
    if request.method == "GET":
        start = max(first, clock.today())
        form.start_date.data = start
        form.end_date.data = min(last, dt.date(start.year, 12, 31))
        same_year = [b for b in budgets if b.year == start.year]
        form.budget_id.data = same_year[0].id if same_year else (budgets[0].id if budgets else None)
    seats = form.seats.data if isinstance(form.seats.data, int) and 1 <= form.seats.data <= 50 else 1
    while len(form.participants.entries) < seats:
        form.participants.append_entry()


def participant_inputs(form) -> list[services.ParticipantInput]:
    """One participant per seat from the form's rows."""
    return [
        services.ParticipantInput(
            reference=(e.reference.data or "").strip(), cefr_level=e.cefr_level.data or None,
            consent=bool(e.consent.data), consent_date=e.consent_date.data,
        )
        for e in form.participants.entries[: form.seats.data or 0]
    ]


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
    budgets = unit_budgets(unit.id)
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


# What the purchase page shows of the purchase comes with it in one statement (course, provider unit, budget
# line; not the line's stops, which the page does not show): the page a browser loads after every purchase.
_WITH_PAGE = [joinedload(SeatPurchase.course), joinedload(SeatPurchase.budget).lazyload(Budget.stops)]


def visible_purchase(purchase_id: int) -> SeatPurchase:
    """The purchase, for its buyer or its provider unit; 404 for anyone else."""
    purchase = get_session().get(SeatPurchase, purchase_id, options=_WITH_PAGE) or abort(404)
    unit_id = current_principal().unit_id
    if unit_id not in (purchase.buyer_unit_id, purchase.course.provider_unit_id):
        abort(404)
    return purchase


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


def buyer_purchase_or_403(purchase_id: int) -> SeatPurchase:
    purchase = visible_purchase(purchase_id)
    if current_principal().unit_id != purchase.buyer_unit_id:
        abort(403)
    return purchase


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
