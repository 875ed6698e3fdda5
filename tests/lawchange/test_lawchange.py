"""The law-change impact report: a legal reviewer activates a pending threshold period, the re-assessment lists
exactly the open items whose verdict moved (once, even when two runs race), reviewers are told once, items are
marked handled with a note, and frozen assessments stay as they were approved.

The fixture: 21 items across the three kinds, some moved by the change and some not. The change is a
(hypothetical) lower limit of 300 000 from 2027-01-01, activated by a legal reviewer: an open item dated 2027 or
later whose value is 300 000–499 999 moves from «below the lower limit» to «the procurement rules apply».
"""
from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import func, select

from contracts_app import clock
from contracts_app.agreements import services as agreement_services
from contracts_app.agreements.models import ReviewDecision
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.audit import SYSTEM, Actor, AuditEvent
from contracts_app.auth.models import Role
from contracts_app.capacity import requests as capacity_requests
from contracts_app.capacity.models import RequestStatus
from contracts_app.courses.pricing import Rate
from contracts_app.lawchange import services
from contracts_app.notifications.models import Notification
from contracts_app.purchases import services as purchase_services
from contracts_app.rulecheck import services as rulecheck
from contracts_app.rulecheck.models import LawChange, LawChangeItem
from contracts_app.rules.thresholds import ThresholdTable

from ..agreements.helpers import drafter, move
from ..support import login
from ..factories import buy, make_budget, make_course, make_entity, make_offer, make_unit, make_user, make_world, request_input


NEW_LIMIT_FROM = dt.date(2027, 1, 1)
SEAT = Decimal("50000")  # every course in the fixture costs 50 000 per seat: value = seats × 50 000

# name, status, start, end, estimated value, moves
AGREEMENTS = [
    ("a_draft_400", S.draft, "2027-02-01", "2027-12-31", "400000", True),
    ("a_draft_299", S.draft, "2027-02-01", "2027-12-31", "299999", False),
    ("a_draft_300", S.draft, "2027-02-01", "2027-12-31", "300000", True),
    ("a_draft_2026", S.draft, "2026-08-01", "2026-12-31", "400000", False),  # dated before the new period
    ("a_draft_600", S.draft, "2027-02-01", "2027-12-31", "600000", False),  # above both limits
    ("a_review_450", S.in_review, "2027-03-01", "2027-12-31", "450000", True),
    ("a_changes_350", S.changes_requested, "2027-03-01", "2027-12-31", "350000", True),
    ("a_approved_350", S.approved, "2027-03-01", "2027-12-31", "350000", True),
    ("a_signed_499", S.signed, "2027-04-01", "2027-12-31", "499999", True),
    ("a_terminated_400", S.terminated, "2027-02-01", "2027-12-31", "400000", False),  # ended: not open
]
# name, course kind (one need each: no purchase counts with another), course start, seats, cancelled, moves
PURCHASES = [
    ("p_400", "norwegian_training", "2027-02-01", 8, False, True),
    ("p_200", "basic_skills", "2027-02-01", 4, False, False),
    ("p_350", "vocational_norwegian", "2027-02-01", 7, False, True),
    ("p_600", "industry_course", "2027-02-01", 12, False, False),
    ("p_2026", "fov", "2026-09-01", 8, False, False),
    ("p_cancelled", "amo", "2027-02-01", 8, True, False),  # not open
]
# name, course start, seats, then (held | waiting | declined), moves — on courses of another municipality
REQUESTS = [
    ("r_held_400", "2027-02-01", 8, "held", True),
    ("r_held_200", "2027-02-01", 4, "held", False),
    ("r_waiting_400", "2027-02-01", 8, "waiting", True),  # the offer is full: on the waiting list, still open
    ("r_held_350", "2027-02-01", 7, "held", True),
    ("r_2026_400", "2026-09-01", 8, "held", False),
    ("r_declined_400", "2027-02-01", 8, "declined", False),  # answered: not open
]
MOVED = {name for name, *_rest, moves in AGREEMENTS + PURCHASES + REQUESTS if moves}


def _course(db, unit, kind: str, start: str, title: str):
    start_date = dt.date.fromisoformat(start)
    return make_course(db, unit, title=title, kind=kind, start_date=start_date, end_date=start_date.replace(month=12, day=18),
                       price_unit="per_seat", total_seats=30, rates=[Rate(start_date.replace(month=1, day=1), SEAT)])


def _agreement(db, world, status, start, end, value):
    actor, now = drafter(world), clock.now()
    a = agreement_services.create_draft(db, {"kind": "procurement", "title": f"Kjøp av norskopplæring {value}", "parties": [
        {"unit_id": world.nav_office.id, "nav_side": "state", "role": "buyer", "contact_name": "Nina Nav"},
        {"unit_id": world.adult_education.id, "role": "supplier", "contact_name": "Kari Koordinator"},
    ]}, actor=actor, now=now)
    for step, data in (
        ("subject", {"title": a.title, "subject": "Norskopplæring for Navs brukere.", "cpv_codes": "80580000-3"}),
        ("period", {"start_date": start, "end_date": end, "option_scheme": "none"}),
        ("value", {"estimated_value": value, "price_terms": "Fast pris per deltaker."}),
    ):
        agreement_services.save_step(db, a.id, step, data, expected_version=a.version, actor=actor, now=now)
    path = {S.draft: [], S.in_review: [S.in_review], S.changes_requested: [S.in_review, S.changes_requested],
            S.approved: [S.in_review, S.approved], S.signed: [S.in_review, S.approved, S.signed],
            S.terminated: [S.in_review, S.approved, S.signed, S.terminated]}[status]
    for target in path:
        move(db, world, a, target)
    assert a.status == status
    return a


@pytest.fixture
def impact(db, world, module_world):
    """The world with the shipped law data in the database, a pending lower limit of 300 000 and the 21 items.
    Returns {name: (object_type, id)} and the reviewers of the two municipalities."""
    from contracts_app.auth.models import User
    from contracts_app.organisations.models import Unit

    _impact_rows = module_world.rows("impact", db, world)
    return {**_impact_rows, "objects": dict(_impact_rows["objects"]),
            "reviewers": {k: db.get(User, i) for k, i in _impact_rows["reviewers"].items()},
            "neighbour_legal": db.get(Unit, _impact_rows["neighbour_legal"])}


def _impact_ids(session, world):
    """``_make_impact``'s rows as ids (the layer outlives the session that made it)."""
    made = _make_impact(session, world)
    return {**made, "reviewers": {k: u.id for k, u in made["reviewers"].items()},
            "neighbour_legal": made["neighbour_legal"].id}


# The world is built once per module and every test runs in a savepoint rolled back after it (tests/conftest.py,
# module_world); ``impact``'s rows are shared the same way, as a layer.
pytestmark = pytest.mark.shared_world(layers={"impact": _impact_ids})


def _make_impact(db, world):
    rulecheck.load_shipped(db, actor=SYSTEM, now=clock.now())
    objects: dict[str, tuple[str, int]] = {}
    for name, status, start, end, value, _moves in AGREEMENTS:
        objects[name] = ("agreement", _agreement(db, world, status, start, end, value).id)

    budget_2027 = make_budget(db, world.nav_office, year=2027, line="Tiltaksmidler 2027", amount="100000000")
    budget_2026 = make_budget(db, world.nav_office, line="Tiltaksmidler høst", amount="100000000")
    for name, kind, start, seats, cancelled, _moves in PURCHASES:
        course = _course(db, world.adult_education, kind, start, f"Kurs {name}")
        purchase = buy(db, course, budget_2027 if start.startswith("2027") else budget_2026, world.users["advisor"], seats=seats)
        if cancelled:
            purchase_services.cancel(db, purchase.id, reason="Deltakerne fikk jobb.", actor=Actor(world.users["advisor"].id, world.nav_office.id),
                                     now=clock.now())
        objects[name] = ("seat_purchase", purchase.id)

    neighbour = make_entity(db, name="Nabovik kommune", municipality_number="9998")
    neighbour_vo = make_unit(db, neighbour, name="Nabovik voksenopplæring")
    neighbour_legal = make_unit(db, neighbour, name="Nabovik juridisk", kind="other")
    coordinator = make_user(db, "koordinator@nabovik.no", role=Role.provider_coordinator, unit=neighbour_vo)
    neighbour_reviewer = make_user(db, "jurist@nabovik.no", role=Role.legal_reviewer, unit=neighbour_legal)
    advisor = Actor(world.users["advisor"].id, world.nav_office.id)
    full_offer = None
    for name, start, seats, state, _moves in REQUESTS:
        if state == "waiting":
            offer = full_offer
        else:
            course = _course(db, neighbour_vo, "norwegian_training", start, f"Kurs {name}")
            offer = make_offer(db, course, coordinator, seats=seats, period_start=course.start_date, period_end=course.end_date,
                               request_deadline=dt.date(2026, 4, 30))
            full_offer = full_offer or offer
        start_date = dt.date.fromisoformat(start)
        budget = budget_2027 if start.startswith("2027") else budget_2026
        req = capacity_requests.request_seats(db, request_input(offer, budget, seats=seats, start=start_date,
                                                                end=start_date + dt.timedelta(days=60)), actor=advisor, now=clock.now())
        if state == "declined":
            capacity_requests.decline(db, req.id, reason="Kurset er fullt.", actor=Actor(coordinator.id, neighbour_vo.id), now=clock.now())
        assert req.status == RequestStatus(state), (name, req.status)
        objects[name] = ("capacity_request", req.id)
    pending = rulecheck.add_period(db, {"key": "lower_limit", "value_nok": "300000", "status": "pending",
                                        "source": "Hypothetical amendment for this test"}, actor=SYSTEM, now=clock.now())
    db.commit()
    assert len(objects) == 22 and len({kind for kind, _id in objects.values()}) == 3
    return {"objects": objects, "pending_id": pending.id, "reviewers": {
        "testvik": world.users["legal_reviewer"], "nabovik": neighbour_reviewer}, "neighbour_legal": neighbour_legal}


def _activate(db, world, impact):
    reviewer = Actor(world.users["legal_reviewer"].id, world.legal_unit.id)
    rulecheck.activate(db, impact["pending_id"], effective_from=NEW_LIMIT_FROM, actor=reviewer, now=clock.now())
    db.commit()


def _moved(db) -> set[tuple[str, int]]:
    return {(i.object_type, i.object_id) for i in db.scalars(select(LawChangeItem))}


def _names(impact, keys) -> set[str]:
    by_key = {v: k for k, v in impact["objects"].items()}
    return {by_key[k] for k in keys}


def test_activating_a_pending_row_lists_exactly_the_items_whose_verdict_moved(db, world, impact):
    _activate(db, world, impact)
    [change] = db.scalars(select(LawChange)).all()
    assert (change.status, change.cause) == ("pending", "threshold.period_activated:lower_limit")
    result = services.reassess_pending(db, now=clock.now(), actor=SYSTEM)
    db.commit()
    assert result["changes"] == [change.id]
    assert _names(impact, _moved(db)) == MOVED
    open_items = sum(1 for a in AGREEMENTS if a[1] != S.terminated) + sum(1 for p in PURCHASES if not p[4]) + \
        sum(1 for r in REQUESTS if r[3] != "declined")
    db.refresh(change)
    assert (change.status, change.items_moved, change.reassessed_at) == ("done", len(MOVED), clock.now())
    assert change.items_checked == open_items  # the world's own purchase started today: not open
    for item in db.scalars(select(LawChangeItem)):
        assert (item.verdict_before, item.verdict_after) == ("below_scope", "procurement_required")
        assert "THR-02" in item.rules_before and "THR-01" in item.rules_after, (item.rules_before, item.rules_after)
        assert item.reference_date >= NEW_LIMIT_FROM and 300000 <= item.value_nok < 500000
        assert item.unit_id == world.nav_office.id and item.handled_at is None
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "law.reassessed")).all()
    assert event.after["items_moved"] == len(MOVED)


@pytest.mark.parametrize("runs", [1, 2, 3])
def test_rerunning_records_and_notifies_once(app, db, world, impact, runs):
    _activate(db, world, impact)
    for _ in range(runs):
        services.reassess_pending(db, now=clock.now(), actor=SYSTEM)
        db.commit()
    assert db.scalar(select(func.count()).select_from(LawChangeItem)) == len(MOVED)
    notices = db.execute(select(Notification.user_id, Notification.params, Notification.link)
                         .where(Notification.kind == services.NOTICE)).all()
    counts = {uid: params["moved"] for uid, params, _link in notices}
    change_id = db.scalar(select(LawChangeItem.law_change_id).limit(1))
    with app.test_request_context():
        assert {link for *_rest, link in notices} == {url_for("lawchange.index", change=change_id)}
    moved_requests = sum(1 for r in REQUESTS if r[-1])
    # Each reviewer is told once, about the moved items of their own legal person (the scope of the list).
    assert counts == {impact["reviewers"]["testvik"].id: len(MOVED) - moved_requests,
                      impact["reviewers"]["nabovik"].id: moved_requests}


def test_the_frozen_assessment_of_an_approved_agreement_is_not_rewritten(db, world, impact):
    _, agreement_id = impact["objects"]["a_approved_350"]
    decision = db.scalar(select(ReviewDecision).where(ReviewDecision.agreement_id == agreement_id))
    frozen, facts = dict(decision.frozen_assessment), dict(decision.facts)
    assert frozen["verdict"] == "below_scope"
    _activate(db, world, impact)
    services.reassess_pending(db, now=clock.now(), actor=SYSTEM)
    db.commit()
    db.expire_all()
    decision = db.get(ReviewDecision, decision.id)
    assert (decision.frozen_assessment, decision.facts, decision.engine_verdict) == (frozen, facts, "below_scope")
    assert ("agreement", agreement_id) in _moved(db)
    # the agreement page shows the frozen verdict and, beside it, what the law in force now would conclude
    now_assessment = services.assessment_now(db, decision.facts, decision.frozen_assessment)
    assert now_assessment["verdict"] == "procurement_required"


def test_the_agreement_page_says_what_the_law_in_force_now_would_conclude(client, db, world, impact):
    _, agreement_id = impact["objects"]["a_approved_350"]
    login(client, world.users["legal_reviewer"].email)
    page = client.get(f"/agreements/{agreement_id}").get_data(as_text=True)
    assert 'id="law-now"' not in page
    _activate(db, world, impact)
    page = client.get(f"/agreements/{agreement_id}").get_data(as_text=True)
    assert 'id="law-now"' in page and "Etter regelverket som gjelder nå ville konklusjonen vært" in page


@pytest.mark.parametrize("note,status,handled", [
    ("", 422, False),
    ("  ", 422, False),
    ("ok", 422, False),
    ("Kjøperen er varslet; anskaffelse planlegges.", 302, True),
])
def test_marking_handled_needs_a_note_and_is_audited(client, db, world, impact, note, status, handled):
    _activate(db, world, impact)
    services.reassess_pending(db, now=clock.now(), actor=SYSTEM)
    db.commit()
    item = db.scalar(select(LawChangeItem).where(LawChangeItem.object_type == "agreement").order_by(LawChangeItem.id))
    login(client, world.users["legal_reviewer"].email)
    response = client.post(f"/law-changes/items/{item.id}/handled", data={"note": note})
    assert response.status_code == status
    db.refresh(item)
    assert (item.handled_at is not None) == handled
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "law_change_item.handled")).all()
    if handled:
        assert (item.handled_note, item.handled_by_id) == (note, world.users["legal_reviewer"].id)
        assert [e.after["handled_note"] for e in events] == [note] and events[0].object_id == str(item.id)
        again = client.post(f"/law-changes/items/{item.id}/handled", data={"note": "En gang til."},
                            headers={"Referer": f"/law-changes/items/{item.id}"})
        assert again.status_code == 302 and len(db.scalars(select(AuditEvent).where(
            AuditEvent.action == "law_change_item.handled")).all()) == 1
    else:
        assert events == []
        page = response.get_data(as_text=True)
        assert 'id="error-summary"' in page and 'aria-invalid="true"' in page and f"{note}</textarea>" in page


@pytest.mark.parametrize("who,sees", [
    ("testvik", {n for n in MOVED if not n.startswith("r_")}),
    ("nabovik", {n for n in MOVED if n.startswith("r_")}),
    ("admin", MOVED),
])
def test_each_reviewer_lists_the_items_of_their_own_legal_person(client, db, world, impact, who, sees):
    _activate(db, world, impact)
    services.reassess_pending(db, now=clock.now(), actor=SYSTEM)
    db.commit()
    user = world.users["admin"] if who == "admin" else impact["reviewers"][who]
    login(client, user.email)
    page = client.get("/law-changes").get_data(as_text=True)
    shown = {(kind, int(ident)) for kind, ident in
             (part.split('"')[0].split(":") for part in page.split('data-item="')[1:])}
    assert _names(impact, shown) == sees
    if who != "admin":
        home = client.get("/home").get_data(as_text=True)
        assert 'data-key="law_changes"' in home and f"{len(sees)} " in home


@pytest.mark.parametrize("query,expected,message", [
    ("kind=seat_purchase", {n for n in MOVED if n.startswith("p_")}, None),
    ("kind=agreement&handled=no", {n for n in MOVED if n.startswith("a_")}, None),
    ("verdict=below_scope", set(), None),
    ("verdict=procurement_required", MOVED, None),
    ("handled=yes", set(), None),
    # A value that is not one of the choices is said on its field and not applied: the list and its count are
    # of the filters that hold, never of a filter silently dropped.
    ("change=999999", MOVED, "Velg en regelendring fra listen."),
    ("change=abc&kind=seat_purchase", {n for n in MOVED if n.startswith("p_")}, "Velg en regelendring fra listen."),
    ("change=" + "9" * 400, MOVED, "Velg en regelendring fra listen."),
    ("change=-1&handled=no", MOVED, "Velg en regelendring fra listen."),
    ("kind=contract", MOVED, "Ikke et gyldig valg"),
    ("verdict=maybe&kind=agreement", {n for n in MOVED if n.startswith("a_")}, "Ikke et gyldig valg"),
    ("handled=perhaps", MOVED, "Ikke et gyldig valg"),
    ("page=" + "9" * 400, MOVED, None),  # a page out of range is the first page
    ("page=-3&per_page=abc", MOVED, None),
])
def test_the_list_filters(client, db, world, impact, query, expected, message):
    _activate(db, world, impact)
    services.reassess_pending(db, now=clock.now(), actor=SYSTEM)
    db.commit()
    login(client, world.users["admin"].email)
    response = client.get(f"/law-changes?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = {(kind, int(ident)) for kind, ident in
             (part.split('"')[0].split(":") for part in page.split('data-item="')[1:])}
    assert _names(impact, shown) == expected
    assert f"{len(expected)} " in page.split('id="law-change-total"')[1][:80]
    if message:
        assert message in page and 'aria-invalid="true"' in page
    else:
        assert 'aria-invalid="true"' not in page


def test_the_change_filter_lists_the_changes_and_keeps_the_choice(client, db, world, impact):
    _activate(db, world, impact)
    services.reassess_pending(db, now=clock.now(), actor=SYSTEM)
    db.commit()
    change = db.scalars(select(LawChange).where(LawChange.status == "done")).one()
    login(client, world.users["admin"].email)
    page = client.get(f"/law-changes?change={change.id}").get_data(as_text=True)
    assert f'<option selected value="{change.id}">' in page and f"{len(MOVED)} endret" in page
    assert 'aria-invalid="true"' not in page


def test_the_list_pages_in_the_database_and_keeps_its_filters(client, db, world, impact):
    _activate(db, world, impact)
    services.reassess_pending(db, now=clock.now(), actor=SYSTEM)
    db.commit()
    login(client, world.users["admin"].email)
    first = client.get("/law-changes?per_page=5&handled=no").get_data(as_text=True)
    assert first.count('data-item="') == 5 and f"Side 1 av {-(-len(MOVED) // 5)}" in first
    assert "page=2" in first and "handled=no" in first.split('rel="next"')[1][:200]
    last = client.get("/law-changes?per_page=5&handled=no&page=999").get_data(as_text=True)  # past the end: the last
    assert last.count('data-item="') == len(MOVED) - 5 * (-(-len(MOVED) // 5) - 1)


def test_the_cli_reassesses_and_prints_what_moved(app, db, world, impact):
    _activate(db, world, impact)
    result = app.test_cli_runner().invoke(args=["rules", "reassess"])
    assert result.exit_code == 0, result.output
    assert f"{len(MOVED)} moved" in result.output and "below_scope → procurement_required (part_I" in result.output
    again = app.test_cli_runner().invoke(args=["rules", "reassess"])
    assert "No pending change" in again.output


@pytest.mark.parametrize("day,lower,law", [
    (dt.date(2026, 6, 30), Decimal("100000"), "anskaffelsesloven-2017"),
    (dt.date(2026, 7, 1), Decimal("100000"), "anskaffelsesloven-2017"),
    (dt.date(2027, 3, 1), Decimal("100000"), "anskaffelsesloven-2017"),
])
def test_the_table_before_an_amendment_undoes_what_entered_into_force_that_day(day, lower, law):
    shipped = ThresholdTable.shipped()
    before = services.table_before(shipped, dt.date(2026, 7, 1))
    assert before.id != shipped.id
    assert (before.lookup(day).lower_limit, before.lookup(day).law.id) == (lower, law)
    assert before.lookup(day).protocol_trigger == Decimal("100000")
    assert shipped.lookup(dt.date(2026, 6, 30)).lower_limit == before.lookup(dt.date(2026, 6, 30)).lower_limit
    assert services.table_before(shipped, dt.date(2030, 1, 1)).id == shipped.id  # nothing starts then: no change


def test_two_runs_at_once_record_and_notify_once(live_app):
    """Two runs (two schedulers, or a scheduler and the CLI) that start together, each in its own transaction
    committing for real: one re-assesses the change, the other finds it done."""
    with live_app.app_context():
        from contracts_app.db import get_session

        clock.install_fallback(live_app.extensions["clock"])
        try:
            session = get_session()
            world = make_world(session)
            rulecheck.load_shipped(session, actor=SYSTEM, now=clock.now())
            course = _course(session, world.adult_education, "norwegian_training", "2027-02-01", "Kurs 2027")
            budget = make_budget(session, world.nav_office, year=2027, line="2027", amount="10000000")
            buy(session, course, budget, world.users["advisor"], seats=8)
            pending = rulecheck.add_period(session, {"key": "lower_limit", "value_nok": "300000", "status": "pending",
                                                     "source": "Hypothetical"}, actor=SYSTEM, now=clock.now())
            session.commit()
            rulecheck.activate(session, pending.id, effective_from=NEW_LIMIT_FROM,
                               actor=Actor(world.users["legal_reviewer"].id, world.legal_unit.id), now=clock.now())
            session.commit()
        finally:
            clock.install_fallback(None)
    barrier = threading.Barrier(2)
    results, errors = [None, None], []

    def run(i):
        try:
            with live_app.app_context():
                from contracts_app.db import get_session

                session = get_session()
                barrier.wait()
                results[i] = services.reassess_pending(session, now=live_app.extensions["clock"].now(), actor=SYSTEM)
                session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(len(r["changes"]) for r in results) == [0, 1]
    with live_app.app_context():
        from contracts_app.db import get_session

        session = get_session()
        assert session.scalar(select(func.count()).select_from(LawChangeItem)) == 1
        assert session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == services.NOTICE)) == 1
