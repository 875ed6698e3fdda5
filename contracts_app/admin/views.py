"""The audit log page for auditors: every business event, filtered, and paged by a cursor (admin/queries.py)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from .. import audit_labels
from ..auth import permissions as perm
from ..auth.access import requires
from ..choices import options
from ..db import get_session
from ..formats import start_of_day
from ..pagination import requested
from . import queries
from .forms import AuditFilterForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


@bp.get("/audit")
@requires(perm.can_view_audit)
def audit_log():
    session = get_session()
    form = AuditFilterForm(request.args)
    form.object_type.choices = options([("", _("All"))] + [(t, t) for t in queries.object_types(session)])
    filters = form.filters()
    _page, per_page = requested(request.args, per_page=PAGE_SIZE)
    since = start_of_day(filters["from_date"]) if filters["from_date"] else None
    until = start_of_day(filters["to_date"] + dt.timedelta(days=1)) if filters["to_date"] else None
    older, newer = queries.Cursor.parse(request.args.get("older")), queries.Cursor.parse(request.args.get("newer"))
    found = queries.events(
        session, **{k: filters[k] for k in ("object_type", "object_id", "actor", "action")}, since=since, until=until,
        older_than=older if newer is None else None, newer_than=newer, per_page=per_page,
    )
    args = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in filters.items() if v}
    if "per_page" in request.args:
        args["per_page"] = found.per_page
    return render_template(
        "admin/audit.html", events=found.items, found=found, args=args, emails=queries.actor_emails(session, found.items),
        total=found.total, cap=queries.COUNT_CAP, form=form, labels=audit_labels,
    )
