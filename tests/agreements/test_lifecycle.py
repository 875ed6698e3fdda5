"""Every allowed transition through the services, and every refused one, on agreements in each state."""
from __future__ import annotations

import datetime as dt

import pytest

from contracts_app import clock
from contracts_app.agreements import lifecycle, queries, services
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.audit import AuditEvent
from contracts_app.errors import Conflict, DomainError

from ..support import tiny_pdf
from .helpers import EXPECTED, drafter, make_agreement, move, reviewer, signer_for


# The world is built once per module and every test runs in a savepoint rolled back after it (tests/conftest.py,
# module_world): each test still starts from the same fresh world, without building it again.
pytestmark = pytest.mark.shared_world()


ALLOWED = sorted(EXPECTED, key=lambda p: (p[0].value, p[1].value))


@pytest.mark.parametrize("current,target", ALLOWED, ids=[f"{a.value}->{b.value}" for a, b in ALLOWED])
def test_each_allowed_transition_through_its_service(db, world, current, target):
    a = make_agreement(db, world, state=current)
    move(db, world, a, target)
    assert a.status == target
    actions = db.query(AuditEvent.action).filter(AuditEvent.object_type == "agreement", AuditEvent.object_id == str(a.id)).all()
    assert actions  # every change is audited


REFUSED = [
    (S.draft, "approve"), (S.draft, "sign"), (S.draft, "terminate"), (S.draft, "request_changes"),
    (S.in_review, "submit"), (S.in_review, "sign"), (S.in_review, "terminate"), (S.in_review, "edit"),
    (S.changes_requested, "approve"), (S.changes_requested, "sign"),
    (S.approved, "submit"), (S.approved, "approve"), (S.approved, "terminate"),
    (S.signed, "submit"), (S.signed, "edit"), (S.signed, "approve"),
    (S.active, "edit"), (S.active, "sign"), (S.expired, "terminate"), (S.expired, "edit"), (S.terminated, "edit"),
]


def _do(db, world, a, action):
    now = clock.now()
    if action == "submit":
        services.submit(db, a.id, actor=drafter(world), now=now)
    elif action == "approve":
        services.approve(db, a.id, reviewer_verdict=None, reasoning=None, note=None, actor=reviewer(world), now=now, today=clock.today())
    elif action == "request_changes":
        services.request_changes(db, a.id, note="Nei.", actor=reviewer(world), now=now)
    elif action == "sign":
        lifecycle.record_signature(db, a.id, party_id=a.parties[0].id, signer_name="Ola", signer_role="Leder", signed_on=clock.today(),
                                  actor=drafter(world), now=now, today=clock.today())
    elif action == "terminate":
        lifecycle.terminate(db, a.id, reason="Ingen grunn til å fortsette.", on=clock.today(), actor=drafter(world), now=now)
    elif action == "edit":
        services.save_step(db, a.id, "value", {"estimated_value": "1"}, expected_version=a.version, actor=drafter(world), now=now)


@pytest.mark.parametrize("state,action", REFUSED, ids=[f"{s.value}-{a}" for s, a in REFUSED])
def test_refused_actions_change_nothing(db, world, state, action):
    a = make_agreement(db, world, state=state)
    version = a.version
    with pytest.raises(DomainError):
        _do(db, world, a, action)
    db.refresh(a)
    assert a.status == state and a.version == version


def test_date_driven_transitions_are_idempotent(db, world):
    a = make_agreement(db, world, state=S.signed)
    assert lifecycle.apply_date_transitions(db, a.start_date - dt.timedelta(days=1), drafter(world), now=clock.now()) == []
    assert lifecycle.apply_date_transitions(db, a.start_date, drafter(world), now=clock.now()) == [(a.id, "signed", "active")]
    assert lifecycle.apply_date_transitions(db, a.start_date, drafter(world), now=clock.now()) == []
    assert lifecycle.apply_date_transitions(db, a.end_date, drafter(world), now=clock.now()) == []
    assert lifecycle.apply_date_transitions(db, a.end_date + dt.timedelta(days=1), drafter(world), now=clock.now()) == [(a.id, "active", "expired")]


def test_signed_long_ago_goes_straight_through_to_expired(db, world):
    a = make_agreement(db, world, state=S.signed)
    changes = lifecycle.apply_date_transitions(db, dt.date(2030, 1, 1), drafter(world), now=clock.now())
    assert changes == [(a.id, "signed", "active"), (a.id, "active", "expired")]


def test_signing_after_the_start_activates_at_once(db, world):
    a = make_agreement(db, world, state=S.approved, start_date="2026-01-01", end_date="2027-12-31")
    move(db, world, a, S.signed)
    assert a.status == S.active


def test_termination_needs_a_reason(db, world):
    a = make_agreement(db, world, state=S.active)
    with pytest.raises(DomainError) as exc:
        lifecycle.terminate(db, a.id, reason="", on=clock.today(), actor=drafter(world), now=clock.now())
    assert exc.value.errors[0]["path"] == "reason"
    lifecycle.terminate(db, a.id, reason="Kommunen legger ned tilbudet.", on=clock.today(), actor=drafter(world), now=clock.now())
    assert a.status == S.terminated and a.termination_reason.startswith("Kommunen")


def test_signature_is_recorded_once_per_party(db, world):
    a = make_agreement(db, world, state=S.approved)
    args = dict(party_id=a.parties[1].id, signer_name="Ola Leder", signer_role="Leder", signed_on=clock.today(),
                actor=drafter(world), now=clock.now(), today=clock.today())  # the drafter's own party
    lifecycle.record_signature(db, a.id, **args, pdf=tiny_pdf(), pdf_filename="signert.pdf")
    assert a.status == S.approved  # one party left
    with pytest.raises(DomainError):
        lifecycle.record_signature(db, a.id, **args)
    sig = queries.signatures(db, a.id)[0]
    assert len(sig.pdf_sha256) == 64
    with pytest.raises(DomainError) as exc:
        lifecycle.record_signature(db, a.id, **{**args, "party_id": a.parties[0].id, "actor": signer_for(world, a.parties[0]),
                                               "signed_on": clock.today() + dt.timedelta(days=1)})
    assert exc.value.errors[0]["path"] == "signed_on"
    with pytest.raises(Conflict):
        lifecycle.exercise_option(db, a.id, actor=drafter(world), now=clock.now())
