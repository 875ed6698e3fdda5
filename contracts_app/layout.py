"""What every page's layout needs: the active unit, the role-based navigation, the language switch."""
from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .auth import permissions as perm
from .auth.access import current_principal
from .auth.forms import UnitSwitchForm
from .auth.models import Role
from .choices import options
from .i18n import LANGUAGES
from .courses.models import CourseFormat, CourseKind
from .courses.pricing import PriceUnit
from .organisations.models import LegalType, Side, UnitKind
from .purchases.states import PurchaseStatus


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
    (_l("API keys"), "api_pages.token_list", perm.can_manage_api_tokens),
]


# The header's language choice, each language named in itself: the options of auth.forms.LanguageForm, which
# validates what is posted. Written out in base.html rather than built as a form on every page.


def _nav_urls() -> dict[str, str]:
    """The menu's paths. They take no arguments, so they are built once per app and mount point (``url_for``
    costs ~15 µs a link, on every page)."""
    cache = current_app.extensions.setdefault("contracts_nav_urls", {})
    urls = cache.get(request.script_root)
    if urls is None:
        urls = cache[request.script_root] = {endpoint: url_for(endpoint) for _label, endpoint, _allowed in NAVIGATION}
    return urls


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
        urls = _nav_urls()
        nav = [
            {"label": label, "url": urls[endpoint], "current": request.endpoint == endpoint}
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
    locale = str(get_locale() or "nb")
    from .agreements.labels import template_globals as agreement_globals
    from .rulecheck.labels import template_globals

    return {
        **template_globals(),
        **agreement_globals(),
        "roles": Role,
        # Labels for values that reach a template as plain strings; an enum member has .label itself.
        "role_label": Role.label_of,
        "role_short_label": Role.short_label_of,
        "course_kind_label": CourseKind.label_of,
        "course_format_label": CourseFormat.label_of,
        "price_unit_label": PriceUnit.short_label_of,
        "status_label": PurchaseStatus.label_of,
        "side_label": Side.short_label_of,
        "legal_type_label": LegalType.label_of,
        "unit_kind_label": UnitKind.label_of,
        "navigation": nav,
        # Called by the header only, so fragments and error pages rendered without it cost no query.
        "unread_notifications": lambda: _unread(principal),
        "principal": principal,
        "unit_switch_form": unit_form,
        "languages": LANGUAGES,
        "current_locale": locale,
    }
