"""How offers and requests move between their states: two tables of allowed transitions (pure).

Each table maps (current state, action) to the state the action leads to; an action the table does not list for
the current state is refused with :class:`~contracts_app.errors.TransitionNotAllowed` (409). Every status change
in ``offers.py``, ``requests.py``, ``seats.py`` and ``expiry.py`` goes through :func:`offer_target` or
:func:`request_target`; a request's first state (held, or waiting when the seats are taken) is set when it is
made. Both tables are tested pair by pair (tests/capacity/test_states.py).
"""
from __future__ import annotations

from ..errors import TransitionNotAllowed
from .models import ACTIVE_OFFER_STATUSES, OPEN_REQUEST_STATUSES, OfferStatus, RequestStatus

O = OfferStatus
R = RequestStatus

# (state, action) → new state. An offer changes while it still promises seats (published or paused); a filled
# offer opens again when a cancelled purchase gives seats back (capacity/seats.py give_back_purchase).
OFFER_TRANSITIONS: dict[tuple[OfferStatus, str], OfferStatus] = {
    **{(s, "edit"): s for s in ACTIVE_OFFER_STATUSES},  # seats, period, price, visibility, contact
    (O.published, "pause"): O.paused,  # holds stay; no new requests
    (O.paused, "resume"): O.published,
    **{(s, "withdraw"): O.withdrawn for s in ACTIVE_OFFER_STATUSES},  # by the provider, with a reason
    **{(s, "fill"): O.filled for s in ACTIVE_OFFER_STATUSES},  # an accepted request took the last seat
    **{(s, "expire"): O.expired for s in ACTIVE_OFFER_STATUSES},  # past the request deadline or the period
    (O.filled, "reopen"): O.published,  # a cancelled purchase gave seats back before the request deadline
}

# (state, action) → new state. A request is open while held, waiting or offered; every other state is final.
REQUEST_TRANSITIONS: dict[tuple[RequestStatus, str], RequestStatus] = {
    (R.held, "accept"): R.accepted,  # the provider says yes: a confirmed seat purchase
    (R.waiting, "offer"): R.offered,  # freed seats go to the first waiting entry they fit
    (R.offered, "take"): R.held,  # the requester takes them: held for the provider's answer
    (R.waiting, "move"): R.waiting,  # the provider reorders the waiting list
    **{(s, "decline"): R.declined for s in OPEN_REQUEST_STATUSES},  # the provider says no, or withdraws the offer
    **{(s, "withdraw"): R.withdrawn for s in OPEN_REQUEST_STATUSES},  # the requester takes it back
    **{(s, "expire"): R.expired for s in OPEN_REQUEST_STATUSES},  # the hold ran out, or the offer ended or filled
}

OFFER_ACTIONS = tuple(dict.fromkeys(action for _, action in OFFER_TRANSITIONS))
REQUEST_ACTIONS = tuple(dict.fromkeys(action for _, action in REQUEST_TRANSITIONS))


def offer_target(current: OfferStatus, action: str, *, message: str | None = None) -> OfferStatus:
    """The offer's state after ``action``; :class:`TransitionNotAllowed` (with ``message``) if the table has no such move."""
    return _target(OFFER_TRANSITIONS, current, action, message)


def request_target(current: RequestStatus, action: str, *, message: str | None = None) -> RequestStatus:
    """The request's state after ``action``; :class:`TransitionNotAllowed` (with ``message``) if the table has no such move."""
    return _target(REQUEST_TRANSITIONS, current, action, message)


def _target(table: dict, current, action: str, message: str | None):
    try:
        return table[(current, action)]
    except KeyError:
        raise TransitionNotAllowed(current, action=action, message=message) from None
