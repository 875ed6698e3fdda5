"""Flask glue for permissions: the login manager, the active unit and the ``requires`` decorator.

Every view function carries an access declaration (``view.access``): either ``PUBLIC`` or a predicate from
:mod:`.permissions`. Anonymous users are sent to the login page; logged-in users without the permission get
403. The route × role matrix test fails for any route without a declaration.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Flask, abort, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from sqlalchemy.orm import joinedload

from ..db import get_session
from .models import User
from .permissions import Principal

PUBLIC = "public"

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Log in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The user of the session cookie, with their memberships, units and the units' legal persons in one
    statement: what every page's principal, header and permission checks use."""
    try:
        ident = int(user_id)
    except (TypeError, ValueError):
        return None
    user = get_session().get(User, ident, options=[joinedload(User.memberships)])
    return user if user is not None and user.is_active else None


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
