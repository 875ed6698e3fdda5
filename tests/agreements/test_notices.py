"""Issue 20: every agreement event tells the people who must act or who drafted it (one notice per person per event,
never the actor), and submitting routes the agreement to the legal reviewers who can review it — or is refused
with what an administrator must do."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from contracts_app import clock
from contracts_app.agreements import lifecycle, services
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.auth.models import Role
from contracts_app.errors import Conflict
from contracts_app.notifications.messages import KIND_LABELS, MESSAGES
from contracts_app.notifications.models import Notification

from ..factories import make_entity, make_unit, make_user
from ..support import login
from .helpers import STEP_DATA, actor_for, drafter, make_agreement, move, reviewer, signer_for

KINDS = ["agreement.submitted", "agreement.resubmitted", "agreement.commented", "agreement.changes_requested",
         "agreement.approved", "agreement.party_signed", "agreement.signed", "agreement.terminated"]


def notices(db, a, kind=None) -> list[tuple[str, int]]:
    """(kind, user id) of the agreement notices about ``a``, in order."""
    stmt = select(Notification.kind, Notification.user_id).where(Notification.link == f"/agreements/{a.id}",
                                                                 Notification.kind.like("agreement.%"))
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return [tuple(r) for r in db.execute(stmt.order_by(Notification.id)).all()]


def ids(world, *roles) -> list[int]:
    return sorted(world.users[r].id for r in roles)


def _sign(db, world, a, index):
    p = a.parties[index]
    lifecycle.record_signature(db, a.id, party_id=p.id, signer_name="Ola Leder", signer_role="Leder", signed_on=clock.today(),
                               actor=signer_for(world, p), now=clock.now(), today=clock.today())


def _comment(db, world, a, who):
    actor = reviewer(world) if who == "legal_reviewer" else drafter(world)
    services.add_comment(db, a.id, section="general", body="Se på bidragene.", parent_id=None, actor=actor, now=clock.now())


# event: (state before, the act, the notice's kind, who is told — by their role in tests/factories.make_world)
# The world: the coordinator at Testvik voksenopplæring drafts (Nav Testvik + the school); the legal reviewer is at
# Testvik juridisk (Testvik kommune); the budget owner signs for Nav Testvik.
EVENTS = [
    ("submitted", S.draft, lambda db, w, a: move(db, w, a, S.in_review), "agreement.submitted", ["legal_reviewer"]),
    ("changes_requested", S.in_review, lambda db, w, a: move(db, w, a, S.changes_requested), "agreement.changes_requested",
     ["provider_coordinator"]),
    ("resubmitted", S.changes_requested, lambda db, w, a: move(db, w, a, S.in_review), "agreement.resubmitted", ["legal_reviewer"]),
    ("approved", S.in_review, lambda db, w, a: move(db, w, a, S.approved), "agreement.approved", ["provider_coordinator"]),
    ("comment_by_reviewer", S.in_review, lambda db, w, a: _comment(db, w, a, "legal_reviewer"), "agreement.commented",
     ["provider_coordinator"]),
    ("party_signed", S.approved, lambda db, w, a: _sign(db, w, a, 0), "agreement.party_signed", ["provider_coordinator"]),
    ("signed", S.approved, lambda db, w, a: (_sign(db, w, a, 0), _sign(db, w, a, 1)), "agreement.signed", ["budget_owner"]),
    ("terminated", S.active, lambda db, w, a: move(db, w, a, S.terminated), "agreement.terminated", ["budget_owner"]),
]


@pytest.mark.parametrize("name,state,act,kind,told", EVENTS, ids=[e[0] for e in EVENTS])
def test_each_event_tells_who_must_act_once_and_never_the_actor(db, world, name, state, act, kind, told):
    a = make_agreement(db, world, state=state, start_date="2026-01-01", end_date="2027-12-31")
    before = len(notices(db, a, kind))
    act(db, world, a)
    db.flush()
    got = notices(db, a, kind)[before:]
    assert sorted(uid for _k, uid in got) == ids(world, *told), got
    assert len({uid for _k, uid in got}) == len(got)  # one notice per person


def test_a_reply_tells_the_other_side_of_the_thread(db, world):
    a = make_agreement(db, world, state=S.in_review)
    _comment(db, world, a, "legal_reviewer")
    _comment(db, world, a, "provider_coordinator")  # the drafter answers: the reviewer who commented hears of it
    assert notices(db, a, "agreement.commented") == [("agreement.commented", world.users["provider_coordinator"].id),
                                                     ("agreement.commented", world.users["legal_reviewer"].id)]


def test_signing_an_agreement_that_has_started_tells_of_the_activation_once(db, world):
    from contracts_app.jobs.agreements import date_transitions

    a = make_agreement(db, world, state=S.approved, start_date="2026-01-01", end_date="2027-12-31")
    _sign(db, world, a, 0)
    _sign(db, world, a, 1)  # the coordinator signs last: the agreement is active at once
    assert a.status == S.active
    told = sorted(uid for _k, uid in notices(db, a, "agreement.activated"))
    assert told == ids(world, "budget_owner", "legal_reviewer")
    date_transitions(db, clock.now())  # the date job finds nothing more to tell
    assert sorted(uid for _k, uid in notices(db, a, "agreement.activated")) == told


def test_every_new_kind_has_a_text_and_a_preference():
    assert set(KINDS) <= set(MESSAGES) and set(KINDS) <= set(KIND_LABELS)


def test_the_inbox_of_a_jurist_shows_the_submitted_agreement(client, db, world):
    a = make_agreement(db, world, state=S.in_review)
    db.commit()
    login(client, world.users["legal_reviewer"].email)
    html = client.get("/inbox").get_data(as_text=True)
    assert f"Avtalen «{a.title}» er sendt til juridisk gjennomgang (versjon {a.version})" in html
    assert "Ingenting nytt" not in html


# --- review routing --------------------------------------------------------------------------------------------


def _place(db, world, where):
    """A unit for a second legal reviewer, relative to the world's agreement between Nav Testvik (the State) and
    Testvik voksenopplæring (Testvik kommune)."""
    if where == "nav_office":
        return world.nav_office  # a party's acting unit
    if where == "state_purchasing":
        return make_unit(db, world.state, name="Nav innkjøp og juridisk", kind="other")  # the State, not a Nav office
    if where == "other_nav_office":
        return make_unit(db, world.state, name="Nav Lierdal", kind="nav_office", municipal_entity_id=world.municipality.id)
    if where == "other_municipality":
        return make_unit(db, make_entity(db, name="Lierdal kommune", municipality_number="9902"), name="Lierdal juridisk", kind="other")
    raise AssertionError(where)


ROUTES = [
    # where the only reviewer besides the drafting jurist is, whether it is active, and whether submitting is routed
    (None, True, False),  # the issue: nobody but the drafter could review it
    ("nav_office", True, True),
    ("state_purchasing", True, True),
    ("other_nav_office", True, False),  # a Nav office does not answer for the whole State
    ("other_municipality", True, False),
    ("nav_office", False, False),  # a deactivated user reviews nothing
]


@pytest.mark.parametrize("where,active,routed", ROUTES, ids=[f"{w}-{'active' if a else 'inactive'}" for w, a, _r in ROUTES])
def test_submitting_routes_to_a_reviewer_other_than_the_drafter(db, world, where, active, routed):
    a = make_agreement(db, world)
    jurist = reviewer(world)  # the jurist drafts too: then someone else must review it
    services.save_step(db, a.id, "value", {**STEP_DATA["value"], "price_terms": "Juristen skrev dette."},
                       expected_version=a.version, actor=jurist, now=clock.now())
    other = None
    if where:
        other = make_user(db, "legal2@test.no", name="Lise Lovlig", role=Role.legal_reviewer, unit=_place(db, world, where))
        other.is_active = active
    db.flush()
    if not routed:
        with pytest.raises(Conflict) as exc:
            services.submit(db, a.id, actor=drafter(world), now=clock.now())
        assert "An administrator must give the legal reviewer role" in exc.value.message
        assert "Nav Testvik (Arbeids- og velferdsetaten), Testvik voksenopplæring (Testvik kommune)" in exc.value.message
        db.rollback()
        db.refresh(a)
        assert a.status == S.draft and notices(db, a, "agreement.submitted") == []
        return
    assert services.eligible_reviewers(db, a) == [(other.id, "Lise Lovlig")]
    services.submit(db, a.id, actor=drafter(world), now=clock.now())
    assert a.status == S.in_review
    assert notices(db, a, "agreement.submitted") == [("agreement.submitted", other.id)]  # not the drafting jurist


def test_the_page_explains_a_refused_submission_and_names_the_reviewers_of_a_routed_one(client, db, world):
    a = make_agreement(db, world)
    jurist = world.users["legal_reviewer"]
    services.save_step(db, a.id, "value", {**STEP_DATA["value"], "price_terms": "Juristen skrev dette."},
                       expected_version=a.version, actor=actor_for(jurist, world.legal_unit), now=clock.now())
    db.commit()
    login(client, world.users["provider_coordinator"].email)
    page = client.get(f"/agreements/{a.id}").get_data(as_text=True)
    assert "En administrator må gi rollen juridisk rådgiver" in page  # shown before anyone tries
    r = client.post(f"/agreements/{a.id}/submit", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "kan ikke sendes til juridisk gjennomgang" in html
    db.refresh(a)
    assert a.status == S.draft
    make_user(db, "legal2@test.no", name="Lise Lovlig", role=Role.legal_reviewer, unit=world.legal_unit)
    db.commit()
    html = client.get(f"/agreements/{a.id}").get_data(as_text=True)
    assert "Juridisk gjennomgang hos: Lise Lovlig." in html
    html = client.post(f"/agreements/{a.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "Sendt til juridisk gjennomgang hos Lise Lovlig." in html
    db.refresh(a)
    assert a.status == S.in_review


@pytest.mark.parametrize("count,shown", [(1, "Ada"), (5, "Ada, Bo, Cy, Di, Ed"), (7, "Ada, Bo, Cy, Di, Ed og 2 til")])
def test_a_long_list_of_reviewers_is_cut_short(app, count, shown):
    people = list(enumerate(["Ada", "Bo", "Cy", "Di", "Ed", "Fi", "Gu"][:count]))
    with app.test_request_context():
        assert services.named(people) == shown


def test_termination_date_is_in_the_notice(db, world):
    from contracts_app.notifications.messages import render

    a = make_agreement(db, world, state=S.active, start_date="2026-01-01", end_date="2027-12-31")
    lifecycle.terminate(db, a.id, reason="Prosjektet er avsluttet.", on=dt.date(2026, 6, 30), actor=drafter(world), now=clock.now())
    n = db.scalar(select(Notification).where(Notification.kind == "agreement.terminated"))
    assert n.params["date"] == "2026-06-30" and n.params["reason"] == "Prosjektet er avsluttet."
    assert "30.06.2026" in render(n.kind, n.params)
