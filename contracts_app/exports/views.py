"""The export routes, next to their lists: ``<list>/export.csv`` and ``<list>/export.xlsx``.

Each route is its page's handler without the page: the same ``@requires`` predicate, the same scoping (the
user's unit; the budget line must be the unit's, else 404 as on its page), the same filter form read from the
query string, the same query (the statement the page's query function pages: ``of_unit_statement``,
``commitments_statement``, ``search_statement``). Then one audit event, committed, and
the file."""
from __future__ import annotations

from flask import Blueprint, Response, abort, stream_with_context
from flask import request
from flask_babel import gettext as _

from .. import audit, clock
from ..agreements import queries as agreement_queries
from ..agreements.forms import FilterForm
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..budget import queries as budget_queries
from ..budget.forms import CommitmentFilterForm
from ..budget.models import Budget
from ..db import get_session
from ..errors import error_response
from ..purchases import queries as purchase_queries
from ..web import current_actor, current_unit
from . import source, specs
from .writer import csv_chunks, file_chunks, xlsx_file

bp = Blueprint("exports", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refused(form):
    """An invalid filter: 400 with the fields' messages, and nothing exported or recorded."""
    messages = "; ".join(f"{form[name].label.text}: {' '.join(str(m) for m in errors)}"
                         for name, errors in form.errors.items() if name in form)
    return error_response(400, _("The export was not made. Check the filters: %(errors)s", errors=messages))


def _send(export: specs.Export, fmt: str, *, action: str, object_type: str, object_id=None, filters: dict):
    """Audit the export (format, filters, rows), commit, and answer with the file."""
    session = get_session()
    enrich = export.enrich(session) if export.enrich else None
    if fmt == "xlsx":
        fh, size, rows = xlsx_file(export.columns, source.stream(session, export.statement, enrich=enrich),
                                   names=export.names, sheet_title=export.sheet)
    else:
        rows = source.count(session, export.statement)  # the rows matching when the export started
    try:
        audit.record(session, current_actor(), action, object_type=object_type, object_id=object_id,
                     after={"file_format": fmt, "filters": {k: v for k, v in filters.items() if v}, "rows": rows},
                     at=clock.now())
        session.commit()
    except BaseException:
        if fmt == "xlsx":
            fh.close()
        raise
    if fmt == "xlsx":
        response = Response(file_chunks(fh), mimetype=XLSX_MIMETYPE)
        response.headers["Content-Length"] = str(size)
    else:
        body = csv_chunks(export.columns, source.stream(session, export.statement, enrich=enrich), names=export.names)
        response = Response(stream_with_context(body), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}.{fmt}"'
    return response


# --- purchases ------------------------------------------------------------------------------------------------

def _purchases(fmt: str):
    unit_id = current_principal().unit_id
    base = purchase_queries.of_unit_statement(unit_id)
    export = specs.purchases(base, unit_id=unit_id, stamp=clock.today().isoformat())
    return _send(export, fmt, action="export.purchases", object_type="seat_purchase", filters={})


@bp.get("/purchases/export.csv")
@requires(perm.can_view_purchases)
def purchases_csv():
    return _purchases("csv")


@bp.get("/purchases/export.xlsx")
@requires(perm.can_view_purchases)
def purchases_xlsx():
    return _purchases("xlsx")


# --- a budget line's ledger -------------------------------------------------------------------------------------

def _budget(budget_id: int, fmt: str):
    budget = get_session().get(Budget, budget_id) or abort(404)
    if budget.unit_id != current_principal().unit_id:
        abort(404)  # as the budget page: another unit's line does not exist for this user
    form = CommitmentFilterForm(request.args)
    filters = form.filters()
    if form.errors:
        return _refused(form)
    base = budget_queries.commitments_statement(budget.id, **filters)
    export = specs.budget_ledger(base, budget, stamp=clock.today().isoformat())
    return _send(export, fmt, action="export.budget_ledger", object_type="budget", object_id=budget.id, filters=filters)


@bp.get("/budgets/<int:budget_id>/export.csv")
@requires(perm.can_manage_budget)
def budget_csv(budget_id: int):
    return _budget(budget_id, "csv")


@bp.get("/budgets/<int:budget_id>/export.xlsx")
@requires(perm.can_manage_budget)
def budget_xlsx(budget_id: int):
    return _budget(budget_id, "xlsx")


# --- agreements -----------------------------------------------------------------------------------------------

def _agreements(fmt: str):
    form = FilterForm(request.args)
    filters = form.filters()
    if form.errors:
        return _refused(form)
    base = agreement_queries.search_statement(current_principal(), current_unit(), **filters, today=clock.today())
    export = specs.agreements(base, stamp=clock.today().isoformat())
    return _send(export, fmt, action="export.agreements", object_type="agreement", filters=filters)


@bp.get("/agreements/export.csv")
@requires(perm.can_view_agreements)
def agreements_csv():
    return _agreements("csv")


@bp.get("/agreements/export.xlsx")
@requires(perm.can_view_agreements)
def agreements_xlsx():
    return _agreements("xlsx")
