"""The start page: what waits for the user in their active role, and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .auth import permissions as perm
from .auth.access import current_principal, public, requires
from .db import get_session
from .organisations.models import Unit

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def root():
    if current_user.is_authenticated:
        return redirect(url_for(".index"))
    return redirect(url_for("auth.login"))


@bp.get("/home")
@requires(perm.authenticated)
def index():
    principal = current_principal()
    unit = get_session().get(Unit, principal.unit_id) if principal.unit_id else None
    return render_template("home.html", principal=principal, unit=unit)


@bp.get("/healthz")
@public
def healthz():
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return jsonify(status="unavailable", database="error", detail=type(exc).__name__), 503
    return jsonify(status="ok", database="ok")
