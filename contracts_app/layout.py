"""What every page's layout needs: the active unit, the role-based navigation, the language switch."""
from __future__ import annotations

from flask import request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .auth import permissions as perm
from .choices import label_of, options
from .auth.access import current_principal
from .auth.forms import LanguageForm, UnitSwitchForm, role_choices
from .auth.models import Role
from .organisations.forms import legal_type_choices, unit_kind_choices


def role_label(role) -> str:
    return label_of(role_choices(), role)


ROLE_SHORT = {
    Role.advisor: _l("Advisor"),
    Role.provider_coordinator: _l("Provider coordinator"),
    Role.budget_owner: _l("Budget owner"),
    Role.legal_reviewer: _l("Legal reviewer"),
    Role.admin: _l("Administrator"),
}


def role_short_label(role) -> str:
    return str(ROLE_SHORT[Role(role)])


def course_kind_label(value) -> str:
    from .courses.forms import kind_choices

    return label_of(kind_choices(), value)


def course_format_label(value) -> str:
    from .courses.forms import format_choices

    return label_of(format_choices(), value)


PRICE_UNIT_SHORT = {
    "per_hour": _l("per hour"),
    "per_week": _l("per week"),
    "per_month": _l("per month"),
    "per_seat": _l("per seat"),
}


def price_unit_label(value) -> str:
    return str(PRICE_UNIT_SHORT.get(getattr(value, "value", value), value))


STATUS = {
    "awaiting_override": _l("Awaiting override"),
    "confirmed": _l("Confirmed"),
    "completed": _l("Completed (actual cost registered)"),
    "cancelled": _l("Cancelled"),
    "override_refused": _l("Override refused"),
}

SIDES = {"state": _l("state side"), "municipal": _l("municipal side")}


def status_label(value) -> str:
    return str(STATUS.get(getattr(value, "value", value), value))


def side_label(value) -> str:
    return str(SIDES.get(getattr(value, "value", value), value))


def legal_type_label(value) -> str:
    return label_of(legal_type_choices(), value)


def unit_kind_label(value) -> str:
    return label_of(unit_kind_choices(), value)

# (label, endpoint, predicate) in menu order; a link shows only when the predicate allows it.
NAVIGATION = [
    (_l("Home"), "home.index", perm.authenticated),
    (_l("Courses"), "courses.index", perm.authenticated),
    (_l("Free seats"), "capacity.index", perm.authenticated),
    (_l("Requests"), "capacity.requests_index", perm.can_view_purchases),
    (_l("Purchases"), "purchases.index", perm.can_view_purchases),
    (_l("Budgets"), "budget.index", perm.can_manage_budget),
    (_l("Agreements"), "agreements.index", perm.can_view_agreements),
    (_l("Organisations"), "organisations.index", perm.can_manage_organisations),
    (_l("Users"), "auth.users", perm.can_manage_users),
    (_l("Rules check"), "rulecheck.index", perm.can_use_rules_check),
    (_l("Thresholds"), "rulecheck.thresholds", perm.can_manage_thresholds),
    (_l("Changes after a change of the law"), "lawchange.index", perm.can_view_law_changes),
    (_l("Audit log"), "admin.audit_log", perm.can_view_audit),
    (_l("Jobs"), "jobs.index", perm.is_admin),
    (_l("E-mail"), "notifications.outbox", perm.is_admin),
]


def _unread(principal) -> int:
    if principal is None:
        return 0
    from .db import get_session
    from .notifications.services import unread_count

    return unread_count(get_session(), principal.user_id)



def layout_context() -> dict:
    principal = current_principal()
    nav = []
    if principal is not None:
        nav = [
            {"label": label, "url": url_for(endpoint), "current": request.endpoint == endpoint}
            for label, endpoint, allowed in NAVIGATION
            if allowed(principal)
        ]
    unit_form = None
    if principal is not None:
        units = current_user.units()
        if len(units) > 1:
            unit_form = UnitSwitchForm(formdata=None)
            unit_form.unit_id.choices = options((u.id, u.name) for u in units)
            unit_form.unit_id.data = principal.unit_id
    lang_form = LanguageForm(formdata=None)
    lang_form.locale.data = str(get_locale() or "nb")
    from .agreements.labels import template_globals as agreement_globals
    from .rulecheck.labels import template_globals

    return {
        **template_globals(),
        **agreement_globals(),
        "roles": Role,
        "role_label": role_label,
        "role_short_label": role_short_label,
        "course_kind_label": course_kind_label,
        "course_format_label": course_format_label,
        "price_unit_label": price_unit_label,
        "status_label": status_label,
        "side_label": side_label,
        "legal_type_label": legal_type_label,
        "unit_kind_label": unit_kind_label,
        "navigation": nav,
        # Called by the header only, so fragments and error pages rendered without it cost no query.
        "unread_notifications": lambda: _unread(principal),
        "principal": principal,
        "unit_switch_form": unit_form,
        "language_form": lang_form,
        "current_locale": str(get_locale() or "nb"),
    }
