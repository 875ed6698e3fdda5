"""Legal review: the two-person rule, comments, frozen assessments, departures from the engine's verdict."""
from __future__ import annotations

import pytest

from contracts_app import clock
from contracts_app.agreements import queries, services
from contracts_app.agreements.models import AgreementDocument
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.errors import PermissionDenied, ValidationFailed

from .helpers import STEP_DATA, actor_for, drafter, make_agreement, move, reviewer, second_reviewer


def _approve(db, a, actor, **kw):
    args = dict(reviewer_verdict=None, reasoning=None, note=None)
    args.update(kw)
    return services.approve(db, a.id, **args, actor=actor, now=clock.now(), today=clock.today())


def test_a_reviewer_who_drafted_cannot_review(db, world):
    a = make_agreement(db, world)
    legal = reviewer(world)
    services.save_step(db, a.id, "value", {**STEP_DATA["value"], "price_terms": "Jurist skrev dette."},
                       expected_version=a.version, actor=legal, now=clock.now())
    other = second_reviewer(db, world)  # without another reviewer it could not be submitted (test_notices.py)
    services.submit(db, a.id, actor=drafter(world), now=clock.now())
    with pytest.raises(PermissionDenied):
        _approve(db, a, legal)
    with pytest.raises(PermissionDenied):
        services.request_changes(db, a.id, note="Ser fint ut.", actor=legal, now=clock.now())
    assert not queries.may_review(db, a, legal.user_id)
    assert queries.may_review(db, a, other.user_id)
    _approve(db, a, other)
    assert a.status == S.approved


def test_approval_freezes_facts_ruleset_verdict_and_document(db, world):
    a = make_agreement(db, world, state=S.in_review)
    decision = _approve(db, a, reviewer(world), note="I orden.")
    assert decision.engine_verdict == "exempt" == decision.reviewer_verdict
    assert decision.facts["cooperation"]["parties"][1]["open_market_share_pct"] == "5.00"
    assert decision.ruleset["version"] and decision.ruleset["table_id"]
    docs = queries.documents_of(db, a.id)
    assert {d.kind for d in docs} == {"cooperation_agreement", "exemption_assessment"}
    main = next(d for d in docs if d.kind == "cooperation_agreement")
    from contracts_app.documents.rendering import manifest

    assert decision.document_sha256 == main.sha256 and main.at_approval
    assert main.template_version == manifest()["cooperation_agreement"]["version"]  # the template that made it
    assert queries.current_approval(db, a) == decision
    # a later edit makes a new version that needs review; the frozen approval is kept unchanged
    move(db, world, a, S.draft)
    assert a.status == S.draft and a.approved_version is None and queries.current_approval(db, a) is None
    db.refresh(decision)
    assert decision.facts["cooperation"]["parties"][1]["open_market_share_pct"] == "5.00"
    assert queries.latest_approval(db, a) == decision
    services.submit(db, a.id, actor=drafter(world), now=clock.now())  # the new version goes through review again
    assert _approve(db, a, reviewer(world)).version_number == a.version


def test_a_departure_from_the_engine_needs_written_reasoning_shown_in_the_documents(db, world):
    a = make_agreement(db, world, state=S.in_review)
    with pytest.raises(ValidationFailed) as exc:
        _approve(db, a, reviewer(world), reviewer_verdict="procurement_required", reasoning="Nei.")
    assert exc.value.errors[0]["path"] == "reasoning"
    reasoning = "Nav kjøper reelt en tjeneste; bidragene er symbolske (C-429/19 Remondis)."
    decision = _approve(db, a, reviewer(world), reviewer_verdict="procurement_required", reasoning=reasoning)
    assert decision.departs and decision.departure_reasoning == reasoning
    kinds = {d.kind for d in db.query(AgreementDocument).filter_by(agreement_id=a.id)}
    assert kinds == {"cooperation_agreement", "procurement_protocol"}
    import io
    from docx import Document
    main = db.query(AgreementDocument).filter_by(agreement_id=a.id, kind="cooperation_agreement").one()
    text = "\n".join(p.text for p in Document(io.BytesIO(main.content)).paragraphs)
    assert reasoning in text and "avviker fra regelmotorens" in text


def test_changes_requested_then_resubmitted_then_approved(db, world):
    a = make_agreement(db, world, state=S.in_review)
    services.request_changes(db, a.id, note="Beskriv lokalene.", actor=reviewer(world), now=clock.now())
    services.save_step(db, a.id, "cooperation", {**STEP_DATA["cooperation"], "governance": "Styringsgruppe med begge ledere."},
                       expected_version=a.version, actor=drafter(world), now=clock.now())
    services.submit(db, a.id, actor=drafter(world), now=clock.now())
    decision = _approve(db, a, reviewer(world))
    assert decision.version_number == a.version == a.approved_version


def test_threaded_comments_per_section_can_be_resolved(db, world):
    a = make_agreement(db, world, state=S.in_review)
    root = services.add_comment(db, a.id, section="cooperation", body="Hva bidrar Nav med?", parent_id=None,
                                actor=reviewer(world), now=clock.now())
    reply = services.add_comment(db, a.id, section="general", body="Veiledere og praksisplasser.", parent_id=root.id,
                                 actor=drafter(world), now=clock.now())
    assert reply.section == "cooperation" and reply.parent_id == root.id
    deeper = services.add_comment(db, a.id, section="general", body="Takk.", parent_id=reply.id, actor=reviewer(world), now=clock.now())
    assert deeper.parent_id == root.id
    threads = queries.comment_threads(db, a.id)
    assert [c.id for c in threads["cooperation"]] == [root.id]
    db.refresh(root)
    assert [r.id for r in root.replies] == [reply.id, deeper.id]
    services.resolve_comment(db, root.id, actor=reviewer(world), now=clock.now())
    assert root.resolved_at is not None
    with pytest.raises(ValidationFailed):
        services.add_comment(db, a.id, section="nowhere", body="x", parent_id=None, actor=reviewer(world), now=clock.now())


def test_submission_needs_a_complete_draft(db, world):
    a = make_agreement(db, world, complete=False)
    with pytest.raises(ValidationFailed) as exc:
        services.submit(db, a.id, actor=drafter(world), now=clock.now())
    paths = {e["path"] for e in exc.value.errors}
    assert {"subject", "start_date", "estimated_value", "common_objectives", "parties[0].statutory_task"} <= paths
