"""Re-assessing the open items after a change of the law data, and marking what moved as handled.

What is open (issue 16, item 5):

* an agreement that is a draft, in review (or sent back for changes), approved, signed or active — signed and
  started — and has not ended (no end date, or an end date today or later);
* a capacity request awaiting an answer (held, on the waiting list, or offered seats from it);
* a seat purchase, confirmed or awaiting a budget-stop override, whose period has not started.

Each item is assessed with the same facts under the table before and the table after the change; an item whose
verdict or regime differs is recorded with both and the rule ids of the reasons. The facts are those stored with
the item where they are the facts it was decided on (an agreement's live assessment, a purchase's assessment at
confirmation); a request has none stored, so its facts are built as the purchase preview builds them, with one
search of earlier purchases per (buyer unit, side, supplier, need, start) group. Nothing stored with an item is
rewritten: an approved agreement's frozen assessment stays as it was (the agreement page shows beside it what the
law now in force would say, :func:`assessment_now`).
"""
from __future__ import annotations

import datetime as dt
import gc
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Iterator

from flask_babel import gettext as _
from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from .. import audit, rules
from ..agreements.models import Agreement, AgreementParty
from ..agreements.states import AgreementStatus as S
from ..audit import Actor
from ..capacity.models import OPEN_REQUEST_STATUSES, CapacityOffer, CapacityRequest
from ..formats import local_date
from ..courses.models import Course
from ..db import begin_write, lock
from ..errors import Conflict, NotFound, ValidationFailed
from ..notifications.services import legal_reviewers_of, notify_users
from ..organisations.models import Unit
from ..purchases.facts import earlier_purchases, purchase_facts
from ..purchases.models import PurchaseStatus, SeatPurchase
from ..rulecheck.models import LawChange, LawChangeItem
from ..rulecheck.services import current_table
from ..rules.thresholds import ThresholdTable

KINDS = ("agreement", "capacity_request", "seat_purchase")
OPEN_AGREEMENT_STATUSES = (S.draft, S.in_review, S.changes_requested, S.approved, S.signed, S.active)
OPEN_PURCHASE_STATUSES = (PurchaseStatus.confirmed, PurchaseStatus.awaiting_override)
HANDLED_FIELDS = ["handled_at", "handled_by_id", "handled_note"]
NOTICE = "law.reassessed"


@dataclass(slots=True)
class OpenItem:
    """One open item with the facts to assess and what the impact list shows of it."""

    object_type: str
    object_id: int
    unit_id: int | None  # the drafting or buying unit
    label: str
    value_nok: Decimal | None
    facts: dict[str, Any] | None
    entity_ids: tuple[int, ...]  # the legal persons involved: their legal reviewers are told


# --- the table before a change ---------------------------------------------------------------------------------


def table_before(table: ThresholdTable, day: dt.date) -> ThresholdTable:
    """``table`` as it was before the changes in force from ``day``: active periods and law versions starting on or
    after ``day`` are left out, and a period (or version) that ended the day before one of them started is open
    again. Pure; the demo uses it to show the amendment of 2026-07-01 as a change of the law."""
    eve = day - dt.timedelta(days=1)
    dropped = {r.key for r in table.rows if r.status == "active" and r.effective_from == day}
    rows = []
    for row in table.rows:
        if row.status == "active" and row.effective_from is not None and row.effective_from >= day:
            continue
        data = row.as_dict()
        if row.status == "active" and row.effective_to == eve and row.key in dropped:
            data["effective_to"] = None
        rows.append(data)
    laws_dropped = any(v.status == "active" and v.effective_from == day for v in table.law_versions)
    laws = []
    for version in table.law_versions:
        if version.status == "active" and version.effective_from >= day:
            continue
        data = version.as_dict()
        if version.status == "active" and version.effective_to == eve and laws_dropped:
            data["effective_to"] = None
        laws.append(data)
    return ThresholdTable.from_rows(rows, laws)


# --- the open items ----------------------------------------------------------------------------------------------


def _units(session: Session, unit_ids: Iterable[int]) -> dict[int, Unit]:
    """The units (with both legal persons of a Nav office), by id: a handful per thousand items."""
    ids = sorted(set(unit_ids))
    found: dict[int, Unit] = {}
    for i in range(0, len(ids), 500):
        found.update((u.id, u) for u in session.scalars(
            select(Unit).where(Unit.id.in_(ids[i:i + 500])).options(selectinload(Unit.municipal_entity))))
    return found


def open_agreements(session: Session, today: dt.date) -> Iterator[OpenItem]:
    """Agreements not yet ended, with the facts of their live assessment (the latest saved version's)."""
    is_open = (Agreement.status.in_(OPEN_AGREEMENT_STATUSES), or_(Agreement.end_date.is_(None), Agreement.end_date >= today))
    parties: dict[int, list] = {}
    for row in session.execute(
        select(AgreementParty.agreement_id, AgreementParty.role, AgreementParty.unit_id, AgreementParty.legal_entity_id)
        .join(Agreement, Agreement.id == AgreementParty.agreement_id).where(*is_open).order_by(AgreementParty.position)
    ):
        parties.setdefault(row.agreement_id, []).append(row)
    rows = session.execute(
        select(Agreement.id, Agreement.title, Agreement.start_date, Agreement.estimated_value, Agreement.assessment["facts"])
        .where(*is_open).order_by(Agreement.id)
    )
    for ident, title, start, value, facts in rows:
        if facts and start is None:
            # No start date yet: the agreement can be made today at the earliest, under the law in force then.
            facts = {**facts, "reference_date": today.isoformat()}
        own = parties.get(ident, [])
        buyer = next((p for p in own if p.role == "buyer" and p.unit_id), next((p for p in own if p.unit_id), None))
        yield OpenItem("agreement", ident, buyer.unit_id if buyer else None, title, value, facts or None,
                       tuple({p.legal_entity_id for p in own if p.legal_entity_id}))


def open_purchases(session: Session, today: dt.date) -> Iterator[OpenItem]:
    """Seat purchases whose period has not started, with the facts they were confirmed on."""
    rows = session.execute(
        select(SeatPurchase.id, SeatPurchase.buyer_unit_id, SeatPurchase.side, SeatPurchase.supplier_entity_id,
               SeatPurchase.amount, SeatPurchase.assessment["facts"], Course.title)
        .join(Course, Course.id == SeatPurchase.course_id)
        .where(SeatPurchase.status.in_(OPEN_PURCHASE_STATUSES), SeatPurchase.start_date > today)
        .order_by(SeatPurchase.id)
    ).all()
    units = _units(session, (r.buyer_unit_id for r in rows))
    for ident, unit_id, side, supplier_id, amount, facts, course in rows:
        buyer = units[unit_id]
        yield OpenItem("seat_purchase", ident, unit_id, f"{course} · {buyer.name}", amount, facts or None,
                       (buyer.entity_for_side(side).id, supplier_id))


def open_requests(session: Session, today: dt.date) -> Iterator[OpenItem]:
    """Capacity requests awaiting an answer, with the facts the purchase would be assessed on if accepted now."""
    rows = session.execute(
        select(CapacityRequest.id, CapacityRequest.requester_unit_id, CapacityRequest.side, CapacityRequest.start_date,
               CapacityRequest.end_date, CapacityRequest.quoted_amount, CapacityOffer.course_id)
        .join(CapacityOffer, CapacityOffer.id == CapacityRequest.offer_id)
        .where(CapacityRequest.status.in_(OPEN_REQUEST_STATUSES)).order_by(CapacityRequest.id)
    ).all()
    units = _units(session, (r.requester_unit_id for r in rows))
    courses = {c.id: c for c in session.scalars(select(Course).where(Course.id.in_({r.course_id for r in rows})))} if rows else {}
    earlier: dict[tuple, list] = {}
    for ident, unit_id, side, start, end, amount, course_id in rows:
        buyer, course = units[unit_id], courses[course_id]
        key = (unit_id, side, course.provider_unit.legal_entity_id, course.kind, start)  # what the search depends on
        if key not in earlier:
            earlier[key] = earlier_purchases(session, buyer_unit=buyer, side=side, course=course, start=start)
        facts = purchase_facts(session, buyer_unit=buyer, side=side, course=course, amount=amount, start=start, end=end,
                               earlier=earlier[key])
        yield OpenItem("capacity_request", ident, unit_id, f"{course.title} · {buyer.name}", amount, facts,
                       (buyer.entity_for_side(side).id, course.provider_unit.legal_entity_id))


def open_items(session: Session, today: dt.date) -> Iterator[OpenItem]:
    yield from open_agreements(session, today)
    yield from open_requests(session, today)
    yield from open_purchases(session, today)


# --- re-assessment -------------------------------------------------------------------------------------------------


def _decision(assessment: dict[str, Any]) -> tuple[str, str | None, list[str]]:
    return assessment["verdict"], assessment.get("regime"), list(dict.fromkeys(r["rule_id"] for r in assessment["reasons"]))


def compare(facts: dict[str, Any], before: ThresholdTable, after: ThresholdTable):
    """(before, after) as (verdict, regime, rule ids), or None when the facts cannot be assessed."""
    try:
        return _decision(rules.evaluate(facts, before)), _decision(rules.evaluate(facts, after))
    except rules.FactsError:
        return None


@dataclass
class Result:
    """What one change moved: the counts, and the moved items with their legal persons (for the notices)."""

    change: LawChange
    checked: int
    unassessable: int
    moved: list[tuple[OpenItem, dict[str, Any]]]


def _claim(session: Session, change_id: int, now: dt.datetime) -> bool:
    """Take a pending change for this run: one conditional UPDATE decides, so of two runs at the same time
    (two schedulers, a scheduler and the CLI) exactly one re-assesses it. On PostgreSQL the second waits for the
    first's row lock and then finds the change done; on SQLite the write transaction serialises them."""
    claimed = session.execute(
        update(LawChange).where(LawChange.id == change_id, LawChange.status == "pending")
        .values(status="done", reassessed_at=now)
    ).rowcount
    return claimed == 1


def reassess_change(session: Session, change: LawChange, items: list[OpenItem], *, now: dt.datetime, actor: Actor) -> Result:
    """Assess ``items`` under the change's tables before and after; record the moved ones (in bulk) and the counts."""
    before, after = ThresholdTable.from_document(change.table_before), ThresholdTable.from_document(change.table_after)
    moved: list[tuple[OpenItem, dict[str, Any]]] = []
    unassessable = 0
    for item in items:
        outcome = compare(item.facts, before, after) if item.facts else None
        if outcome is None:
            unassessable += 1
            continue
        (v1, r1, rules1), (v2, r2, rules2) = outcome
        if (v1, r1) == (v2, r2):
            continue
        moved.append((item, dict(
            law_change_id=change.id, object_type=item.object_type, object_id=item.object_id, unit_id=item.unit_id,
            label=item.label[:300], reference_date=dt.date.fromisoformat(item.facts["reference_date"]),
            value_nok=item.value_nok, verdict_before=v1, regime_before=r1, verdict_after=v2, regime_after=r2,
            rules_before=rules1, rules_after=rules2,
        )))
    rows = [row for _item, row in moved]
    for i in range(0, len(rows), 5000):
        session.execute(insert(LawChangeItem), rows[i:i + 5000])
    change.items_checked = len(items)
    change.items_moved = len(moved)
    session.flush()
    audit.record(session, actor, "law.reassessed", change, at=now, after={
        "table_before": change.table_before_id, "table_after": change.table_after_id, "items_checked": len(items),
        "items_moved": len(moved), "unassessable": unassessable,
    })
    return Result(change, len(items), unassessable, moved)


def _list_link(change_id: int) -> str:
    """The impact list of one change, as the notice's link (a path: jobs and the CLI run outside a request; a
    test holds it equal to ``url_for("lawchange.index", change=…)``)."""
    return f"/law-changes?change={change_id}"


def tell_reviewers(session: Session, result: Result, *, now: dt.datetime) -> int:
    """One notice per change to each legal reviewer who answers for a legal person involved in a moved item (the
    scope of ``agreements.access``), with how many of the moved items are theirs. The dedupe key makes a rerun
    tell nobody twice; e-mail follows each reviewer's preference (the mailer job)."""
    reviewers: dict[int, set[int]] = {}
    per_user: Counter[int] = Counter()
    for item, _row in result.moved:
        users: set[int] = set()
        for entity_id in item.entity_ids:
            if entity_id not in reviewers:
                reviewers[entity_id] = set(legal_reviewers_of(session, [entity_id]))
            users |= reviewers[entity_id]
        per_user.update(users)
    told = 0
    day = local_date(result.change.created_at).isoformat()
    for user_id, count in sorted(per_user.items()):
        told += notify_users(session, [user_id], NOTICE, {"moved": count, "date": day}, link=_list_link(result.change.id),
                             now=now, dedupe_key=f"law_change:{result.change.id}")
    return told


def reassess_pending(session: Session, *, now: dt.datetime, actor: Actor) -> dict[str, Any]:
    """Re-assess the open items for every pending change of the law data, each change exactly once.

    Returns ``{"changes": [ids], "checked": n, "moved": n, "notices": n}``. The caller commits.
    """
    begin_write(session)
    pending = session.scalars(select(LawChange.id).where(LawChange.status == "pending").order_by(LawChange.id)).all()
    done: list[int] = []
    checked = moved = notices = 0
    items: list[OpenItem] | None = None
    # As in the engine's batch (rules.evaluate_document): every open item's facts stay alive until the end, and the
    # cyclic garbage collector would walk them again and again (a quarter of a 100 000-item run, measured: see
    # docs/benchmarks.md). Nothing here makes cycles; pause it for the run and restore the caller's setting.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for change_id in pending:
            if not _claim(session, change_id, now):
                continue
            change = session.get(LawChange, change_id)
            if items is None:
                items = list(open_items(session, local_date(now)))
            result = reassess_change(session, change, items, now=now, actor=actor)
            notices += tell_reviewers(session, result, now=now)
            done.append(change_id)
            checked += result.checked
            moved += len(result.moved)
    finally:
        if was_enabled:
            gc.enable()
    return {"changes": done, "checked": checked, "moved": moved, "notices": notices}


# --- handling ------------------------------------------------------------------------------------------------------


def mark_handled(session: Session, item_id: int, *, note: str, actor: Actor, now: dt.datetime) -> LawChangeItem:
    """A legal reviewer records what was done about a moved verdict (audited). An item is handled once."""
    note = (note or "").strip()
    if not 3 <= len(note) <= 2000:
        raise ValidationFailed(_("The item was not marked handled."), errors=[{"path": "note", "message": _(
            "Say what was done or decided (3–2000 characters), e.g. «procurement no longer needed, the buyer is told».")}])
    begin_write(session)
    item = lock(session, LawChangeItem, item_id)
    if item is None:
        raise NotFound(_("No such item."))
    if item.handled_at is not None:
        raise Conflict(_("This item was already marked handled."))
    before = audit.snapshot(item, HANDLED_FIELDS)
    item.handled_at, item.handled_by_id, item.handled_note = now, actor.user_id, note
    session.flush()
    audit.record(session, actor, "law_change_item.handled", item, at=now, before=before, after=audit.snapshot(item, HANDLED_FIELDS))
    return item


# --- the agreement page -------------------------------------------------------------------------------------------


def assessment_now(session: Session, facts: dict[str, Any] | None, frozen: dict[str, Any] | None) -> dict[str, Any] | None:
    """The assessment of frozen ``facts`` under the law data in force now, when its verdict or regime differs from
    the ``frozen`` assessment (None otherwise). One assessment: cheap enough for every page load."""
    if not facts or not frozen:
        return None
    try:
        now = rules.evaluate(facts, current_table(session))
    except rules.FactsError:
        return None
    if (now["verdict"], now.get("regime")) == (frozen.get("verdict"), frozen.get("regime")):
        return None
    return now
