"""Budget pages for budget owners: their unit's budget lines, consumption, forecast, stops."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..db import begin_write, get_session, lock
from ..pagination import requested
from ..web import current_actor, save_form, submit
from . import queries, services
from .forecast import forecast
from .periods import AFTER, BEFORE
from .forms import BudgetForm, CommitmentFilterForm, LiftForm, StopForm
from .models import Budget, BudgetStop

bp = Blueprint("budget", __name__, url_prefix="/budgets")


def _own_budget(budget_id: int) -> Budget:
    budget = get_session().get(Budget, budget_id) or abort(404)
    if budget.unit_id != current_principal().unit_id:
        abort(404)
    return budget


@bp.get("/")
@requires(perm.can_manage_budget)
def index():
    page, per_page = requested(request.args)
    found = queries.budget_lines(get_session(), current_principal().unit_id, page=page, per_page=per_page)
    args = {"per_page": found.per_page} if "per_page" in request.args else {}
    return render_template("budget/index.html", budgets=found.items, found=found, args=args, today=clock.today())


def _form_data(form: BudgetForm) -> dict:
    return {"year": form.year.data, "line": form.line.data, "side": form.side.data, "amount": form.amount.data,
            "warning_pct": form.warning_pct.data, "stop_mode": form.stop_mode.data}


@bp.route("/new", methods=["GET", "POST"])
@requires(perm.can_manage_budget)
def new():
    session = get_session()
    form = BudgetForm()
    if request.method == "GET":
        form.year.data = clock.today().year
    if form.validate_on_submit():
        budget = save_form(form, lambda: services.create_budget(
            session, {**_form_data(form), "unit_id": current_principal().unit_id}, actor=current_actor(), now=clock.now()))
        if budget is not None:
            flash(_("The budget line was created."), "success")
            return redirect(url_for(".detail", budget_id=budget.id))
    return render_template("budget/form.html", form=form, budget=None), 422 if form.errors else 200


@bp.route("/<int:budget_id>/edit", methods=["GET", "POST"])
@requires(perm.can_manage_budget)
def edit(budget_id: int):
    session = get_session()
    budget = _own_budget(budget_id)
    form = BudgetForm(obj=budget) if request.method == "GET" else BudgetForm()
    if request.method == "GET":
        form.side.data, form.stop_mode.data, form.amount.data = budget.side.value, budget.stop_mode.value, str(budget.amount)

    def update():
        begin_write(session)  # lock before checking the amount against what is committed
        return services.update_budget(session, lock(session, Budget, budget_id), _form_data(form),
                                      actor=current_actor(), now=clock.now())

    if form.validate_on_submit():
        old_year = budget.year
        if (saved := save_form(form, update)) is not None:
            flash(_("The changes were saved."), "success")
            if saved.year != old_year:
                flash(_("The budget line now belongs to %(year)s: purchases and requests starting in %(year)s can "
                        "use it, and those in %(old)s no longer can.", year=saved.year, old=old_year), "info")
            return redirect(url_for(".detail", budget_id=budget_id))
    return render_template("budget/form.html", form=form, budget=budget), 422 if form.errors else 200


@bp.get("/<int:budget_id>")
@requires(perm.can_manage_budget)
def detail(budget_id: int):
    return _detail_page(_own_budget(budget_id))


def _detail_page(budget: Budget, *, stop_form: StopForm | None = None, lift_form: LiftForm | None = None) -> str:
    """The budget page; ``stop_form`` / ``lift_form``: a posted form shown again with its input and errors."""
    session = get_session()
    today = clock.today()
    # The months carry open commitments by their seat periods and spending where registered (budget/periods.py),
    # as budget.services booked them when the money moved: a row per month.
    spread = queries.month_spread(session, budget)
    # The purchases themselves are listed a page at a time, newest first, filtered in the database.
    filter_form = CommitmentFilterForm(request.args)
    filters = filter_form.filters()
    page, _size = requested(request.args, per_page=queries.COMMITMENTS_PER_PAGE)
    found = queries.commitments(session, budget.id, **filters, page=page)
    args = {k: v for k, v in filters.items() if v}
    if stop_form is None:
        # A stop lies within the line's year: today, or the year's first (last) day for a line of a later (earlier) year.
        stop_form = StopForm(formdata=None, starts_on=min(max(today, dt.date(budget.year, 1, 1)), dt.date(budget.year, 12, 31)))
    return render_template(
        "budget/detail.html", budget=budget, spread=spread, before=BEFORE, after=AFTER,
        fc=forecast(budget.amount, budget.used, budget.year, today, spread),
        commitments=found.items, found=found, args=dict(args, budget_id=budget.id), filter_form=filter_form,
        stop=budget.open_stop(today), stop_form=stop_form, lift_form=lift_form or LiftForm(formdata=None),
        today=today,
    )


def _stop_action(budget: Budget, form: StopForm | LiftForm, action, success: str, form_arg: str):
    """A stop's action from its posted form (web.submit): back to the page, or the page again with the form."""
    return submit(form, action, success, done=url_for(".detail", budget_id=budget.id),
                  again=lambda: _detail_page(budget, **{form_arg: form}))


@bp.post("/<int:budget_id>/stop")
@requires(perm.can_manage_budget)
def declare_stop(budget_id: int):
    session = get_session()
    budget = _own_budget(budget_id)
    form = StopForm()
    return _stop_action(
        budget, form,
        lambda: services.declare_stop(session, budget, reason=form.reason.data, starts_on=form.starts_on.data,
                                      ends_on=form.ends_on.data, actor=current_actor(), now=clock.now()),
        _("The budget stop is declared. New purchases against this budget are refused."), "stop_form",
    )


@bp.post("/<int:budget_id>/stops/<int:stop_id>/lift")
@requires(perm.can_manage_budget)
def lift_stop(budget_id: int, stop_id: int):
    session = get_session()
    budget = _own_budget(budget_id)
    stop = session.get(BudgetStop, stop_id)
    if stop is None or stop.budget_id != budget.id:
        abort(404)
    form = LiftForm()
    return _stop_action(
        budget, form,
        lambda: services.lift_stop(session, stop, reason=form.reason.data or "", actor=current_actor(), now=clock.now()),
        _("The budget stop was lifted."), "lift_form",
    )
