"""The capacity state tables, pair by pair: every (state, action) of offers and of requests is either the one move
written here or refused with TransitionNotAllowed (409). The expected moves are written out again on purpose."""
from __future__ import annotations

import itertools

import pytest

from contracts_app.capacity import states
from contracts_app.capacity.models import OfferStatus as O
from contracts_app.capacity.models import RequestStatus as R
from contracts_app.errors import Conflict, TransitionNotAllowed

OFFER_MOVES = {
    (O.published, "edit"): O.published,
    (O.paused, "edit"): O.paused,
    (O.published, "pause"): O.paused,
    (O.paused, "resume"): O.published,
    (O.published, "withdraw"): O.withdrawn,
    (O.paused, "withdraw"): O.withdrawn,
    (O.published, "fill"): O.filled,
    (O.paused, "fill"): O.filled,
    (O.published, "expire"): O.expired,
    (O.paused, "expire"): O.expired,
    (O.filled, "reopen"): O.published,
}
OFFER_ACTIONS = ("edit", "pause", "resume", "withdraw", "fill", "expire", "reopen")

REQUEST_MOVES = {
    (R.held, "accept"): R.accepted,
    (R.waiting, "offer"): R.offered,
    (R.offered, "take"): R.held,
    (R.waiting, "move"): R.waiting,
    (R.held, "decline"): R.declined,
    (R.waiting, "decline"): R.declined,
    (R.offered, "decline"): R.declined,
    (R.held, "withdraw"): R.withdrawn,
    (R.waiting, "withdraw"): R.withdrawn,
    (R.offered, "withdraw"): R.withdrawn,
    (R.held, "expire"): R.expired,
    (R.waiting, "expire"): R.expired,
    (R.offered, "expire"): R.expired,
}
REQUEST_ACTIONS = ("accept", "offer", "take", "move", "decline", "withdraw", "expire")


def test_the_tables_know_the_same_actions():
    assert set(states.OFFER_ACTIONS) == set(OFFER_ACTIONS)
    assert set(states.REQUEST_ACTIONS) == set(REQUEST_ACTIONS)


PAIRS = ([("offer", s, a) for s, a in itertools.product(O, OFFER_ACTIONS)]
         + [("request", s, a) for s, a in itertools.product(R, REQUEST_ACTIONS)])


@pytest.mark.parametrize("kind,state,action", PAIRS, ids=[f"{k}-{s.value}-{a}" for k, s, a in PAIRS])
def test_every_pair_of_state_and_action(kind, state, action):
    target, moves = (states.offer_target, OFFER_MOVES) if kind == "offer" else (states.request_target, REQUEST_MOVES)
    if (state, action) in moves:
        assert target(state, action) == moves[(state, action)]
    else:
        with pytest.raises(TransitionNotAllowed) as exc:
            target(state, action, message="Nei.")
        assert (exc.value.current, exc.value.action, exc.value.message) == (state, action, "Nei.")


def test_an_unknown_action_is_refused_as_a_conflict():
    with pytest.raises(Conflict):
        states.offer_target(O.published, "publish_twice")
    with pytest.raises(Conflict):
        states.request_target(R.held, "sell")


def test_final_states_have_no_way_out():
    for state in (O.withdrawn, O.expired):
        assert not [a for (s, a) in states.OFFER_TRANSITIONS if s == state]
    # a filled offer's only way out: seats given back by a cancelled purchase
    assert [a for (s, a) in states.OFFER_TRANSITIONS if s == O.filled] == ["reopen"]
    for state in (R.accepted, R.declined, R.withdrawn, R.expired):
        assert not [a for (s, a) in states.REQUEST_TRANSITIONS if s == state]
