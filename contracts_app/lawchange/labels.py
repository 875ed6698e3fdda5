"""How the impact list names the kinds of item and the causes of a change of the law data."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l

from ..rulecheck.labels import threshold_name

KINDS = {
    "agreement": _l("Agreement"),
    "capacity_request": _l("Seat request"),
    "seat_purchase": _l("Seat purchase"),
}

CAUSES = {
    "threshold.period_activated": _l("A pending threshold period was activated"),
    "threshold.period_added": _l("A threshold period was added"),
}


def kind_label(value: str) -> str:
    return str(KINDS.get(value, value))


def cause_label(cause: str) -> str:
    """A recorded cause in words: an audit action (with the figure it changed: ``action:key``),
    ``migration <revision>``, or a free text (the demo's)."""
    action, _sep, key = cause.partition(":")
    if action in CAUSES:
        return f"{CAUSES[action]}: {threshold_name(key)}" if key else str(CAUSES[action])
    if cause.startswith("migration "):
        return gettext("Data migration %(name)s", name=cause.removeprefix("migration "))
    return cause
