"""The purchase transition table, pair by pair, and the services and pages that obey it."""
from __future__ import annotations

import itertools

import pytest

from contracts_app.audit import Actor
from contracts_app.errors import Conflict, TransitionNotAllowed
from contracts_app.purchases import services, states
from contracts_app.purchases.models import SeatPurchase
from contracts_app.purchases.states import PurchaseStatus as S

from ..support import login

# What each action does from each status; a pair not listed is refused. Written out, not derived from the table.
EXPECTED = {
    (S.awaiting_override, "approve_override"): S.confirmed,
    (S.awaiting_override, "refuse_override"): S.override_refused,
    (S.awaiting_override, "cancel"): S.cancelled,
    (S.confirmed, "cancel"): S.cancelled,
    (S.confirmed, "register_actual_cost"): S.completed,
}
ACTIONS = ("approve_override", "refuse_override", "cancel", "register_actual_cost")


def test_the_table_knows_every_action_and_nothing_else():
    assert states.ACTIONS == set(ACTIONS)
    assert states.TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("current", "action"), list(itertools.product(S, ACTIONS)),
                         ids=[f"{s.value}-{a}" for s, a in itertools.product(S, ACTIONS)])
def test_every_status_and_action(current, action):
    if (current, action) in EXPECTED:
        assert states.allows(current, action)
        assert states.target(current, action) is EXPECTED[(current, action)]
    else:
        assert not states.allows(current, action)
        with pytest.raises(TransitionNotAllowed) as info:
            states.target(current, action, message="Ikke nå.")
        assert isinstance(info.value, Conflict) and info.value.status == 409
        assert (info.value.current, info.value.action, info.value.message) == (current, action, "Ikke nå.")


def test_a_purchase_is_born_confirmed_or_awaiting_an_override():
    assert states.INITIAL == {"confirm": S.confirmed, "request_override": S.awaiting_override}


@pytest.mark.parametrize("status", [S.completed, S.cancelled, S.override_refused])
def test_services_refuse_what_the_table_refuses_with_the_words_the_user_reads(db, world, clock, status):
    purchase = db.get(SeatPurchase, world.purchase.id)
    purchase.status = status
    db.commit()  # the test's outer transaction still rolls it back
    owner = Actor(world.users["budget_owner"].id, world.nav_office.id)
    with pytest.raises(TransitionNotAllowed, match="Only a confirmed purchase or an open override request"):
        services.cancel(db, purchase.id, reason="Ombestemte seg", actor=owner, now=clock.now())
    db.rollback()
    with pytest.raises(TransitionNotAllowed, match="Actual cost can only be registered on a confirmed purchase"):
        services.register_actual_cost(db, purchase.id, amount="100", actor=owner, now=clock.now())
    db.rollback()
    with pytest.raises(TransitionNotAllowed, match="not waiting for an override decision"):
        services.decide_override(db, purchase.id, approve=True, note="", actor=owner, now=clock.now(), today=clock.today())


def test_cancelling_twice_in_the_browser_is_refused_with_a_message_not_an_error(client, db, world):
    login(client, "advisor@test.no")
    url = f"/purchases/{world.purchase.id}/cancel"
    assert client.post(url, data={"reason": "Fikk jobb"}).status_code == 302
    again = client.post(url, data={"reason": "Igjen"}, follow_redirects=True)
    assert again.status_code == 200 and "Bare et bekreftet kjøp eller en åpen forespørsel" in again.get_data(as_text=True)
