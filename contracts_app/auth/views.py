"""Login, logout, the active unit, the interface language, and the user admin pages."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select

from .. import clock
from ..choices import options
from ..db import get_session
from ..organisations.models import Unit
from ..web import current_actor, run_action, safe_redirect_target, save_form
from . import access, oidc, sso, throttle
from . import permissions as perm
from . import services
from .access import public, requires
from .forms import (ConfirmForm, LanguageForm, LoginForm, MembershipForm, PasswordChangeForm, PasswordResetForm,
                    SsoUserForm, UnitSwitchForm, UserForm)
from .models import Membership, Role, User
from .oidc import SSO_SESSION

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so the login form cannot be used to redirect elsewhere (web.safe_redirect_target)."""
    return safe_redirect_target(target)


def _sso_buttons() -> list:
    """The single sign-on providers for the login page, in the order configured."""
    return list((current_app.config.get("OIDC_CLIENTS") or {}).values())


def _password_login_allowed(login: str) -> bool:
    """CONTRACTS_LOCAL_LOGIN, or (when it is off) one of the named break-glass accounts."""
    cfg = current_app.config
    return bool(cfg["LOCAL_LOGIN"]) or login in cfg.get("BREAK_GLASS_ACCOUNTS", ())


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    db = get_session()
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    status = 200
    page = {"sso_providers": _sso_buttons(), "local_login": bool(current_app.config["LOCAL_LOGIN"])}
    if form.validate_on_submit():
        login_name = services.normalise_login(form.email.data)
        if not _password_login_allowed(login_name):
            error = _("Password login is turned off. Log in with single sign-on.")
            return render_template("auth/login.html", form=form, error=error, **page), 403
        # Count the attempt and commit the count before the password is checked: of many attempts at once, only
        # those within the limits reach the hash (docs/security.md, V2.2).
        admission = throttle.admit(
            db, login_name, throttle.client_address(request.remote_addr),
            limits=throttle.Limits.from_settings(current_app.config), now=clock.now(),
        )
        db.commit()
        result = services.authenticate(db, admission, form.password.data, now=clock.now())
        if result.user is not None and not page["local_login"] and Role.admin not in result.user.roles_at(None):
            # A break-glass name that is not (or no longer) an administrator: the login is not saved.
            db.rollback()
            error = _("Password login is turned off. Log in with single sign-on.")
            return render_template("auth/login.html", form=form, error=error, **page), 403
        db.commit()
        if result.user is not None:
            access.start_session(result.user)
            return redirect(_safe_next(form.next.data) or url_for("home.index"))
        error, status = result.error, (401 if admission.allowed else 429)
    elif form.errors:
        status = 422
    return render_template("auth/login.html", form=form, error=error, **page), status


@bp.post("/logout")
@requires(perm.authenticated)
def logout():
    db = get_session()
    user = current_user._get_current_object()
    sso_session = session.get(SSO_SESSION)
    id_token = oidc.take_id_token(db, user.id, sso_session) if sso_session else None
    services.end_sessions(db, user, actor=current_actor(), now=clock.now(), reason="logout")
    db.commit()
    logout_user()
    access.forget_session()
    if id_token and oidc.end_session_endpoint(sso_session["provider"]):
        # RP-initiated logout: the provider ends its own session and sends the browser back to us. A page that
        # moves on by itself, not a redirect: the CSP's form-action 'self' would stop a form post's redirect to
        # another site.
        name = sso_session["provider"]
        target = oidc.logout_url(name, id_token, url_for("sso.logged_out", name=name, _external=True))
        return render_template("auth/logout_redirect.html", target=target,
                               provider=oidc.providers()[name].display_name)
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(perm.authenticated)
def change_password():
    db = get_session()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        done = save_form(form, lambda: services.change_password(
            db, user, current=form.current.data, new=form.password.data, repeat=form.repeat.data, now=clock.now()
        ) or True)
        if done:
            access.start_session(user)  # every other session has ended; this browser carries on
            flash(_("Your password was changed. You were logged out everywhere else."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/password_change.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    db = get_session()
    user = services.user_for_reset_token(db, token, now=clock.now())
    if user is None:
        return render_template("auth/reset_invalid.html"), 410
    form = PasswordResetForm()
    if form.validate_on_submit():
        done = save_form(form, lambda: services.reset_password(
            db, token, new=form.password.data, repeat=form.repeat.data, now=clock.now()))
        if done is not None:
            if current_user.is_authenticated:
                logout_user()
            access.forget_session()
            flash(_("Your new password is saved. Log in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/password_reset.html", form=form, target=user), 422 if form.errors else 200


@bp.post("/active-unit")
@requires(perm.authenticated)
def switch_unit():
    form = UnitSwitchForm()
    form.unit_id.choices = options((u.id, u.name) for u in current_user.units())
    if not form.validate_on_submit():
        abort(400)
    session["active_unit_id"] = form.unit_id.data
    unit = get_session().get(Unit, form.unit_id.data)
    flash(_("You now act for %(unit)s.", unit=unit.name), "info")
    return redirect(url_for("home.index"))


@bp.post("/language")
@public
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        db = get_session()
        services.set_locale(db, current_user, form.locale.data)
        db.commit()
    return redirect(_safe_next(request.form.get("back")) or url_for("home.index"))


# --- user administration -------------------------------------------------------------------------------


@bp.get("/admin/users")
@requires(perm.can_manage_users)
def users():
    db = get_session()
    all_users = db.scalars(select(User).order_by(User.name)).all()
    return render_template("auth/users.html", users=all_users,
                           break_glass=current_app.config.get("BREAK_GLASS_ACCOUNTS", ()))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires(perm.can_manage_users)
def new_user():
    db = get_session()
    sso_configured = bool(current_app.config.get("OIDC_CLIENTS"))
    form = SsoUserForm() if sso_configured else UserForm()
    # An access request's link: the form is filled in with what the provider said, and the account is linked to
    # that SSO login (signed and expiring; auth/sso.py).
    linked = sso.read_link_token(request.args.get("from"), str(current_app.config["SECRET_KEY"])) \
        if sso_configured else None
    if request.method == "GET":
        form.email.data = ((linked.email if linked else None) or request.args.get("email") or "")[:200]
        form.name.data = ((linked.name if linked else None) or request.args.get("name") or "")[:200]
    if form.validate_on_submit():
        user = save_form(form, lambda: services.create_user(
            db, email=form.email.data, name=form.name.data, password=form.password.data or "", actor=current_actor(),
            now=clock.now(), sso_only_allowed=sso_configured,
            sso_link=(linked.issuer, linked.subject) if linked else None,
        ))
        if user is not None:
            flash(_("%(name)s was created. Now give the user a unit and a role.", name=user.name), "success")
            return redirect(url_for(".user", user_id=user.id))
    provider = (current_app.config.get("OIDC_CLIENTS") or {}).get(linked.provider) if linked else None
    return render_template("auth/user_new.html", form=form, linked=linked,
                           linked_provider=provider.display_name if provider else (linked.provider if linked else None)
                           ), 422 if form.errors else 200


def _membership_form() -> MembershipForm:
    form = MembershipForm()
    units = get_session().scalars(select(Unit).order_by(Unit.name)).all()
    form.unit_id.choices = options([(None, _("No unit (administrators only)"))] + [(u.id, u.name) for u in units])
    return form


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@requires(perm.can_manage_users)
def user(user_id: int):
    db = get_session()
    target = db.get(User, user_id) or abort(404)
    form = _membership_form()
    if form.validate_on_submit():
        unit = db.get(Unit, form.unit_id.data) if form.unit_id.data else None
        added = save_form(form, lambda: services.add_membership(
            db, target, role=Role(form.role.data), unit=unit, actor=current_actor(), now=clock.now()
        ))
        if added is not None:
            flash(_("The role was added."), "success")
            return redirect(url_for(".user", user_id=target.id))
    locked = throttle.is_locked(db, target.email, limits=throttle.Limits.from_settings(current_app.config), now=clock.now())
    return render_template("auth/user.html", target=target, form=form, locked=locked,
                           confirm=ConfirmForm()), 422 if form.errors else 200


@bp.post("/admin/users/<int:user_id>/memberships/<int:membership_id>/delete")
@requires(perm.can_manage_users)
def remove_membership(user_id: int, membership_id: int):
    db = get_session()
    membership = db.get(Membership, membership_id)
    if membership is None or membership.user_id != user_id:
        abort(404)
    services.remove_membership(db, membership, actor=current_actor(), now=clock.now())
    db.commit()
    flash(_("The role was removed."), "success")
    return redirect(url_for(".user", user_id=user_id))


def _account_action(user_id: int, action, success: str):
    """A one-button administration of a user: load (404) → the form (CSRF) → one service → commit → back."""
    db = get_session()
    target = db.get(User, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_action(lambda: action(db, target), success % {"name": target.name})
    return redirect(url_for(".user", user_id=target.id))


@bp.post("/admin/users/<int:user_id>/deactivate")
@requires(perm.can_manage_users)
def deactivate_user(user_id: int):
    return _account_action(user_id, lambda db, u: services.set_active(
        db, u, False, actor=current_actor(), now=clock.now()), _("%(name)s is deactivated and logged out everywhere."))


@bp.post("/admin/users/<int:user_id>/reactivate")
@requires(perm.can_manage_users)
def reactivate_user(user_id: int):
    return _account_action(user_id, lambda db, u: services.set_active(
        db, u, True, actor=current_actor(), now=clock.now()), _("%(name)s can log in again."))


@bp.post("/admin/users/<int:user_id>/unlock")
@requires(perm.can_manage_users)
def unlock_user(user_id: int):
    return _account_action(user_id, lambda db, u: services.unlock_login(
        db, u, actor=current_actor(), now=clock.now()), _("The login of %(name)s is unlocked."))


@bp.post("/admin/users/<int:user_id>/logout-everywhere")
@requires(perm.can_manage_users)
def end_user_sessions(user_id: int):
    return _account_action(user_id, lambda db, u: services.log_out_everywhere(
        db, u, actor=current_actor(), now=clock.now()), _("%(name)s is logged out everywhere."))


@bp.post("/admin/users/<int:user_id>/send-reset")
@requires(perm.can_manage_users)
def send_password_reset(user_id: int):
    cfg = current_app.config
    return _account_action(user_id, lambda db, u: services.send_password_reset(
        db, u, actor=current_actor(), now=clock.now(), valid_for=dt.timedelta(hours=int(cfg["PASSWORD_RESET_HOURS"])),
        base_url=cfg["BASE_URL"], default_locale=cfg["DEFAULT_LOCALE"],
    ), _("A link to choose a new password is on its way to %(name)s."))
