"""Free seats: search, offer pages, publishing, requests and answers.

Access: everybody logged in may search and read the offers visible to their unit; advisors request; the
provider unit's coordinators publish and answer. A request (with its participant references) is visible
only to the requesting unit and the offer's provider unit — anyone else gets 404, as if it did not exist.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_babel import gettext as _, ngettext
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..budget import services as budget_services
from ..budget.queries import unit_budgets
from ..choices import options
from ..courses.models import Course
from ..courses.pricing import PricingError
from ..db import get_session
from ..pagination import page_arg, requested
from ..errors import Conflict, DomainError, ValidationFailed
from ..organisations import places
from ..organisations.models import LegalEntity, Unit, UnitKind
from ..purchases.forms import fill_seat_form, participant_inputs
from ..web import apply_errors, current_actor, run_action, save_form
from . import offers as offer_services
from . import queries
from . import requests as request_services
from ..purchases import form_tokens
from ..purchases import services as purchase_services
from .forms import AcceptForm, MoveForm, OfferForm, OfferSearchForm, ReasonForm, RequestForm, StatusForm
from .models import OPEN_REQUEST_STATUSES, CapacityOffer, CapacityRequest, OfferStatus, RequestStatus
from .seats import HoldDays

bp = Blueprint("capacity", __name__)


def _unit() -> Unit | None:
    p = current_principal()
    return get_session().get(Unit, p.unit_id) if p.unit_id else None


def _hold_days() -> HoldDays:
    return HoldDays.from_config(current_app.config)


def _visible_offer(offer_id: int) -> CapacityOffer:
    offer = get_session().get(CapacityOffer, offer_id) or abort(404)
    if not (perm.is_admin(current_principal()) or queries.visible_to(offer, _unit())):
        abort(404)
    return offer


def _own_offer(offer_id: int) -> CapacityOffer:
    offer = get_session().get(CapacityOffer, offer_id) or abort(404)
    if offer.provider_unit_id != current_principal().unit_id:
        abort(404 if not queries.visible_to(offer, _unit()) else 403)
    return offer


def _visible_request(request_id: int) -> CapacityRequest:
    req = get_session().get(CapacityRequest, request_id) or abort(404)
    if current_principal().unit_id not in (req.requester_unit_id, req.offer.provider_unit_id):
        abort(404)
    return req


# --- search ---------------------------------------------------------------------------------------------

@bp.get("/capacity")
@requires(perm.authenticated)
def index():
    session = get_session()
    form = OfferSearchForm(request.args)
    form.validate()
    unit = _unit()
    rows, total, page = [], 0, page_arg(request.args)
    if unit is not None:
        ok = lambda f: None if f.errors else f.data  # noqa: E731 - an invalid filter is ignored (and shown)
        filters = queries.OfferFilters(
            q=(ok(form.q) or "").strip(), kind=ok(form.kind) or "", level=ok(form.level) or "",
            municipality=(ok(form.municipality) or "").strip(), county=(ok(form.county) or "").strip(),
            fmt=ok(form.format) or "", part_time=form.part_time.data == "1", start_from=ok(form.start_from),
            start_to=ok(form.start_to), max_price=ok(form.max_price), min_seats=ok(form.min_seats),
            sort=form.sort.data or "start", page=page,
        )
        stmt, count = queries.search(session, unit, filters, today=clock.today())
        total = session.scalar(count) or 0
        rows = [{"offer": o, "available": a, "period_price": _period_price(o, filters.start_from)} for o, a in session.execute(stmt).all()]
    args = {k: v for k, v in request.args.items() if k != "page"}
    more = total > queries.COUNT_CAP
    total = min(total, queries.COUNT_CAP)
    return render_template("capacity/index.html", form=form, rows=rows, total=total, more=more, cap=queries.COUNT_CAP, page=page,
                           pages=max(1, -(-total // queries.PAGE_SIZE)), args=args, unit=unit,
                           municipality_name=places.municipality_name)


def _period_price(offer: CapacityOffer, start_from: dt.date | None):
    """Price of one seat from the wanted start (or the offer's start) to the end of the offer's period."""
    start = max(offer.period_start, start_from or offer.period_start, clock.today())
    if start > offer.period_end:
        return None
    if start == offer.period_start:
        return {"start": start, "end": offer.period_end, "amount": offer.seat_price}
    try:
        return {"start": start, "end": offer.period_end, "amount": offer_services.price_for(offer.course, offer.unit_price, start, offer.period_end).total}
    except PricingError:
        return None


# --- offers ---------------------------------------------------------------------------------------------

@bp.get("/capacity/offers/<int:offer_id>")
@requires(perm.authenticated)
def offer_detail(offer_id: int):
    offer = _visible_offer(offer_id)
    p = current_principal()
    own = offer.provider_unit_id == p.unit_id
    received = queries.offer_requests(get_session(), offer.id) if own else []
    waiting = sorted((r for r in received if r.status == RequestStatus.waiting), key=lambda r: (r.position, r.id))
    mine = queries.unit_requests_on(get_session(), offer.id, p.unit_id) if not own and p.unit_id else []
    return render_template(
        "capacity/offer.html", offer=offer, own=own, requests=received, waiting=waiting, mine=mine,
        can_manage=own and perm.can_publish_capacity(p), can_request=not own and perm.can_buy_seats(p) and offer.status == OfferStatus.published,
        status_form=StatusForm(formdata=None), move_form=MoveForm(formdata=None),
    )


def _entity_choices(form: OfferForm) -> None:
    entities = get_session().scalars(select(LegalEntity).order_by(LegalEntity.name)).all()
    form.entity_ids.choices = options((e.id, f"{e.name} ({e.org_number})") for e in entities)


def _offer_input(form: OfferForm, course_id: int | None) -> offer_services.OfferInput:
    return offer_services.OfferInput(
        course_id=course_id, seats_offered=form.seats_offered.data, period_start=form.period_start.data,
        period_end=form.period_end.data, request_deadline=form.request_deadline.data, unit_price=(form.unit_price.data or "").strip(),
        visibility=form.visibility.data, entity_ids=list(form.entity_ids.data or []), contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "", contact_phone=form.contact_phone.data or "", notes=form.notes.data or "",
    )


@bp.route("/courses/<int:course_id>/offers/new", methods=["GET", "POST"])
@requires(perm.can_publish_capacity)
def new_offer(course_id: int):
    session = get_session()
    course = session.get(Course, course_id) or abort(404)
    p = current_principal()
    if course.provider_unit_id != p.unit_id:
        abort(403)
    form = OfferForm()
    _entity_choices(form)
    if request.method == "GET":
        today = clock.today()
        form.period_start.data = max(course.start_date, today)
        form.period_end.data = course.end_date
        form.request_deadline.data = min(course.end_date, today + dt.timedelta(days=14))
        form.seats_offered.data = max(0, course.seats_free - queries.promised_elsewhere(session, course.id)) or None
        form.contact_name.data, form.contact_email.data = current_user.name, current_user.email
    if form.validate_on_submit():
        offer = save_form(form, lambda: offer_services.publish_offer(session, p.unit_id, _offer_input(form, course.id),
                                                                actor=current_actor(), now=clock.now()))
        if offer is not None:
            flash(_("The free seats are published."), "success")
            return redirect(url_for(".offer_detail", offer_id=offer.id))
    return render_template("capacity/offer_form.html", form=form, course=course, offer=None,
                           room=max(0, course.seats_free - queries.promised_elsewhere(session, course.id))), 422 if request.method == "POST" else 200


@bp.route("/capacity/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@requires(perm.can_publish_capacity)
def edit_offer(offer_id: int):
    session = get_session()
    offer = _own_offer(offer_id)
    form = OfferForm(obj=offer if request.method == "GET" else None)
    _entity_choices(form)
    if request.method == "GET":
        form.unit_price.data = "" if offer.unit_price is None else str(offer.unit_price)
        form.visibility.data = offer.visibility.value
        form.entity_ids.data = [e.legal_entity_id for e in offer.visible_to]
    if form.validate_on_submit():
        saved = save_form(form, lambda: offer_services.update_offer(session, offer.id, _offer_input(form, offer.course_id),
                                                                     actor=current_actor(), now=clock.now(), days=_hold_days()))
        if saved is not None:
            flash(_("The offer is saved."), "success")
            return redirect(url_for(".offer_detail", offer_id=offer.id))
    room = max(0, offer.course.seats_free - queries.promised_elsewhere(session, offer.course_id, offer.id))
    return render_template("capacity/offer_form.html", form=form, course=offer.course, offer=offer, room=room), \
        422 if request.method == "POST" else 200


@bp.post("/capacity/offers/<int:offer_id>/status")
@requires(perm.can_publish_capacity)
def offer_status(offer_id: int):
    offer = _own_offer(offer_id)
    form = StatusForm()
    messages = {"pause": _("The offer is paused."), "resume": _("The offer is published again."), "withdraw": _("The offer is withdrawn.")}
    action = form.action.data if form.action.data in messages else "pause"
    run_action(lambda: offer_services.change_offer_status(get_session(), offer.id, action, reason=form.reason.data or "",
                                                          actor=current_actor(), now=clock.now(), days=_hold_days()), messages[action])
    return redirect(url_for(".offer_detail", offer_id=offer.id))


# --- requests -------------------------------------------------------------------------------------------

def _request_form(offer: CapacityOffer, unit: Unit) -> RequestForm:
    form = RequestForm()
    fill_seat_form(form, unit_budgets(get_session(), unit.id), first=offer.period_start, last=offer.period_end)
    return form


def _request_input(form: RequestForm, offer: CapacityOffer, unit: Unit) -> request_services.RequestInput:
    return request_services.RequestInput(
        offer_id=offer.id, requester_unit_id=unit.id, budget_id=form.budget_id.data, side=form.side.data or None,
        seats=form.seats.data, start_date=form.start_date.data, end_date=form.end_date.data, message=form.message.data or "",
        participants=participant_inputs(form), past_start_confirmed=bool(form.confirm_past_start.data),
        join_waiting_list=bool(form.join_waiting_list.data),
    )


@bp.route("/capacity/offers/<int:offer_id>/request", methods=["GET", "POST"])
@requires(perm.can_buy_seats)
def new_request(offer_id: int):
    session = get_session()
    offer = _visible_offer(offer_id)
    unit = _unit() or abort(403)
    form = _request_form(offer, unit)
    preview = refusal = None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        data = _request_input(form, offer, unit)
        if request.form.get("action") == "send":
            try:
                req = request_services.request_seats(session, data, actor=current_actor(), now=clock.now(), days=_hold_days())
            except ValidationFailed as exc:
                session.rollback()
                apply_errors(form, exc)
                status = 422
            except (Conflict, DomainError) as exc:
                session.rollback()
                if exc.status == 404:
                    abort(404)
                refusal, status = exc.message, 409
            else:
                session.commit()
                if req.status == RequestStatus.held:
                    flash(ngettext("The request is sent and %(num)d seat is held for you until the provider answers.",
                                   "The request is sent and %(num)d seats are held for you until the provider answers.", req.seats), "success")
                else:
                    flash(_("The offer is full: your request is number %(n)d on the waiting list.", n=req.position), "info")
                return redirect(url_for(".request_detail", request_id=req.id))
        else:
            errors, side, budget, q = request_services.request_errors(session, data, offer, clock.today())
            if errors:
                apply_errors(form, ValidationFailed("", errors=errors))
                status = 422
            else:
                preview = {"quote": q, "budget": budget, "check": budget_services.check(budget, q.total, on=clock.today()), "side": side,
                           **_agreement_and_rules(session, data, offer)}
            session.rollback()
    elif request.method == "POST":
        status = 422
    return render_template("capacity/request_form.html", form=form, offer=offer, unit=unit, preview=preview, refusal=refusal,
                           is_nav=unit.kind == UnitKind.nav_office), status


def _agreement_and_rules(session, data: request_services.RequestInput, offer: CapacityOffer) -> dict:
    """What the direct purchase's preview shows beside the price: the agreement the seats would be bought under
    (or the warning that none covers them) and the rules assessment, from the same service
    (purchases.services.preview) with the purchase that accepting the request makes."""
    shown = purchase_services.preview(session, request_services._purchase_input(data, offer.course_id, offer.unit_price),
                                      today=clock.today())
    return {"agreement": shown.agreement, "agreement_warning": shown.agreement_warning, "assessment": shown.assessment}


@bp.get("/capacity/requests")
@requires(perm.can_view_purchases)
def requests_index():
    """Three lists, each paged on its own (``incoming_page``, ``mine_page``, ``offers_page``; ``per_page`` for
    all three): requests to the unit's offers, the unit's offers and the unit's own requests."""
    session = get_session()
    unit_id = current_principal().unit_id
    pages = {key: requested(MultiDict({"page": request.args.get(key, ""), "per_page": request.args.get("per_page", "")}))
             for key in REQUEST_LIST_PAGES}
    found = {key: query(session, unit_id, page=pages[key][0], per_page=pages[key][1])
             for key, query in REQUEST_LIST_PAGES.items()}
    # every link keeps the other lists on the page they show
    args = {key: page.page for key, page in found.items() if page.page > 1}
    if "per_page" in request.args:
        args["per_page"] = found["mine_page"].per_page
    return render_template("capacity/requests.html", incoming=found["incoming_page"], mine=found["mine_page"],
                           offers=found["offers_page"], args=args)


REQUEST_LIST_PAGES = {"incoming_page": queries.incoming_requests, "offers_page": queries.unit_offers,
                      "mine_page": queries.unit_requests}


@bp.get("/capacity/requests/<int:request_id>")
@requires(perm.can_view_purchases)
def request_detail(request_id: int):
    req = _visible_request(request_id)
    p = current_principal()
    provider = p.unit_id == req.offer.provider_unit_id
    history = queries.request_history(get_session(), req.id)
    blocked = getattr(request, "_agreement_block", None)
    return render_template(
        "capacity/request.html", req=req, offer=req.offer, provider=provider, history=history, blocked=blocked,
        purchase=queries.purchase_of(get_session(), req), now=clock.now(),
        can_answer=provider and perm.can_publish_capacity(p) and req.status in OPEN_REQUEST_STATUSES,
        can_withdraw=not provider and perm.can_buy_seats(p) and req.status in OPEN_REQUEST_STATUSES,
        reason_form=ReasonForm(formdata=None), move_form=MoveForm(formdata=None),
        accept_form=AcceptForm(formdata=None, form_token=form_tokens.new_token()),
        history_label=lambda action: str(HISTORY.get(action, action)), url_endpoints=set(current_app.view_functions),
    )


HISTORY = {
    "capacity.request_created": _l("Request sent"),
    "capacity.request_accepted": _l("Accepted: the purchase is confirmed"),
    "capacity.request_declined": _l("Declined"),
    "capacity.request_withdrawn": _l("Withdrawn by the requester"),
    "capacity.request_expired": _l("Expired"),
    "capacity.waitlist_offered": _l("Seats offered from the waiting list"),
    "capacity.request_taken": _l("The requester took the offered seats"),
}


def _provider_request(request_id: int) -> CapacityRequest:
    req = _visible_request(request_id)
    if current_principal().unit_id != req.offer.provider_unit_id:
        abort(403)
    return req


def _requester_request(request_id: int) -> CapacityRequest:
    req = _visible_request(request_id)
    if current_principal().unit_id != req.requester_unit_id:
        abort(403)
    return req


@bp.post("/capacity/requests/<int:request_id>/accept")
@requires(perm.can_publish_capacity)
def accept(request_id: int):
    session = get_session()
    req = _provider_request(request_id)
    token = AcceptForm().form_token.data
    if not form_tokens.well_formed(token):
        flash(_("The form has expired. Reload the page and try again."), "error")
        return redirect(url_for(".request_detail", request_id=req.id))
    actor, now = current_actor(), clock.now()
    try:
        request_services.accept(session, req.id, actor=actor, now=now)
        form_tokens.use(session, token, purpose=form_tokens.CAPACITY_ACCEPT, actor=actor, object_id=req.id, now=now)
    except form_tokens.AlreadyUsed:
        session.rollback()
        return _accepted_before(req.id)
    except request_services.AgreementRequired as exc:
        session.rollback()
        request._agreement_block = {"message": exc.message, "buyer": exc.buyer, "provider": exc.provider, "assessment": exc.assessment}
        return request_detail(req.id), 409
    except DomainError as exc:
        session.rollback()
        if exc.status == 403:
            abort(403)
        if form_tokens.first_result(session, token, purpose=form_tokens.CAPACITY_ACCEPT, user_id=actor.user_id):
            return _accepted_before(req.id)  # the form was sent twice: the first one accepted it
        flash(" ".join(e["message"] for e in exc.errors) or exc.message, "error")
        return redirect(url_for(".request_detail", request_id=req.id))
    session.commit()
    flash(_("The request is accepted: the purchase is confirmed and the requester's budget is committed."), "success")
    return redirect(url_for(".request_detail", request_id=req.id))


def _accepted_before(request_id: int):
    flash(_("This form was already sent: the request was accepted once, and nothing was done again."), "info")
    return redirect(url_for(".request_detail", request_id=request_id))


@bp.post("/capacity/requests/<int:request_id>/decline")
@requires(perm.can_publish_capacity)
def decline(request_id: int):
    req = _provider_request(request_id)
    form = ReasonForm()
    run_action(lambda: request_services.decline(get_session(), req.id, reason=form.reason.data or "", actor=current_actor(),
                                                now=clock.now(), days=_hold_days()),
               _("The request is declined and the seats are released."))
    return redirect(url_for(".request_detail", request_id=req.id))


@bp.post("/capacity/requests/<int:request_id>/move")
@requires(perm.can_publish_capacity)
def move(request_id: int):
    req = _provider_request(request_id)
    form = MoveForm()
    run_action(lambda: request_services.move_in_waiting_list(get_session(), req.id, form.position.data, reason=form.reason.data or "",
                                                             actor=current_actor(), now=clock.now(), days=_hold_days()),
               _("The waiting list is changed."))
    return redirect(url_for(".offer_detail", offer_id=req.offer_id))


@bp.post("/capacity/requests/<int:request_id>/withdraw")
@requires(perm.can_buy_seats)
def withdraw(request_id: int):
    req = _requester_request(request_id)
    run_action(lambda: request_services.withdraw(get_session(), req.id, actor=current_actor(), now=clock.now(), days=_hold_days()),
               _("The request is withdrawn."))
    return redirect(url_for(".request_detail", request_id=req.id))


@bp.post("/capacity/requests/<int:request_id>/take")
@requires(perm.can_buy_seats)
def take(request_id: int):
    req = _requester_request(request_id)
    run_action(lambda: request_services.take_offered(get_session(), req.id, actor=current_actor(), now=clock.now(), days=_hold_days()),
               _("You took the seats: they are held for you until the provider answers."))
    return redirect(url_for(".request_detail", request_id=req.id))
