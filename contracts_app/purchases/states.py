"""The purchase lifecycle as data: statuses, and the one table of allowed transitions (pure).

A purchase is born ``confirmed`` (seats and money reserved) or, when only a declared budget stop refused it
and the buyer asked for an override, ``awaiting_override`` (nothing reserved). Every later status change goes
through a named service function (purchases.services) that asks this table first; the table is tested pair
by pair (tests/purchases/test_states.py).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import TransitionNotAllowed
from ..vocab import LabelledEnum


class PurchaseStatus(LabelledEnum):
    awaiting_override = "awaiting_override"  # refused by a budget stop; waits for a second budget owner
    confirmed = "confirmed"  # seats allocated and money committed
    completed = "completed"  # actual cost registered (commitment moved to spent)
    cancelled = "cancelled"  # seats and money released
    override_refused = "override_refused"  # the second person said no

    __labels__ = {
        "awaiting_override": _l("Awaiting override"),
        "confirmed": _l("Confirmed"),
        "completed": _l("Completed (actual cost registered)"),
        "cancelled": _l("Cancelled"),
        "override_refused": _l("Override refused"),
    }


S = PurchaseStatus

# The status a new purchase starts in, by the action that creates it.
INITIAL: dict[str, PurchaseStatus] = {
    "confirm": S.confirmed,
    "request_override": S.awaiting_override,
}

# (from, action) → to. Nothing else may change the status.
TRANSITIONS: dict[tuple[PurchaseStatus, str], PurchaseStatus] = {
    (S.awaiting_override, "approve_override"): S.confirmed,  # a second budget owner lets it past the stop
    (S.awaiting_override, "refuse_override"): S.override_refused,
    (S.awaiting_override, "cancel"): S.cancelled,  # the buyer withdraws the request (nothing was reserved)
    (S.confirmed, "cancel"): S.cancelled,  # seats and money released
    (S.confirmed, "register_actual_cost"): S.completed,  # the commitment moves to spent
}

ACTIONS = frozenset(action for _state, action in TRANSITIONS)


def allows(current: PurchaseStatus, action: str) -> bool:
    return (current, action) in TRANSITIONS


def target(current: PurchaseStatus, action: str, *, message: str | None = None) -> PurchaseStatus:
    """The status ``action`` moves a purchase in ``current`` to; raises :class:`TransitionNotAllowed`
    (with ``message``, the words the user reads, when given) when the table has no such step."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise TransitionNotAllowed(current, action=action, message=message) from None


# What the purchase page's story calls each audit event of a purchase (purchases.queries.story).
EVENTS = {
    "purchase.override_requested": _l("Override requested"),
    "purchase.override_approved": _l("Override approved"),
    "purchase.override_refused": _l("Override refused"),
    "purchase.confirmed": _l("Purchase confirmed: seats and money reserved"),
    "purchase.order_confirmation_generated": _l("Order confirmation made"),
    "purchase.cancelled": _l("Purchase cancelled: seats and money released"),
    "purchase.actual_cost_registered": _l("Actual cost registered"),
}
