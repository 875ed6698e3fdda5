"""The inbox (a user's notifications, newest first, and marking them read), the user's e-mail settings, and the
e-mail outbox for admins."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from ..formbase import FlaskForm
from sqlalchemy import func, select

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..db import begin_write, get_session
from ..web import current_actor
from . import email, services
from .messages import KIND_LABELS, render
from .models import Notification, OutboxMessage, OutboxStatus

bp = Blueprint("notifications", __name__)


@bp.get("/inbox")
@requires(perm.authenticated)
def inbox():
    user_id = current_principal().user_id
    rows = get_session().scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(200)
    ).all()
    items = [{"n": n, "text": render(n.kind, n.params)} for n in rows]
    return render_template("notifications/inbox.html", items=items, form=FlaskForm())


@bp.post("/inbox/<int:notification_id>/read")
@requires(perm.authenticated)
def mark_read(notification_id: int):
    session = get_session()
    user_id = current_principal().user_id
    n = session.get(Notification, notification_id)
    services.mark_read(session, user_id, notification_id, now=clock.now())
    session.commit()
    # Links are paths the app wrote itself; never follow anything that could leave the site.
    if n is not None and n.user_id == user_id and n.link and n.link.startswith("/") and not n.link.startswith("//") \
            and request.form.get("open"):
        return redirect(n.link)
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


@bp.get("/admin/outbox")
@requires(perm.is_admin)
def outbox():
    session = get_session()
    status = request.args.get("status") if request.args.get("status") in {s.value for s in OutboxStatus} else None
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    counts = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return render_template("notifications/outbox.html", messages=session.scalars(stmt).all(), status=status,
                           statuses=[(s.value, s.label) for s in OutboxStatus],
                           counts={getattr(k, "value", k): v for k, v in counts.items()},
                           smtp_host=current_app.config.get("SMTP_HOST"), form=FlaskForm())


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
