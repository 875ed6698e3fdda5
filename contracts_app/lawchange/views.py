"""The impact list «Endringer etter regelendring» and marking an item handled."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..db import get_session
from ..choices import options
from ..formats import date as fmt_date
from ..organisations.models import Unit
from ..pagination import requested
from ..rulecheck.models import LawChange
from ..web import current_actor, save_form
from . import queries, services
from .forms import FilterForm, HandledForm
from .labels import cause_label, kind_label

bp = Blueprint("lawchange", __name__, url_prefix="/law-changes")


def _unit() -> Unit | None:
    p = current_principal()
    return get_session().get(Unit, p.unit_id) if p.unit_id else None


def _change_label(change: LawChange) -> str:
    moved = change.items_moved or 0
    return f"{fmt_date(change.created_at)}: {cause_label(change.cause)} ({_('%(n)d moved', n=moved)})"


@bp.get("")
@requires(perm.can_view_law_changes)
def index():
    session, p = get_session(), current_principal()
    form = FilterForm(request.args)
    changes = queries.changes(session, also=form.change.data if not form.change.process_errors else None)
    form.change.choices = options([("", _("All"))] + [(c.id, _change_label(c)) for c in changes])
    filters = form.filters()  # an invalid filter has a message on its field and is not applied
    page, per_page = requested(request.args, per_page=queries.PAGE_SIZE)
    found = queries.items(session, p, _unit(), filters, page=page, per_page=per_page)
    args = filters.args()
    if "per_page" in request.args:
        args["per_page"] = found.per_page
    return render_template(
        "lawchange/index.html", items=found.items, found=found, total=found.total, args=args, form=form,
        changes=changes, openable=queries.openable(session, p, found.items), kind_label=kind_label, cause_label=cause_label,
    )


def _visible_item(item_id: int):
    return queries.item(get_session(), current_principal(), _unit(), item_id) or abort(404)


def _render_item(item, form: HandledForm, status: int = 200):
    session, p = get_session(), current_principal()
    return render_template(
        "lawchange/item.html", item=item, change=session.get(LawChange, item.law_change_id), form=form,
        can_handle=perm.can_review_legal(p) and item.handled_at is None, openable=queries.openable(session, p, [item]),
        kind_label=kind_label, cause_label=cause_label,
    ), status


@bp.get("/items/<int:item_id>")
@requires(perm.can_view_law_changes)
def item(item_id: int):
    return _render_item(_visible_item(item_id), HandledForm(formdata=None))


@bp.post("/items/<int:item_id>/handled")
@requires(perm.can_review_legal)
def mark_handled(item_id: int):
    found = _visible_item(item_id)
    form = HandledForm()
    if form.validate_on_submit():
        done = save_form(form, lambda: services.mark_handled(get_session(), found.id, note=form.note.data,
                                                              actor=current_actor(), now=clock.now()))
        if done is not None:
            flash(_("The item is marked handled."), "success")
            return redirect(url_for(".item", item_id=found.id))
    return _render_item(found, form, 422)
