"""Factories for agreement tests: a complete cooperation draft, and moving it to any state via the services."""
from __future__ import annotations

import datetime as dt
import html as html_module
import re

from contracts_app import clock
from contracts_app.agreements import lifecycle, services
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.audit import Actor
from contracts_app.auth.models import Role

from ..factories import make_user

# Every (from, to) pair the lifecycle allows, written out by hand against agreements/states.py.
EXPECTED = {
    (S.draft, S.in_review), (S.changes_requested, S.in_review), (S.in_review, S.changes_requested), (S.in_review, S.approved),
    (S.approved, S.draft), (S.approved, S.signed), (S.signed, S.active), (S.active, S.expired), (S.signed, S.terminated),
    (S.active, S.terminated),
}

STEP_DATA = {
    "subject": {"title": "Norskopplæring for Navs brukere", "subject": "Felles norskopplæring med arbeidspraksis for innvandrere.",
                "cpv_codes": "80580000-3", "measure_code": "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV"},
    "period": {"start_date": "2026-08-01", "end_date": "2028-07-31", "option_scheme": "2+1", "max_duration_months": "36"},
    "value": {"estimated_value": "800000", "options_value": "400000", "price_terms": "Hver part dekker egne kostnader."},
    "cooperation": {
        "common_objectives": "Flere innvandrere i arbeid gjennom norsk og praksis.", "governance": "Felles styringsgruppe.",
        "cost_sharing": "Hver part bærer egne kostnader.", "pricing": "own_costs_each", "activity_basis": "avg_turnover_3y",
        "market_share_monitoring": "Årlig rapport.", "public_interest_only": "yes", "third_party_subcontracting": "no",
        "private_operator_advantaged": "no", "review_and_exit": "Evaluering hvert år; seks måneders oppsigelse.",
        "parties": [
            {"statutory_task": "Arbeidsrettet oppfølging (NAV-loven § 14a)", "contributions": "Veiledere\nPraksisplasser",
             "payment_only": "no", "open_market_share_pct": "0"},
            {"statutory_task": "Opplæring i norsk (integreringsloven kap. 6)", "contributions": "Lærere\nLokaler",
             "payment_only": "no", "open_market_share_pct": "5"},
        ],
    },
}


def actor_for(user, unit) -> Actor:
    return Actor(user.id, unit.id)


def parties(world) -> list[dict]:
    return [
        {"unit_id": world.nav_office.id, "nav_side": "state", "role": "partner", "contact_name": "Nina Nav"},
        {"unit_id": world.adult_education.id, "role": "partner", "contact_name": "Kari Koordinator"},
    ]


def drafter(world) -> Actor:
    return actor_for(world.users["provider_coordinator"], world.adult_education)


def signer_for(world, party) -> Actor:
    """Someone at the unit acting for the party: the budget owner for the Nav office, the coordinator otherwise."""
    if party.unit_id == world.nav_office.id:
        return actor_for(world.users["budget_owner"], world.nav_office)
    return drafter(world)


def reviewer(world) -> Actor:
    return actor_for(world.users["legal_reviewer"], world.legal_unit)


def second_reviewer(db, world) -> Actor:
    user = make_user(db, "legal2@test.no", role=Role.legal_reviewer, unit=world.legal_unit)
    return actor_for(user, world.legal_unit)


def make_agreement(db, world, *, state: S = S.draft, kind: str = "cooperation", complete: bool = True, covered=(), **period):
    """``covered``: further units whose purchases the agreement covers (saved with the parties)."""
    now = clock.now()
    a = services.create_draft(db, {"kind": kind, "title": "Samarbeid om norskopplæring", "parties": parties(world)},
                              actor=drafter(world), now=now)
    if covered:
        services.save_step(db, a.id, "parties", {"kind": kind, "parties": parties(world), "covered_unit_ids": [u.id for u in covered]},
                           expected_version=a.version, actor=drafter(world), now=now)
    if complete:
        for step in ("subject", "period", "value", "cooperation"):
            data = dict(STEP_DATA[step])
            if step == "period":
                data.update(period)
            services.save_step(db, a.id, step, data, expected_version=a.version, actor=drafter(world), now=now)
    db.commit()  # like the view; the test's outer transaction still rolls everything back
    if state == S.draft:
        return a
    path = {
        S.in_review: [S.in_review], S.changes_requested: [S.in_review, S.changes_requested], S.approved: [S.in_review, S.approved],
        S.signed: [S.in_review, S.approved, S.signed], S.active: [S.in_review, S.approved, S.signed, S.active],
        S.expired: [S.in_review, S.approved, S.signed, S.active, S.expired],
        S.terminated: [S.in_review, S.approved, S.signed, S.active, S.terminated],
    }[state]
    for target in path:
        move(db, world, a, target)
    assert a.status == state
    db.commit()
    return a


def move(db, world, a, target: S, *, today: dt.date | None = None):
    now, today = clock.now(), today or clock.today()
    if target == S.in_review:
        services.submit(db, a.id, actor=drafter(world), now=now)
    elif target == S.changes_requested:
        services.request_changes(db, a.id, note="Mer om bidragene.", actor=reviewer(world), now=now)
    elif target == S.approved:
        services.approve(db, a.id, reviewer_verdict=None, reasoning=None, note=None, actor=reviewer(world), now=now, today=today)
    elif target == S.signed:
        # sign on a date before the start so the agreement stays "signed"; each party signs for itself
        for p in a.parties:
            lifecycle.record_signature(db, a.id, party_id=p.id, signer_name="Ola Leder", signer_role="Leder",
                                      signed_on=today, actor=signer_for(world, p), now=now, today=today)
    elif target == S.active:
        lifecycle.apply_date_transitions(db, max(today, a.start_date), drafter(world), now=now)
    elif target == S.expired:
        lifecycle.apply_date_transitions(db, a.end_date + dt.timedelta(days=1), drafter(world), now=now)
    elif target == S.draft:
        services.save_step(db, a.id, "value", {**STEP_DATA["value"], "price_terms": "Endret."}, expected_version=a.version,
                           actor=drafter(world), now=now)
    elif target == S.terminated:
        lifecycle.terminate(db, a.id, reason="Prosjektet er avsluttet.", on=today, actor=drafter(world), now=now)
    db.refresh(a)


def input_value(html: str, name: str) -> str | None:
    """The value of the input named ``name`` (None when there is none)."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0)) if tag else None
    return html_module.unescape(value.group(1)) if value else None
