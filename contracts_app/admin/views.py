"""The audit log page for auditors: every business event, filtered and paged."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from ..auth import permissions as perm
from ..auth.access import requires
from ..choices import options
from ..db import get_session
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
    page, per_page = requested(request.args, per_page=PAGE_SIZE)
    found = queries.events(session, **filters, page=page, per_page=per_page)
    args = {k: v for k, v in filters.items() if v}
    if "per_page" in request.args:
        args["per_page"] = found.per_page
    return render_template(
        "admin/audit.html", events=found.items, found=found, args=args, users=queries.actors(session, found.items),
        total=found.total, form=form,
    )
