"""Buying a seat (preview → confirm), the purchase list and detail, and the follow-up actions."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from .. import clock, formats
from ..agreements.models import Agreement
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..budget.models import Budget
from ..budget.queries import unit_budgets
from ..capacity.seats import HoldDays
from ..courses.models import Course
from ..db import get_session
from ..documents import queries as document_queries
from ..documents import services as documents
from ..documents.access import may_download_for_purchase
from ..errors import Conflict, ValidationFailed
from ..organisations.models import Unit, UnitKind
from ..pagination import requested
from ..web import apply_errors, buyer_purchase_or_403, current_actor, submit, visible_purchase
from . import form_tokens, queries, services, states
from .forms import ActualCostForm, OverrideDecisionForm, PurchaseForm, ReasonForm, fill_seat_form, participant_inputs
from .models import PurchaseStatus

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
        participants=participant_inputs(form), past_start_confirmed=bool(form.confirm_past_start.data),
    )


@bp.route("/courses/<int:course_id>/buy", methods=["GET", "POST"])
@requires(perm.can_buy_seats)
def buy(course_id: int):
    """The purchase page: GET shows the form, a preview prices it, a confirmation (or an override request)
    reserves the seats and the money."""
    session = get_session()
    unit = session.get(Unit, current_principal().unit_id) or abort(403)
    action = request.form.get("action", "preview") if request.method == "POST" else None
    if action in ("confirm", "request_override"):
        return _confirm(session, course_id, unit, override=action == "request_override")
    course = _course_or_404(session, course_id)
    form = _purchase_form(course, unit_budgets(session, unit.id))
    if request.method == "GET":
        return _render(form, course, unit)
    if (first := _sent_before(session, form.form_token.data, quiet=True)) is not None:
        return first  # this form already bought: show that purchase, not a second price
    if not form.validate_on_submit():
        return _render(form, course, unit), 422
    preview = services.preview(session, _input(form, course.id, unit), today=clock.today())
    if preview.errors:
        apply_errors(form, ValidationFailed("", errors=preview.errors))
        return _render(form, course, unit, preview), 422
    return _render(form, course, unit, preview)


def _confirm(session, course_id: int, unit: Unit, *, override: bool):
    """Confirming reads the course and the budget line once, locked, in the service (which checks that the line
    is the unit's): the form is only parsed, without the list of budget lines it would show."""
    form = PurchaseForm()
    form.budget_id.validate_choice = False
    fill_seat_form(form, [], first=None, last=None, labelled=False)
    token = form.form_token.data
    if not form.validate_on_submit():
        return _render_again(session, form, course_id, unit), 422
    if not form_tokens.well_formed(token):
        flash(_("The form has expired. Check the purchase and confirm it again."), "error")
        return _render_again(session, form, course_id, unit), 422
    data = _input(form, course_id, unit)
    actor, now = current_actor(), clock.now()
    try:
        purchase = services.confirm(
            session, data, actor=actor, now=now, today=clock.today(),
            override_reason=(form.override_reason.data or "") if override else None,
        )
        form_tokens.use(session, token, purpose=form_tokens.PURCHASE_CONFIRM, actor=actor, object_id=purchase.id, now=now)
    except form_tokens.AlreadyUsed:
        session.rollback()
        return _sent_before(session, token)
    except ValidationFailed as exc:
        session.rollback()
        if (first := _sent_before(session, token, quiet=True)) is not None:
            return first
        apply_errors(form, exc)
        # An override request without a good reason: the price, the refusal and the reason field again, with
        # the field's message (not the refusal alone).
        return _render_again(session, form, course_id, unit, data if override else None), 422
    except Conflict as exc:  # someone else was quicker, or the budget refuses (it can be overridden)
        session.rollback()
        if (first := _sent_before(session, token, quiet=True)) is not None:
            return first  # that someone was this same form, sent twice: show what the first one bought
        return _render_again(session, form, course_id, unit, data, refusal=exc.message), 409
    session.commit()
    if purchase.status == PurchaseStatus.awaiting_override:
        flash(_("The override request was sent to the budget owners of your unit."), "info")
    else:
        flash(_("The purchase is confirmed: %(seats)d seat(s), %(amount)s.", seats=purchase.seats,
                amount=formats.money(purchase.amount)), "success")
    return redirect(url_for(".detail", purchase_id=purchase.id))


def _sent_before(session, token: str, *, quiet: bool = False):
    """The answer to a confirmation form sent again: its first result, with a notice. ``quiet``: None when the
    token was never used (the refusal is the answer then)."""
    purchase_id = form_tokens.first_result(session, token, purpose=form_tokens.PURCHASE_CONFIRM, user_id=current_actor().user_id)
    if purchase_id is None and quiet:
        return None
    flash(_("This form was already sent: the purchase was made once, and nothing was bought again."), "info")
    return redirect(url_for(".detail", purchase_id=purchase_id) if purchase_id else url_for(".index"))


def _course_or_404(session, course_id: int) -> Course:
    # The rates come in the same statement: the price needs them.
    return session.get(Course, course_id, options=[joinedload(Course.rates)]) or abort(404)


def _render_again(session, form: PurchaseForm, course_id: int, unit: Unit, data: services.PurchaseInput | None = None,
                  *, refusal: str | None = None):
    """A confirmation that did not go through, shown again with the budget lines and, with ``data`` (after a
    refusal, or an override request the service sent back), the preview beside it."""
    course = _course_or_404(session, course_id)
    fill_seat_form(form, unit_budgets(session, unit.id), first=course.start_date, last=course.end_date)
    preview = services.preview(session, data, today=clock.today()) if data is not None else None
    return _render(form, course, unit, preview, refusal)


def overridable(preview) -> bool:
    """The price is right and only the budget line refuses (a declared stop, or over a hard stop's limit): the
    page offers to ask for an override instead of confirming."""
    return bool(preview is not None and not preview.errors and preview.budget_check is not None and not preview.budget_check.allowed)


def _render(form, course, unit, preview=None, refusal=None):
    # A form keeps its token through previews and refusals: going back after a purchase and sending the price
    # form again (the browser's "confirm resubmission") carries the used token, so confirming again creates
    # nothing. Only a page opened afresh (GET) is a new form.
    if request.method == "GET" or not form_tokens.well_formed(form.form_token.data):
        form.form_token.data = form_tokens.new_token()
    override = overridable(preview)
    if override:
        form.override_reason.flags.required = True  # asked for only on this path; the service checks it
    return render_template(
        "purchases/buy.html", form=form, course=course, unit=unit, preview=preview, refusal=refusal,
        overridable=override, is_nav=unit.kind == UnitKind.nav_office,
    )


@bp.get("/purchases")
@requires(perm.can_view_purchases)
def index():
    unit_id = current_principal().unit_id
    page, per_page = requested(request.args)
    found = queries.of_unit(get_session(), unit_id, page=page, per_page=per_page)
    args = {"per_page": found.per_page} if "per_page" in request.args else {}
    return render_template("purchases/index.html", purchases=found.items, found=found, args=args, unit_id=unit_id)


@bp.get("/purchases/<int:purchase_id>")
@requires(perm.can_view_purchases)
def detail(purchase_id: int):
    return _detail_page(visible_purchase(purchase_id))


def _detail_page(purchase, *, cancel_form: ReasonForm | None = None, cost_form: ActualCostForm | None = None,
                 override_form: OverrideDecisionForm | None = None) -> str:
    """The purchase page; a form given is shown as it was posted (its input and its field messages)."""
    p = current_principal()
    buyer_side = p.unit_id == purchase.buyer_unit_id
    session = get_session()
    may_download = may_download_for_purchase(p, purchase)
    return render_template(
        "purchases/detail.html", purchase=purchase, buyer_side=buyer_side,
        agreement=session.get(Agreement, purchase.agreement_id) if purchase.agreement_id else None,
        story=queries.story(session, purchase.id), events=states.EVENTS,
        order_documents=document_queries.order_confirmations(session, purchase.id) if may_download else [],
        may_download=may_download,
        # A purchase confirmed before order confirmations were made at confirmation can still get one.
        can_make_order_confirmation=buyer_side and perm.can_act_for_buyer(p) and purchase.status in documents.ORDERED,
        can_cancel=buyer_side and perm.can_cancel_purchase(p) and states.allows(purchase.status, "cancel"),
        can_register_cost=buyer_side and perm.can_manage_budget(p) and states.allows(purchase.status, "register_actual_cost"),
        can_decide_override=buyer_side and perm.can_manage_budget(p) and states.allows(purchase.status, "approve_override")
        and purchase.created_by_id != p.user_id,
        cancel_form=cancel_form or ReasonForm(formdata=None), cost_form=cost_form or ActualCostForm(formdata=None),
        override_form=override_form or OverrideDecisionForm(formdata=None),
    )


def _submit(purchase, form, form_arg: str, action, success: str):
    """A form of the purchase page (web.submit): back to the page, or the page again with the form as posted."""
    return submit(form, action, success, done=url_for(".detail", purchase_id=purchase.id),
                  again=lambda: _detail_page(purchase, **{form_arg: form}))


@bp.post("/purchases/<int:purchase_id>/cancel")
@requires(perm.can_cancel_purchase)
def cancel(purchase_id: int):
    purchase = buyer_purchase_or_403(purchase_id)
    form = ReasonForm()
    return _submit(
        purchase, form, "cancel_form",
        lambda: services.cancel(get_session(), purchase.id, reason=form.reason.data or "", actor=current_actor(), now=clock.now(),
                                days=HoldDays.from_config(current_app.config)),
        _("The purchase was cancelled; the seats and the money are released."),
    )


@bp.post("/purchases/<int:purchase_id>/actual-cost")
@requires(perm.can_manage_budget)
def actual_cost(purchase_id: int):
    purchase = buyer_purchase_or_403(purchase_id)
    form = ActualCostForm()
    return _submit(
        purchase, form, "cost_form",
        lambda: services.register_actual_cost(get_session(), purchase.id, amount=form.actual_amount.data,
                                              actor=current_actor(), now=clock.now()),
        _("The actual cost was registered."),
    )


@bp.post("/purchases/<int:purchase_id>/override")
@requires(perm.can_manage_budget)
def decide_override(purchase_id: int):
    purchase = buyer_purchase_or_403(purchase_id)
    form = OverrideDecisionForm()
    # An unknown decision is never read as a refusal (the form refuses it); the note is checked too. The
    # two-person rule and the buying unit are the service's (a 403).
    return _submit(
        purchase, form, "override_form",
        lambda: services.decide_override(
            get_session(), purchase.id, approve=form.decision.data == "approve", note=form.note.data or "",
            actor=current_actor(), now=clock.now(), today=clock.today(),
        ),
        _("The decision was recorded."),
    )


@bp.post("/purchases/<int:purchase_id>/order-confirmation")
@requires(perm.can_act_for_buyer)
def order_confirmation(purchase_id: int):
    """The purchase's order confirmation: the one made at confirmation, or for a purchase confirmed before
    they were (issue 20), made now. Never for a purchase that is not confirmed."""
    purchase = buyer_purchase_or_403(purchase_id)
    session = get_session()
    existing = document_queries.order_confirmations(session, purchase.id)
    if existing:
        return redirect(url_for("documents.download", document_id=existing[-1].id))
    try:
        doc = documents.generate_order_confirmation(session, purchase, actor=current_actor(), now=clock.now())
    except Conflict as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".detail", purchase_id=purchase.id))
    session.commit()
    return redirect(url_for("documents.download", document_id=doc.id))
