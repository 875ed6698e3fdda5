"""What is published, read from the database in chunks (bounded memory for any number of rows).

Published: agreements past signing (signed, active, expired, terminated) that are between legal persons
(internal orders within one legal entity are not contracts and are left out), and seat purchases that were
confirmed (confirmed, completed, and cancelled after confirmation). Drafts, agreements in review or approved
but unsigned, and purchases that waited for or were refused a budget override are never read here.

Rows are read as columns, never as ORM objects, so nothing accumulates in the session's identity map; each
chunk asks for its related rows with one ``IN`` query per table.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterator, Optional

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..agreements.models import (
    Agreement, AgreementDocument, AgreementKind, AgreementParty, AgreementSignature, AgreementVersion, ReviewDecision,
    ReviewDecisionKind,
)
from ..agreements.states import AgreementStatus
from ..courses.models import Course
from ..formats import zone
from ..organisations.models import LegalEntity, Side, Unit, UnitKind
from ..purchases.models import SeatPurchase
from ..purchases.states import PurchaseStatus
from .build import AgreementData, DocRow, PartyRow, SignatureRow, VersionRow
from .purchases import PurchaseData

PUBLISHED_AGREEMENTS = (AgreementStatus.signed, AgreementStatus.active, AgreementStatus.expired, AgreementStatus.terminated)
PUBLISHED_KINDS = (AgreementKind.cooperation, AgreementKind.procurement, AgreementKind.call_off)
PUBLISHED_PURCHASES = (PurchaseStatus.confirmed, PurchaseStatus.completed)


def since_moment(since: dt.date | None) -> dt.datetime | None:
    """The start of ``since`` (a Norwegian calendar date) as an aware moment."""
    return None if since is None else dt.datetime.combine(since, dt.time(0, 0), tzinfo=zone())


# --- which rows ----------------------------------------------------------------------------------------------

def agreement_filter(since: dt.date | None = None):
    cond = [Agreement.status.in_(PUBLISHED_AGREEMENTS), Agreement.kind.in_(PUBLISHED_KINDS)]
    if since is not None:
        # Every release of an agreement is dated at or before its last change (updated_at is set by every
        # save and status change, including the date-driven start and expiry), so this is a superset.
        cond.append(Agreement.updated_at >= since_moment(since))
    return and_(*cond)


def purchase_filter(since: dt.date | None = None):
    """Confirmed or completed purchases, and cancelled ones that had been confirmed. A purchase that waited
    for a budget override carries ``override_reason``; it was confirmed only if the override was decided (a
    refusal ends in ``override_refused``), so a cancelled purchase with a reason and no decision was withdrawn
    before anything was reserved (purchases.services: confirm, decide_override, cancel)."""
    sp = SeatPurchase
    was_confirmed = or_(sp.override_reason.is_(None), sp.override_decided_at.is_not(None))
    cond = [or_(sp.status.in_(PUBLISHED_PURCHASES), and_(sp.status == PurchaseStatus.cancelled, was_confirmed))]
    if since is not None:
        cond.append(sp.updated_at >= since_moment(since))
    return and_(*cond)


def agreement_ids(session: Session, *, since: dt.date | None = None, after: int = 0, limit: int | None = None) -> list[int]:
    stmt = select(Agreement.id).where(agreement_filter(since), Agreement.id > after).order_by(Agreement.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def purchase_ids(session: Session, *, since: dt.date | None = None, after: int = 0, limit: int | None = None) -> list[int]:
    stmt = select(SeatPurchase.id).where(purchase_filter(since), SeatPurchase.id > after).order_by(SeatPurchase.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


# --- loading a chunk -----------------------------------------------------------------------------------------

def _docs(session: Session, column, ids: list[int]) -> dict[int, list[DocRow]]:
    d = AgreementDocument
    out: dict[int, list[DocRow]] = {}
    wanted = set(ids)
    # A range, not IN (…2000 ids…): one index range scan, and the few documents outside the chunk are skipped here.
    rows = session.execute(select(d.id, column, d.kind, d.filename, d.sha256, d.created_at, d.version_number, d.at_approval)
                           .where(column.between(min(ids), max(ids))).order_by(d.id))
    for r in rows:
        if r[1] not in wanted:
            continue
        out.setdefault(r[1], []).append(DocRow(id=r.id, owner_id=r[1], kind=r.kind, filename=r.filename, sha256=r.sha256,
                                               created_at=r.created_at, version_number=r.version_number, at_approval=r.at_approval))
    return out


def load_agreements(session: Session, ids: list[int]) -> list[AgreementData]:
    if not ids:
        return []
    a = Agreement
    rows = session.execute(select(
        a.id, a.kind, a.status, a.title, a.subject, a.cpv_codes, a.parent_id, a.procurement_case_ref, a.procurement_notice_ref,
        a.start_date, a.end_date, a.max_duration_months, a.estimated_value, a.options_value, a.approved_version,
        a.terminated_on, a.updated_at, a.assessment, a.verdict,
    ).where(a.id.in_(ids), agreement_filter()).order_by(a.id)).all()
    parties: dict[int, list[PartyRow]] = {}
    p = AgreementParty
    for r in session.execute(select(p.id, p.agreement_id, p.position, p.role, p.name, p.org_number)
                             .where(p.agreement_id.in_(ids)).order_by(p.agreement_id, p.position)):
        parties.setdefault(r.agreement_id, []).append(PartyRow(position=r.position, role=r.role, name=r.name, org_number=r.org_number,
                                                               party_row_id=r.id))
    decisions: dict[tuple[int, int], object] = {}
    rd = ReviewDecision
    for r in session.execute(select(rd.agreement_id, rd.version_number, rd.facts, rd.frozen_assessment, rd.engine_verdict,
                                    rd.reviewer_verdict, rd.created_at)
                             .where(rd.agreement_id.in_(ids), rd.decision == ReviewDecisionKind.approved).order_by(rd.id)):
        decisions[(r.agreement_id, r.version_number)] = r
    approved = {r.id: r.approved_version or 0 for r in rows}
    versions: dict[int, list[VersionRow]] = {}
    v = AgreementVersion
    for r in session.execute(select(v.agreement_id, v.number, v.note, v.created_at, v.snapshot)
                             .where(v.agreement_id.in_(ids)).order_by(v.agreement_id, v.number)):
        if r.number >= approved.get(r.agreement_id, 0) and approved.get(r.agreement_id):
            versions.setdefault(r.agreement_id, []).append(VersionRow(number=r.number, note=r.note, created_at=r.created_at,
                                                                      snapshot=r.snapshot or {}))
    signatures: dict[int, list[SignatureRow]] = {}
    s = AgreementSignature
    for r in session.execute(select(s.id, s.agreement_id, s.party_id, s.signed_on, s.recorded_at, s.pdf_sha256)
                             .where(s.agreement_id.in_(ids)).order_by(s.id)):
        signatures.setdefault(r.agreement_id, []).append(SignatureRow(id=r.id, party_row_id=r.party_id, signed_on=r.signed_on,
                                                                      recorded_at=r.recorded_at, pdf_sha256=r.pdf_sha256))
    docs = _docs(session, AgreementDocument.agreement_id, ids)
    out = []
    for r in rows:
        decision = decisions.get((r.id, r.approved_version)) if r.approved_version else None
        live = r.assessment or {}
        own_versions = versions.get(r.id, [])
        signed_snapshot = own_versions[0].snapshot if own_versions and own_versions[0].number == r.approved_version else {}
        later = [x for x in own_versions if x.number > (r.approved_version or 0)]
        data = AgreementData(
            id=r.id, kind=r.kind.value, status=r.status.value, title=r.title, subject=r.subject, cpv_codes=list(r.cpv_codes or []),
            parent_id=r.parent_id, procurement_case_ref=r.procurement_case_ref, procurement_notice_ref=r.procurement_notice_ref,
            start_date=r.start_date, end_date=r.end_date, max_duration_months=r.max_duration_months,
            estimated_value=r.estimated_value, options_value=r.options_value, approved_version=r.approved_version,
            terminated_on=r.terminated_on, updated_at=r.updated_at,
            assessment=(getattr(decision, "frozen_assessment", None) or live.get("assessment")),
            verdict=(getattr(decision, "reviewer_verdict", None) or getattr(decision, "engine_verdict", None) or r.verdict),
            facts=(getattr(decision, "facts", None) or live.get("facts")),
            signed_end=_date(signed_snapshot.get("end_date")) if signed_snapshot else None, signed_snapshot=signed_snapshot,
            approved_at=getattr(decision, "created_at", None),
            parties=parties.get(r.id, []), versions=later,
            documents=[d for d in docs.get(r.id, []) if d.at_approval or (d.version_number or 0) >= (r.approved_version or 0)],
            signatures=signatures.get(r.id, []),
        )
        out.append(data)
    return out


def _date(raw) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


class Entities:
    """Legal persons and units by id, read once per export (a few thousand rows at national scale)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.entities: dict[int, tuple[str, str]] = {}
        self.units: dict[int, tuple[int, int | None, str]] = {}

    def _need(self, entity_ids: set[int], unit_ids: set[int]) -> None:
        missing_units = [u for u in unit_ids if u not in self.units]
        if missing_units:
            for r in self.session.execute(select(Unit.id, Unit.legal_entity_id, Unit.municipal_entity_id, Unit.kind)
                                          .where(Unit.id.in_(missing_units))):
                self.units[r.id] = (r.legal_entity_id, r.municipal_entity_id, r.kind.value)
                entity_ids.add(r.legal_entity_id)
                if r.municipal_entity_id:
                    entity_ids.add(r.municipal_entity_id)
        missing = [e for e in entity_ids if e not in self.entities]
        if missing:
            for r in self.session.execute(select(LegalEntity.id, LegalEntity.name, LegalEntity.org_number).where(LegalEntity.id.in_(missing))):
                self.entities[r.id] = (r.org_number, r.name)

    def buyer(self, unit_id: int, side) -> tuple[str, str]:
        legal, municipal, kind = self.units[unit_id]
        side_value = getattr(side, "value", side)
        entity = municipal if kind == UnitKind.nav_office.value and side_value == Side.municipal.value and municipal else legal
        return self.entities[entity]


def _purchase_data(session: Session, where, entities: Entities, limit: int | None = None) -> list[PurchaseData]:
    sp = SeatPurchase
    stmt = select(
        sp.id, sp.status, sp.buyer_unit_id, sp.side, sp.supplier_entity_id, sp.seats, sp.start_date, sp.end_date, sp.amount,
        sp.actual_amount, sp.assessment, sp.agreement_id, sp.created_at, sp.updated_at, sp.override_decided_at, Course.title,
    ).join(Course, Course.id == sp.course_id).where(where).order_by(sp.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = session.execute(stmt).all()
    if not rows:
        return []
    entities._need({r.supplier_entity_id for r in rows}, {r.buyer_unit_id for r in rows})
    docs = _docs(session, AgreementDocument.purchase_id, [r.id for r in rows])
    out = []
    for r in rows:
        buyer_org, buyer_name = entities.buyer(r.buyer_unit_id, r.side)
        supplier_org, supplier_name = entities.entities[r.supplier_entity_id]
        out.append(PurchaseData(
            id=r.id, status=r.status.value, buyer_org=buyer_org, buyer_name=buyer_name, supplier_org=supplier_org,
            supplier_name=supplier_name, course_title=r.title, seats=r.seats, start_date=r.start_date, end_date=r.end_date,
            amount=r.amount, actual_amount=r.actual_amount, assessment=r.assessment, agreement_id=r.agreement_id,
            confirmed_at=r.override_decided_at or r.created_at, updated_at=r.updated_at, documents=docs.get(r.id, []),
        ))
    return out


def load_purchases(session: Session, ids: list[int], entities: Entities | None = None) -> list[PurchaseData]:
    if not ids:
        return []
    return _purchase_data(session, and_(SeatPurchase.id.in_(ids), purchase_filter()), entities or Entities(session))


# --- iterating -----------------------------------------------------------------------------------------------

def iter_agreements(session: Session, *, since: dt.date | None = None, chunk: int = 500) -> Iterator[AgreementData]:
    after = 0
    while True:
        ids = agreement_ids(session, since=since, after=after, limit=chunk)
        if not ids:
            return
        yield from load_agreements(session, ids)
        after = ids[-1]


def iter_purchases(session: Session, *, since: dt.date | None = None, chunk: int = 2000) -> Iterator[PurchaseData]:
    """One query per chunk: the published purchases after the last id read (keyset, no OFFSET)."""
    after = 0
    entities = Entities(session)
    while True:
        data = _purchase_data(session, and_(purchase_filter(since), SeatPurchase.id > after), entities, limit=chunk)
        if not data:
            return
        yield from data
        after = data[-1].id
