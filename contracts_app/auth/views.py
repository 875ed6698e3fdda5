"""Login, logout, the active unit, the interface language, and the user admin pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .. import clock
from ..choices import options
from ..db import get_session
from ..organisations.models import Unit
from ..web import current_actor, save_form
from . import permissions as perm
from . import services
from .access import public, requires
from .forms import LanguageForm, LoginForm, MembershipForm, UnitSwitchForm, UserForm
from .models import Membership, Role, User

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so the login form cannot be used to redirect elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


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
    if form.validate_on_submit():
        result = services.authenticate(
            db,
            form.email.data,
            form.password.data,
            now=clock.now(),
            max_failures=int(current_app.config["LOGIN_MAX_FAILURES"]),
            lockout_minutes=int(current_app.config["LOGIN_LOCKOUT_MINUTES"]),
        )
        db.commit()  # failures are counted even when the login is refused
        if result.user is not None:
            session.clear()
            login_user(result.user)
            if result.user.locale:
                session["locale"] = result.user.locale
            return redirect(_safe_next(form.next.data) or url_for("home.index"))
        error = result.error
    status = 200 if request.method == "GET" else (401 if error else 422 if form.errors else 200)
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@requires(perm.authenticated)
def logout():
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


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
    return render_template("auth/users.html", users=all_users)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires(perm.can_manage_users)
def new_user():
    db = get_session()
    form = UserForm()
    if form.validate_on_submit():
        user = save_form(form, lambda: services.create_user(
            db, email=form.email.data, name=form.name.data, password=form.password.data, actor=current_actor(),
            now=clock.now(),
        ))
        if user is not None:
            flash(_("%(name)s was created. Now give the user a unit and a role.", name=user.name), "success")
            return redirect(url_for(".user", user_id=user.id))
    return render_template("auth/user_new.html", form=form), 422 if form.errors else 200


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
    return render_template("auth/user.html", target=target, form=form), 422 if form.errors else 200


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
