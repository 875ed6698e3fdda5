from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from ..audit import AuditEvent
from ..auth import permissions as perm
from ..auth.access import requires
from ..auth.models import User
from ..db import get_session

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


@bp.get("/audit")
@requires(perm.can_view_audit)
def audit_log():
    db = get_session()
    object_type = (request.args.get("object_type") or "").strip()[:60]
    object_id = (request.args.get("object_id") or "").strip()[:64]
    actor = (request.args.get("actor") or "").strip()[:200]
    action = (request.args.get("action") or "").strip()[:80]
    page = max(1, request.args.get("page", 1, type=int) or 1)

    query = select(AuditEvent)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor:
        query = query.join(User, User.id == AuditEvent.actor_id).where(User.email.contains(actor.lower()))
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    events = db.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_({e.actor_id for e in events if e.actor_id})))}
    types = db.scalars(select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)).all()
    return render_template(
        "admin/audit.html",
        events=events,
        users=users,
        types=types,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters={"object_type": object_type, "object_id": object_id, "actor": actor, "action": action},
    )
