"""The inbox: a user's notifications, newest first, and marking them read."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..db import get_session
from . import services
from .messages import render
from .models import Notification

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
