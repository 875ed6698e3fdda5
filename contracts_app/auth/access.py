"""Flask glue for permissions: the login manager, the active unit and the ``requires`` decorator.

Every view function carries an access declaration (``view.access``): either ``PUBLIC`` or a predicate from
:mod:`.permissions`. Anonymous users are sent to the login page; logged-in users without the permission get
403. The route × role matrix test fails for any route without a declaration.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user
from sqlalchemy.orm import joinedload

from .. import clock
from ..db import get_session
from .models import User
from .permissions import Principal

PUBLIC = "public"

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Log in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


# What a logged-in session carries besides Flask-Login's user id (docs/security.md, V3).
SESSION_GENERATION = "auth_generation"  # the user's session_generation at login
SESSION_STARTED = "auth_started"  # login time (Unix seconds, from the clock)
SESSION_SEEN = "auth_seen"  # last request (Unix seconds), refreshed at most once a minute


def start_session(user: User) -> None:
    """Log the user in for this browser: a fresh session (no data from before the login survives but the
    language) carrying the user's session generation and the times the idle and absolute limits count from."""
    locale = session.get("locale") or user.locale
    session.clear()
    login_user(user)
    now = clock.now().timestamp()
    session[SESSION_GENERATION] = user.session_generation
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now
    if locale:
        session["locale"] = locale


def forget_session() -> None:
    """Empty the session (the language stays)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def _session_is_current(user: User) -> bool:
    """The session was started for this generation of the user's sessions, has been used within the idle time,
    and is younger than the absolute lifetime."""
    started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
    if session.get(SESSION_GENERATION) != user.session_generation:
        return False
    if not isinstance(started, (int, float)) or not isinstance(seen, (int, float)):
        return False
    now = clock.now().timestamp()
    cfg = current_app.config
    if now - seen > int(cfg["SESSION_IDLE_MINUTES"]) * 60 or now - started > int(cfg["SESSION_MAX_HOURS"]) * 3600:
        return False
    if now - seen >= 60:
        session[SESSION_SEEN] = now
    return True


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The user of the session cookie, with their memberships, units and the units' legal persons in one
    statement: what every page's principal, header and permission checks use. A session that has ended
    (logout, password change, deactivation, "log out everywhere", idle or too old) loads nobody and is emptied."""
    try:
        ident = int(user_id)
    except (TypeError, ValueError):
        return None
    user = get_session().get(User, ident, options=[joinedload(User.memberships)])
    if user is not None and user.is_active and _session_is_current(user):
        return user
    forget_session()
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


def active_unit_id() -> int | None:
    """The unit the user acts for: the one chosen in the header, else their first unit."""
    if not current_user.is_authenticated:
        return None
    units = current_user.units()
    chosen = session.get("active_unit_id")
    if any(u.id == chosen for u in units):
        return chosen
    return units[0].id if units else None


def current_principal() -> Principal | None:
    """The user, active unit and roles of this request (cached on the request, not on ``g``, which an app
    context may share between requests)."""
    if not current_user.is_authenticated:
        return None
    cached = getattr(request, "_contracts_principal", None)
    if cached is None or cached.user_id != current_user.id:
        unit_id = active_unit_id()
        cached = Principal(current_user.id, unit_id, frozenset(current_user.roles_at(unit_id)))
        request._contracts_principal = cached
    return cached


def public(view: Callable) -> Callable:
    view.access = PUBLIC
    return view


def requires(predicate: Callable[[Principal], bool]) -> Callable:
    """Allow the view only to logged-in users for whom ``predicate(principal)`` is true."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                if request.path.startswith("/api/"):
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not predicate(principal):
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = predicate
        return wrapped

    return decorate
