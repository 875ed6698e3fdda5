"""Single sign-on routes (registered only when a provider is configured; auth/oidc.py): login, callback,
access request, and the page the provider sends the browser back to after RP-initiated logout."""
from __future__ import annotations

import datetime as dt
import logging

from authlib.common.errors import AuthlibBaseError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from joserfc.errors import JoseError
from requests import RequestException

from .. import clock
from ..db import get_session
from ..web import safe_redirect_target
from . import access, oidc, sso
from .access import public
from .forms import AccessRequestForm

log = logging.getLogger(__name__)

bp = Blueprint("sso", __name__, url_prefix="/auth/oidc")


def _provider(name: str):
    provider = oidc.providers().get(name)
    if provider is None:
        abort(404)
    return provider


def _refused(message: str, status: int):
    access.forget_session()
    return render_template("auth/sso_refused.html", message=message), status


@bp.get("/<name>/login")
@public
def login(name: str):
    provider = _provider(name)
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    target = safe_redirect_target(request.args.get("next"))
    if target:
        session[oidc.NEXT] = target
    extra = {"acr_values": provider.accepted_acr[0]} if provider.accepted_acr else {}
    try:
        return oidc.client(name).authorize_redirect(url_for(".callback", name=name, _external=True), **extra)
    except (AuthlibBaseError, RequestException, ValueError, KeyError) as exc:
        log.warning("OIDC %s: the provider cannot be reached: %r", name, exc)
        return _refused(_("%(provider)s cannot be reached right now. Try again in a while.",
                          provider=provider.display_name), 503)


@bp.get("/<name>/callback")
@public
def callback(name: str):
    provider = _provider(name)
    db = get_session()
    target = session.pop(oidc.NEXT, None)
    try:
        token = oidc.client(name).authorize_access_token(claims_options=oidc.claims_options(provider))
        claims = token["userinfo"]  # the verified ID-token claims
        id_token = token["id_token"]
    except (AuthlibBaseError, JoseError, KeyError, ValueError, TypeError, RequestException) as exc:
        log.warning("OIDC %s: login refused: %r", name, exc)
        return _refused(_("The login was refused. Try again, or contact support if it happens again."), 401)
    identity = sso.identity_from_claims(name, claims, subject_claim=provider.subject_claim,
                                        email_claims=provider.email_claims)
    if identity is None:
        log.warning("OIDC %s: login refused: no %s claim", name, provider.subject_claim)
        return _refused(_("The login was refused. Try again, or contact support if it happens again."), 401)
    now = clock.now()
    result = sso.sso_login(db, identity, now=now)
    if result.user is None:
        db.commit()  # the refusal's audit event
        if result.refusal == sso.Refusal.unknown:
            access.forget_session()
            session[oidc.PENDING] = identity.as_session()
            return render_template("auth/sso_unknown.html", identity=identity, provider=provider,
                                   form=AccessRequestForm()), 403
        if result.refusal == sso.Refusal.other_subject:
            return _refused(_("The e-mail address %(email)s belongs to an account that is linked to another "
                              "login at %(provider)s. Ask an administrator for help.",
                              email=identity.email, provider=provider.display_name), 403)
        return _refused(_("Your account is deactivated. Ask an administrator if you need access."), 403)
    max_age = dt.timedelta(hours=int(current_app.config["SESSION_MAX_HOURS"]))
    kept = oidc.keep_id_token(db, result.user.id, name, id_token, now=now, max_age=max_age)
    db.commit()
    access.start_session(result.user)
    session[oidc.SSO_SESSION] = kept
    return redirect(safe_redirect_target(target) or url_for("home.index"))


@bp.post("/access-request")
@public
def access_request():
    identity = sso.Identity.from_session(session.get(oidc.PENDING))
    if identity is None:
        return _refused(_("Log in with single sign-on first, then send the request."), 400)
    provider = _provider(identity.provider)
    form = AccessRequestForm()
    if not form.validate_on_submit():
        return render_template("auth/sso_unknown.html", identity=identity, provider=provider, form=form), 422
    db = get_session()
    link = sso.request_link(identity, str(current_app.config["SECRET_KEY"]))
    sso.request_access(db, identity, form.message.data or "", provider_name=provider.display_name, link=link,
                       now=clock.now())
    db.commit()
    session.pop(oidc.PENDING, None)
    return render_template("auth/access_requested.html", identity=identity)


@bp.get("/<name>/logged-out")
@public
def logged_out(name: str):
    """Where the provider sends the browser after its logout. The local session ended before we went there."""
    _provider(name)
    try:
        oidc.client(name).validate_logout_response()
    except AuthlibBaseError as exc:  # not every provider echoes state; the local session is gone either way
        log.info("OIDC %s: logout response without our state: %r", name, exc)
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
