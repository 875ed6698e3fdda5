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
from sqlalchemy import bindparam, select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from ..db import core_connection, get_session, loaded_object
from ..organisations.models import LegalEntity, Unit
from .models import Membership, User
from .permissions import Principal

PUBLIC = "public"

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Log in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


_TABLES = {"u": User.__table__, "m": Membership.__table__, "n": Unit.__table__, "e": LegalEntity.__table__}
# What every request uses (the principal, the header, permission checks, the buying unit's legal person);
# the other columns (the password hash, timestamps, addresses) load on access. Each column read costs the
# driver and the ORM CPU on every request.
_LOADED = {
    "u": ("id", "email", "name", "locale", "is_active"),
    "m": ("id", "user_id", "unit_id", "role"),
    "n": ("id", "name", "kind", "legal_entity_id", "municipal_entity_id", "is_active"),
    "e": ("id", "name", "org_number", "legal_type", "is_contracting_authority", "is_central_government"),
}
# The user, their memberships, the memberships' units and the units' legal persons in one statement. Core,
# not the ORM's joined loading: this runs before every page and API call, and the ORM's loading machinery
# was most of its CPU.
_USER_WITH_UNITS = (
    select(*(_TABLES[p].c[name].label(f"{p}_{name}") for p, names in _LOADED.items() for name in names))
    .select_from(
        _TABLES["u"].outerjoin(_TABLES["m"], _TABLES["m"].c.user_id == _TABLES["u"].c.id)
        .outerjoin(_TABLES["n"], _TABLES["n"].c.id == _TABLES["m"].c.unit_id)
        .outerjoin(_TABLES["e"], _TABLES["e"].c.id == _TABLES["n"].c.legal_entity_id)
    )
    .where(_TABLES["u"].c.id == bindparam("id"))
    .order_by(_TABLES["m"].c.id)
)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        ident = int(user_id)
    except (TypeError, ValueError):
        return None
    session = get_session()
    user = session.identity_map.get(identity_key(User, ident))
    if user is None:
        rows = core_connection(session).execute(_USER_WITH_UNITS, {"id": ident}).all()
        if not rows:
            return None
        user = _user_from_rows(session, rows)
    return user if user.is_active else None


def _user_from_rows(session, rows) -> User:
    """The objects of ``_USER_WITH_UNITS``'s rows, as the ORM's joined loading would make them: objects already
    in the session are taken as they are; new ones enter it as loaded, with their relationships set."""
    def part(model, prefix, row):
        return loaded_object(session, model, {name: row._mapping[f"{prefix}_{name}"] for name in _LOADED[prefix]})

    user, fresh = part(User, "u", rows[0])
    memberships = []
    for row in rows:
        if row.m_id is None:
            continue
        membership, new_membership = part(Membership, "m", row)
        if row.n_id is not None:
            unit, new_unit = part(Unit, "n", row)
            if new_unit:
                set_committed_value(unit, "legal_entity", part(LegalEntity, "e", row)[0])
            if new_membership:
                set_committed_value(membership, "unit", unit)
        elif new_membership:
            set_committed_value(membership, "unit", None)
        if new_membership:
            set_committed_value(membership, "user", user)
        memberships.append(membership)
    if fresh:
        set_committed_value(user, "memberships", memberships)
    return user


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
