"""How the audit log reads to a person (issue 20 item 8): a label per action, and an event's before/after as
readable lines instead of raw JSON.

The log itself stores dotted action names and JSON-safe dicts (``audit.py``); nothing here changes what is
stored. An action or a key without a label here is shown by its raw name, so a new event type is never hidden.
Values are formatted as the rest of the product shows them (``formats.py``): amounts as money, ISO dates as
dates, yes/no for true/false, lists joined; text is shown as it is (æ, ø, å as letters, not ``\\u00f8``).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import formats

ACTIONS = {
    "agreement.approved": _l("Agreement approved"),
    "agreement.changes_requested": _l("Changes to the agreement requested"),
    "agreement.comment_reopened": _l("Review comment reopened"),
    "agreement.comment_resolved": _l("Review comment resolved"),
    "agreement.commented": _l("Review comment added"),
    "agreement.created": _l("Agreement created"),
    "agreement.documents_generated": _l("Agreement documents generated"),
    "agreement.option_exercised": _l("Option exercised"),
    "agreement.option_undone": _l("Option exercise undone"),
    "agreement.party_signed": _l("Party signed the agreement"),
    "agreement.reopened": _l("Agreement reopened"),
    "agreement.saved": _l("Agreement saved"),
    "agreement.submitted": _l("Agreement submitted for review"),
    "budget.created": _l("Budget line created"),
    "budget.updated": _l("Budget line changed"),
    "budget.stop_declared": _l("Budget stop declared"),
    "budget.stop_lifted": _l("Budget stop lifted"),
    "capacity.seats_given_back": _l("Seats given back to the free-seat offer"),
    "capacity.offer_expired": _l("Free-seat offer expired"),
    "capacity.offer_published": _l("Free seats published"),
    "capacity.offer_updated": _l("Free-seat offer changed"),
    "capacity.request_accepted": _l("Seat request accepted"),
    "capacity.request_created": _l("Seat request sent"),
    "capacity.waiting_list_reordered": _l("Waiting list reordered"),
    "course.created": _l("Course created"),
    "course.updated": _l("Course changed"),
    "export.agreements": _l("Agreements exported"),
    "export.budget_ledger": _l("Budget line's purchases exported"),
    "export.purchases": _l("Purchases exported"),
    "job.run_manually": _l("Job run manually"),
    "law.changed": _l("Law changed"),
    "law.reassessed": _l("Reassessed after a law change"),
    "law_change_item.handled": _l("Law change item handled"),
    "law_version.loaded": _l("Law version loaded"),
    "law_version.verified": _l("Law version verified"),
    "legal_entity.created": _l("Legal person created"),
    "legal_entity.updated": _l("Legal person changed"),
    "membership.added": _l("Role given"),
    "membership.removed": _l("Role removed"),
    "notification.preferences_changed": _l("Notification settings changed"),
    "outbox.requeued": _l("E-mail queued again"),
    "purchase.actual_cost_registered": _l("Actual cost registered"),
    "purchase.cancelled": _l("Purchase cancelled"),
    "purchase.confirmed": _l("Purchase confirmed"),
    "purchase.order_confirmation_generated": _l("Order confirmation generated"),
    "purchase.override_approved": _l("Budget-stop override approved"),
    "purchase.override_refused": _l("Budget-stop override refused"),
    "purchase.override_requested": _l("Budget-stop override requested"),
    "retention.participants_anonymised": _l("Participants anonymised"),
    "threshold.loaded": _l("Threshold loaded"),
    "threshold.period_activated": _l("Threshold period activated"),
    "threshold.period_added": _l("Threshold period added"),
    "threshold.period_closed": _l("Threshold period closed"),
    "threshold.period_verified": _l("Threshold period verified"),
    "unit.created": _l("Unit created"),
    "unit.updated": _l("Unit changed"),
    "user.activated": _l("User activated"),
    "user.created": _l("User created"),
    "user.deactivated": _l("User deactivated"),
    "user.logged_in": _l("Logged in"),
    "user.login_failed": _l("Login failed"),
    "user.login_locked": _l("Login locked"),
    "user.login_unlocked": _l("Login unlocked"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset": _l("Password reset"),
    "user.sso_linked": _l("Single sign-on linked"),
    "user.sso_refused": _l("Single sign-on login refused"),
    "user.access_requested": _l("Access requested"),
    "user.password_reset_sent": _l("Password reset e-mail sent"),
    "user.sessions_ended": _l("Logged out everywhere"),
}

#: Labels of the keys seen in before/after; others are shown by their raw name.
KEYS = {
    "address": _l("Address"),
    "amount": _l("Amount"),
    "actual_amount": _l("Actual cost"),
    "budget_id": _l("Budget line"),
    "buyer_unit_id": _l("Buying unit"),
    "course_id": _l("Course"),
    "description": _l("Description"),
    "email": _l("E-mail"),
    "end_date": _l("End date"),
    "estimated_value": _l("Estimated value"),
    "file_format": _l("File format"),
    "filters": _l("Filters"),
    "is_active": _l("Active"),
    "kind": _l("Kind"),
    "line": _l("Budget line"),
    "name": _l("Name"),
    "note": _l("Note"),
    "options_value": _l("Value of options"),
    "org_number": _l("Organisation number"),
    "reason": _l("Reason"),
    "role": _l("Role"),
    "rows": _l("Rows"),
    "seat_price": _l("Price per seat"),
    "seats": _l("Seats"),
    "seats_offered": _l("Seats offered"),
    "side": _l("Side"),
    "start_date": _l("Start date"),
    "status": _l("Status"),
    "stop_mode": _l("When the money runs out"),
    "title": _l("Title"),
    "unit_id": _l("Unit"),
    "unit_price": _l("Unit price"),
    "user_id": _l("User"),
    "warning_pct": _l("Warning level (% used)"),
    "year": _l("Year"),
}

#: Keys whose values are amounts in kroner (shown as money).
MONEY_KEYS = frozenset({"amount", "actual_amount", "estimated_value", "options_value", "seat_price", "unit_price", "value_nok"})


def action_label(action: str) -> str:
    """The action's label in the user's language, or the raw name when it has none."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def key_label(key: str) -> str:
    label = KEYS.get(key)
    return str(label) if label is not None else key


def _money(value: Any) -> str | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return formats.money(amount) if amount.is_finite() else None


def _iso_date(value: str) -> str | None:
    if len(value) == 10:
        try:
            return formats.date(dt.date.fromisoformat(value))
        except ValueError:
            return None
    if 19 <= len(value) <= 32 and value[10] == "T":
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return formats.datetime(moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc))
    return None


def value_text(key: str, value: Any) -> str:
    """One value as text: money for amounts, dates as dates, yes/no, lists joined, nested dicts as JSON with
    letters kept (``ensure_ascii=False``)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key in MONEY_KEYS and not isinstance(value, (dict, list)):
        if (shown := _money(value)) is not None:
            return shown
    if isinstance(value, str):
        return _iso_date(value) or value
    if isinstance(value, int):
        return formats.number(value)
    if isinstance(value, float):
        return formats.number(value, 2)
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return ", ".join(value_text(key, v) for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class Line:
    key: str  # the raw key (for the title attribute)
    label: str
    value: str


def readable(data: Any) -> list[Line]:
    """A before/after dict as labelled lines in its own order; anything else as one line without a label."""
    if data is None:
        return []
    if not isinstance(data, dict):
        return [Line("", "", value_text("", data))]
    return [Line(str(k), key_label(str(k)), value_text(str(k), v)) for k, v in data.items()]
