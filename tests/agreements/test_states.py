"""The transition table, pair by pair: the pure table, and the services on real agreements."""
from __future__ import annotations

import itertools

import pytest

from contracts_app.agreements.states import TRANSITIONS, AgreementStatus as S, can_transition, check_transition, TransitionNotAllowed

from .helpers import EXPECTED

PAIRS = list(itertools.product(S, S))


@pytest.mark.parametrize("current,target", PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
def test_every_pair_of_states(current, target):
    assert can_transition(current, target) == ((current, target) in EXPECTED)
    if (current, target) in EXPECTED:
        check_transition(current, target, TRANSITIONS[(current, target)])
    else:
        with pytest.raises(TransitionNotAllowed):
            check_transition(current, target, "submit")


def test_an_allowed_pair_needs_its_own_action():
    with pytest.raises(TransitionNotAllowed):
        check_transition(S.in_review, S.approved, "sign")


def test_terminal_states_have_no_way_out():
    assert not any(frm in (S.expired, S.terminated) for frm, _ in TRANSITIONS)
