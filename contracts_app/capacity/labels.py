"""Words for the states of offers and requests, in the reader's language (pages and refusal messages)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CAPACITY_STATUS = {
    "published": _l("Published"), "paused": _l("Paused"), "withdrawn": _l("Withdrawn"), "filled": _l("Filled"),
    "expired": _l("Expired"), "held": _l("Seats held, awaiting answer"), "waiting": _l("On the waiting list"),
    "offered": _l("Seats offered from the waiting list"), "accepted": _l("Accepted"), "declined": _l("Declined"),
}


def capacity_status_label(value) -> str:
    return str(CAPACITY_STATUS.get(getattr(value, "value", value), value))
