"""The inbox (a user's notifications, newest first, and marking them read), the user's e-mail settings, and the
e-mail outbox for admins."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import SelectField

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..choices import options
from ..db import begin_write, get_session
from ..formbase import FlaskForm, Form
from ..pagination import paginate, requested
from ..web import current_actor, safe_redirect_target
from . import email, services
from .messages import KIND_LABELS, render
from .models import Notification, OutboxMessage, OutboxStatus

bp = Blueprint("notifications", __name__)

INBOX_PAGE_SIZE = 25


@bp.get("/inbox")
@requires(perm.authenticated)
def inbox():
    """The user's notifications, newest first, a page at a time, counted in the database ("Viser 1–25 av N")."""
    user_id = current_principal().user_id
    stmt = select(Notification).where(Notification.user_id == user_id).order_by(Notification.created_at.desc(), Notification.id.desc())
    page, per_page = requested(request.args, per_page=INBOX_PAGE_SIZE)
    found = paginate(get_session(), stmt, page=page, per_page=per_page)
    items = [{"n": n, "text": render(n.kind, n.params)} for n in found.items]
    args = {"per_page": found.per_page} if "per_page" in request.args else {}
    return render_template("notifications/inbox.html", items=items, found=found, args=args)


@bp.post("/inbox/<int:notification_id>/read")
@requires(perm.authenticated)
def mark_read(notification_id: int):
    session = get_session()
    user_id = current_principal().user_id
    n = session.get(Notification, notification_id)
    services.mark_read(session, user_id, notification_id, now=clock.now())
    session.commit()
    # Links are paths the app wrote itself; still, never follow anything that could leave the site.
    target = safe_redirect_target(n.link) if n is not None and n.user_id == user_id else None
    if target and request.form.get("open"):
        return redirect(target)
    return redirect(url_for(".inbox"))


@bp.post("/inbox/read-all")
@requires(perm.authenticated)
def mark_all_read():
    session = get_session()
    services.mark_read(session, current_principal().user_id, None, now=clock.now())
    session.commit()
    return redirect(url_for(".inbox"))


# --- e-mail: the user's choices, and the outbox for admins ------------------------------------------------------

MODE_LABELS = {
    "none": _l("Inbox only"),
    "immediate": _l("E-mail at once"),
    "digest": _l("Daily e-mail summary"),
}


@bp.route("/settings/notifications", methods=["GET", "POST"])
@requires(perm.authenticated)
def preferences():
    session = get_session()
    user_id = current_principal().user_id
    form = FlaskForm()
    if request.method == "POST" and form.validate_on_submit():
        modes = {kind: request.form.get(f"mode-{kind}", "") for kind in KIND_LABELS}
        begin_write(session)  # SQLite: the request has read (the user); take the write lock before the service reads
        email.set_preferences(session, user_id, modes, now=clock.now())
        session.commit()
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for(".preferences"))
    current = email.preferences(session, user_id)
    rows = [{"kind": kind, "label": label, "mode": current[kind]} for kind, label in KIND_LABELS.items()]
    return render_template("notifications/preferences.html", rows=rows, modes=MODE_LABELS, form=form)


class OutboxFilterForm(Form):
    """The outbox's status filter, from the query string (a GET form: no CSRF token). An unknown status is a
    message on the field and the list shows every message."""

    status = SelectField(_l("Status"), default="",
                         choices=lambda: options([("", _l("All"))]) + OutboxStatus.choices())


OUTBOX_PAGE_SIZE = 50


@bp.get("/admin/outbox")
@requires(perm.is_admin)
def outbox():
    session = get_session()
    form = OutboxFilterForm(request.args)
    form.validate()
    status = None if form.status.errors else (form.status.data or None)
    counts = {getattr(k, "value", k): v for k, v in
              session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()}
    form.status.choices = options([("", _("All (%(n)d)", n=sum(counts.values())))] +
                                  [(s.value, f"{s.label} ({counts.get(s.value, 0)})") for s in OutboxStatus])
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        stmt = stmt.where(OutboxMessage.status == OutboxStatus(status))
    page, per_page = requested(request.args, per_page=OUTBOX_PAGE_SIZE)
    found = paginate(session, stmt, page=page, per_page=per_page)
    args = {"status": status} if status else {}
    if "per_page" in request.args:
        args["per_page"] = found.per_page
    return render_template("notifications/outbox.html", messages=found.items, found=found, args=args, status=status,
                           filter_form=form, smtp_host=current_app.config.get("SMTP_HOST"), form=FlaskForm())


@bp.post("/admin/outbox/<int:message_id>/requeue")
@requires(perm.is_admin)
def requeue(message_id: int):
    session = get_session()
    begin_write(session)
    if email.requeue(session, message_id, actor=current_actor(), now=clock.now()) is None:
        flash(_("Only a failed or unsent message can be queued again."), "error")
    else:
        session.commit()
        flash(_("The message is queued and will be sent within a minute."), "success")
    return redirect(url_for(".outbox"))
