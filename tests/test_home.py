"""The start page says what awaits each role in agreements (issue 20): legal review for a jurist, changes requested
for the drafters, signatures for the units that sign — counted in the database, links to the filtered list."""
from __future__ import annotations

import re

import pytest

from contracts_app import clock
from contracts_app.agreements import services
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.auth.models import Role

from .agreements.helpers import STEP_DATA, actor_for, make_agreement
from .factories import make_user
from .support import login


def waiting(client) -> dict[str, tuple[str, str]]:
    """key → (text, link) of the start page's «Venter på deg» list."""
    html = client.get("/home").get_data(as_text=True)
    return {key: (text, url.replace("&amp;", "&")) for key, url, text in
            re.findall(r'<li data-key="([^"]+)"><a class="ds-link" href="([^"]+)">([^<]+)</a>', html)}


CASES = [
    # who, the agreements' states, the key shown (None: nothing about agreements), its text, its link
    ("legal_reviewer", [S.in_review], "agreements_to_review", "1 avtale venter på juridisk gjennomgang", "/agreements?status=in_review"),
    ("legal_reviewer", [S.in_review] * 3, "agreements_to_review", "3 avtaler venter på juridisk gjennomgang", "/agreements?status=in_review"),
    ("legal_reviewer", [S.draft, S.approved], None, None, None),
    ("provider_coordinator", [S.changes_requested] * 2, "agreements_changes_requested",
     "2 avtaler du har utarbeidet, har fått etterspurt endringer", "/agreements?status=changes_requested"),
    ("provider_coordinator", [S.approved], "agreements_to_sign", "1 godkjent avtale venter på signatur fra enheten din",
     "/agreements?status=approved"),
    ("budget_owner", [S.approved, S.approved], "agreements_to_sign", "2 godkjente avtaler venter på signatur fra enheten din",
     "/agreements?status=approved"),
    ("budget_owner", [S.changes_requested, S.signed], None, None, None),  # not a drafter; signed already
    ("advisor", [S.approved, S.in_review], None, None, None),  # an advisor neither reviews nor signs
]


@pytest.mark.parametrize("who,states,key,text,link", CASES, ids=[f"{c[0]}-{'+'.join(s.value for s in c[1])}" for c in CASES])
def test_the_start_page_says_what_awaits_each_role(client, db, world, who, states, key, text, link):
    for state in states:
        make_agreement(db, world, state=state, start_date="2026-08-01", end_date="2028-07-31")
    login(client, world.users[who].email)
    shown = {k: v for k, v in waiting(client).items() if k.startswith("agreements_")}
    assert shown == ({key: (text, link)} if key else {})


def test_a_jurist_is_not_asked_to_review_what_they_drafted(client, db, world):
    a = make_agreement(db, world)
    jurist = world.users["legal_reviewer"]
    services.save_step(db, a.id, "value", {**STEP_DATA["value"], "price_terms": "Juristen skrev dette."},
                       expected_version=a.version, actor=actor_for(jurist, world.legal_unit), now=clock.now())
    other = make_user(db, "legal2@test.no", role=Role.legal_reviewer, unit=world.legal_unit)
    services.submit(db, a.id, actor=actor_for(world.users["provider_coordinator"], world.adult_education), now=clock.now())
    db.commit()
    login(client, jurist.email)
    assert "agreements_to_review" not in waiting(client)
    client.post("/logout")
    login(client, other.email)
    assert waiting(client)["agreements_to_review"][0] == "1 avtale venter på juridisk gjennomgang"


def test_a_signature_recorded_takes_the_agreement_off_that_units_list(client, db, world):
    from contracts_app.agreements import lifecycle

    a = make_agreement(db, world, state=S.approved, start_date="2026-08-01", end_date="2028-07-31")
    nav = next(p for p in a.parties if p.unit_id == world.nav_office.id)
    lifecycle.record_signature(db, a.id, party_id=nav.id, signer_name="Berit Leder", signer_role="Leder", signed_on=clock.today(),
                               actor=actor_for(world.users["budget_owner"], world.nav_office), now=clock.now(), today=clock.today())
    db.commit()
    login(client, world.users["budget_owner"].email)
    assert "agreements_to_sign" not in waiting(client)  # Nav Testvik has signed
    client.post("/logout")
    login(client, world.users["provider_coordinator"].email)
    assert waiting(client)["agreements_to_sign"][0] == "1 godkjent avtale venter på signatur fra enheten din"


@pytest.mark.parametrize("who", ["legal_reviewer", "provider_coordinator", "budget_owner"])
def test_the_start_page_reads_the_same_number_of_statements_however_many_agreements(client, db, world, count_statements, who):
    login(client, world.users[who].email)

    def statements() -> int:
        db.commit()
        db.expunge_all()
        with count_statements() as seen:
            assert client.get("/home").status_code == 200
        return len(seen)

    make_agreement(db, world, state=S.in_review)
    one = statements()
    for state in (S.in_review, S.changes_requested, S.approved, S.approved):
        make_agreement(db, world, state=state)
    assert statements() == one
