"""Pages about the API: the token pages (``/api-tokens``: create, see the secret once, list, revoke) and the
documentation (``/api/docs``) rendered on the server from the OpenAPI document (no script, no CDN).

The token pages are not under ``/api/`` so they are ordinary pages: CSRF-protected forms, HTML error pages,
the login redirect. This blueprint is registered by the API blueprint (``api/__init__.py``).
"""
from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..auth.access import current_principal, public, requires
from ..db import get_session
from ..errors import ValidationFailed
from ..organisations.models import Unit
from ..web import apply_errors
from . import tokens
from .forms import RevokeForm, TokenForm

pages_bp = Blueprint("api_pages", __name__)


def _unit_choices(form: TokenForm) -> None:
    """The units where the user holds a role; an administrator sees every unit (and is told on the field when
    they hold no role at the one chosen: the token would act as them with no roles)."""
    p = current_principal()
    session = get_session()
    if p.has(tokens.Role.admin):
        units = session.scalars(select(Unit).order_by(Unit.name)).all()
    else:
        units = tokens.creatable_units(session, p.user_id)
    form.unit_id.choices = [(u.id, u.name) for u in units]


@pages_bp.get("/api-tokens")
@requires(tokens.can_manage_tokens)
def token_list():
    p = current_principal()
    rows = [{"token": t, "roles": tokens.acting_roles(t.created_by, t.unit_id), "may_revoke": tokens.may_revoke(p, t)}
            for t in tokens.visible_tokens(get_session(), p)]
    return render_template("api/tokens.html", rows=rows, now=clock.now(), revoke_form=RevokeForm(formdata=None),
                           scope_labels=tokens.scope_labels)


@pages_bp.route("/api-tokens/new", methods=["GET", "POST"])
@requires(tokens.can_manage_tokens)
def new_token():
    session = get_session()
    p = current_principal()
    form = TokenForm()
    _unit_choices(form)
    if request.method == "GET":
        ids = [value for value, _label in form.unit_id.choices]
        form.unit_id.data = p.unit_id if p.unit_id in ids else (ids[0] if ids else None)
        form.scopes.data = ["read"]
        form.expires_on.data = clock.today() + dt.timedelta(days=90)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            data = tokens.TokenInput(name=form.name.data or "", unit_id=form.unit_id.data, scopes=list(form.scopes.data or []),
                                     expires_on=form.expires_on.data)
            try:
                token, secret = tokens.create_token(session, data, principal=p, now=clock.now(), today=clock.today())
            except ValidationFailed as exc:
                session.rollback()
                apply_errors(form, exc)
            else:
                session.commit()
                # Shown on this answer only (never stored, never in a redirect or the session).
                return render_template("api/token_created.html", token=token, secret=secret,
                                       scopes=tokens.scope_labels(token.scopes),
                                       roles=tokens.acting_roles(token.created_by, token.unit_id)), 201
    return render_template("api/token_new.html", form=form, max_days=tokens.MAX_DAYS), status


@pages_bp.post("/api-tokens/revoke")
@requires(tokens.can_manage_tokens)
def revoke_token():
    form = RevokeForm()
    raw = (form.token_id.data or "").strip()
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 10):
        abort(404)
    token = tokens.revoke_token(get_session(), int(raw), principal=current_principal(), now=clock.now())
    get_session().commit()
    flash(_("The token %(prefix)s is revoked: calls with it are refused from now on.", prefix=token.prefix), "success")
    return redirect(url_for(".token_list"))


@pages_bp.get("/api/docs")
@public
def docs():
    from .openapi import document

    doc = document(current_app)
    return render_template("api/docs.html", doc=doc, operations=_operations(doc), schemas=doc["components"]["schemas"],
                           as_json=lambda value: json.dumps(value, ensure_ascii=False, indent=2))


def _operations(doc: dict) -> list[dict]:
    """The document's operations grouped by tag, in path order."""
    groups: dict[str, list] = {}
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            groups.setdefault(op["tags"][0], []).append({"path": path, "method": method.upper(), **op})
    return [{"tag": tag, "operations": ops} for tag, ops in sorted(groups.items())]
