"""Agreements: the reads — the list and its search (paged in the database), one agreement, its content as a version records it, versions and their diff, who
drafted it, its approvals, signatures, comment threads and options, the agreement covering a purchase, and the
value used under it. No writes: the state changes are in :mod:`.services`."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Boolean, Date, Row, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from .. import audit
from ..auth.models import User
from ..auth.permissions import Principal
from ..errors import NotFound
from ..money import round_money
from ..organisations.models import Side, Unit, UnitKind
from ..pagination import Page, paginate
from ..purchases.models import PurchaseStatus, SeatPurchase
from ..rules.dates import add_months
from .access import BUYING_ROLES, SUPPLYING_ROLES, involved, visible_condition
from .diff import diff
from .models import (
    Agreement, AgreementCoveredUnit, AgreementDocument, AgreementKind, AgreementOption, AgreementParty, AgreementSignature, AgreementVersion, ReviewComment,
    ReviewDecision, ReviewDecisionKind,
)
from .states import IN_FORCE, AgreementStatus

S = AgreementStatus
STEPS = ("parties", "subject", "period", "value", "cooperation")
SECTIONS = ("parties", "subject", "period", "value", "cooperation", "general")

# Fields each wizard step writes (agreement-level); parties are handled separately.
STEP_FIELDS = {
    "parties": ["kind", "covered_unit_ids"],
    "subject": ["title", "subject", "cpv_codes", "measure_code", "procurement_case_ref", "procurement_notice_ref", "parent_id"],
    "period": ["start_date", "end_date", "option_scheme", "option_plan", "max_duration_months"],
    "value": ["estimated_value", "options_value", "price_terms"],
    "cooperation": [
        "common_objectives", "governance", "cost_sharing", "pricing", "activity_basis", "projection_reason", "market_share_monitoring",
        "public_interest_only", "third_party_subcontracting", "subcontracting_note", "private_operator_advantaged",
        "review_and_exit",
    ],
}
PARTY_FIELDS = ["role", "legal_entity_id", "unit_id", "nav_side", "name", "org_number", "legal_type", "contact_name",
                "contact_email", "contact_phone"]
COOP_PARTY_FIELDS = ["statutory_task", "contributions", "payment_only", "open_market_share_pct"]


# --- lists -------------------------------------------------------------------------------------------------


def search(
    session: Session, p: Principal, unit: Unit | None, *, q: str = "", status: str = "", kind: str = "", verdict: str = "",
    expiring: str = "", today: dt.date, page: int, per_page: int,
) -> tuple[Page[Row], dict[int, list[str]]]:
    """One page of :func:`search_statement` (the list page) as rows of what the list shows (``id``, ``title``,
    ``kind``, ``status``, ``verdict``, ``start_date``, ``end_date``), and the names of each row's parties in their
    order: three statements (the count, the page, the parties)."""
    a = Agreement
    stmt = search_statement(p, unit, q=q, status=status, kind=kind, verdict=verdict, expiring=expiring, today=today)
    found = paginate(session, stmt.with_only_columns(a.id, a.title, a.kind, a.status, a.verdict, a.start_date, a.end_date),
                     page=page, per_page=per_page, rows=True)
    names: dict[int, list[str]] = {}
    if found.items:
        for agreement_id, name in session.execute(
                select(AgreementParty.agreement_id, AgreementParty.name)
                .where(AgreementParty.agreement_id.in_([r.id for r in found.items]))
                .order_by(AgreementParty.agreement_id, AgreementParty.position)):
            names.setdefault(agreement_id, []).append(name)
    return found, names


def search_statement(p: Principal, unit: Unit | None, *, q: str = "", status: str = "", kind: str = "", verdict: str = "",
                     expiring: str = "", today: dt.date):
    """The agreements the user may see, filtered in the database, newest change first (the list page and the API).

    ``q`` matches a party's name or organisation number; ``expiring="90"`` keeps those in force that end within
    90 days of ``today``. Unknown values of ``status``, ``kind`` and ``verdict`` are ignored."""
    stmt = select(Agreement).where(visible_condition(p, unit)).order_by(Agreement.updated_at.desc(), Agreement.id.desc())
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(Agreement.id.in_(select(AgreementParty.agreement_id).where(
            or_(AgreementParty.org_number.like(like.replace(" ", "")), AgreementParty.name.ilike(like)))))
    if status in AgreementStatus.__members__:
        stmt = stmt.where(Agreement.status == AgreementStatus(status))
    if kind in AgreementKind.__members__:
        stmt = stmt.where(Agreement.kind == AgreementKind(kind))
    if verdict:
        stmt = stmt.where(Agreement.verdict == verdict)
    if expiring == "90":
        stmt = stmt.where(Agreement.status.in_(IN_FORCE), Agreement.end_date >= today,
                          Agreement.end_date <= today + dt.timedelta(days=90))
    return stmt


def frames(session: Session, p: Principal, unit: Unit | None, *, besides: int, limit: int = 200) -> list[Agreement]:
    """Framework and purchase agreements in force that the user may see: what a call-off can be made under."""
    stmt = (select(Agreement).where(Agreement.kind == AgreementKind.procurement, Agreement.status.in_(IN_FORCE),
                                    Agreement.id != besides, visible_condition(p, unit))
            .order_by(Agreement.title).limit(limit))
    return list(session.scalars(stmt).all())


# --- one agreement and its versions ---------------------------------------------------------------------


def get(session: Session, agreement_id: int) -> Agreement:
    a = session.get(Agreement, agreement_id)
    if a is None:
        raise NotFound(_("No such agreement."))
    return a


def _jsonable(v: Any) -> Any:
    return audit.jsonable(v)


def party_snapshot(p: AgreementParty) -> dict[str, Any]:
    return {name: _jsonable(getattr(p, name)) for name in ["position", *PARTY_FIELDS, *COOP_PARTY_FIELDS]}


def snapshot(a: Agreement) -> dict[str, Any]:
    """The content of the agreement (not its status) as JSON: what a version records."""
    out = {name: _jsonable(getattr(a, name)) for step in STEP_FIELDS.values() for name in step}
    out["parties"] = [party_snapshot(p) for p in a.parties]
    return out


def step_values(a: Agreement, step: str) -> dict[str, Any]:
    snap = snapshot(a)
    out = {name: snap[name] for name in STEP_FIELDS[step]}
    if step == "parties":
        out["parties"] = [{k: p[k] for k in PARTY_FIELDS} for p in snap["parties"]]
    if step == "cooperation":
        out["parties"] = [{k: p[k] for k in COOP_PARTY_FIELDS} for p in snap["parties"]]
    return out


def versions(session: Session, agreement_id: int) -> list[AgreementVersion]:
    return session.scalars(
        select(AgreementVersion).where(AgreementVersion.agreement_id == agreement_id).order_by(AgreementVersion.number)
    ).all()


def version_diff(session: Session, agreement_id: int, a: int, b: int) -> list[tuple[str, Any, Any]]:
    found = {
        v.number: v for v in session.scalars(
            select(AgreementVersion).where(AgreementVersion.agreement_id == agreement_id, AgreementVersion.number.in_([a, b]))
        )
    }
    if a not in found or b not in found:
        raise NotFound(_("No such version."))
    return diff(found[a].snapshot, found[b].snapshot)


def diff_names(session: Session, changes) -> dict[tuple[str, int], str]:
    """The names behind the ids a version diff shows ((kind, id) → name; kinds as in ``labels.ID_FIELDS``): at
    most one query per kind. A visible agreement's diff names only its own parties' units and organisations."""
    from ..organisations.models import LegalEntity
    from .labels import ID_FIELDS, field_key

    wanted: dict[str, set[int]] = {}
    for path, old, new in changes:
        kind = ID_FIELDS.get(field_key(path))
        if kind is None:
            continue
        for value in (old, new):
            for i in value if isinstance(value, list) else [value]:
                if isinstance(i, int) and not isinstance(i, bool):
                    wanted.setdefault(kind, set()).add(i)
    models = {"unit": (Unit, Unit.name), "legal_entity": (LegalEntity, LegalEntity.name), "agreement": (Agreement, Agreement.title)}
    out: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        model, name = models[kind]
        for i, n in session.execute(select(model.id, name).where(model.id.in_(sorted(ids)))):
            out[(kind, i)] = n
    return out


# --- review, signatures, documents --------------------------------------------------------------------------


def drafters(session: Session, agreement: Agreement) -> set[int]:
    """Everyone who created the agreement or saved a version of it: they may not review it."""
    ids = set(session.scalars(
        select(AgreementVersion.created_by_id).where(AgreementVersion.agreement_id == agreement.id)
    ).all())
    ids.add(agreement.created_by_id)
    ids.discard(None)
    return ids


def current_approval(session: Session, agreement: Agreement) -> ReviewDecision | None:
    """The approval of the current version, or None when the current version is not approved."""
    if agreement.approved_version is None:
        return None
    return session.scalar(
        select(ReviewDecision).where(
            ReviewDecision.agreement_id == agreement.id,
            ReviewDecision.decision == ReviewDecisionKind.approved,
            ReviewDecision.version_number == agreement.approved_version,
        ).order_by(ReviewDecision.id.desc())
    )


def latest_approval(session: Session, agreement: Agreement) -> ReviewDecision | None:
    return session.scalar(
        select(ReviewDecision).where(
            ReviewDecision.agreement_id == agreement.id, ReviewDecision.decision == ReviewDecisionKind.approved
        ).order_by(ReviewDecision.id.desc())
    )


def decisions(session: Session, agreement_id: int) -> list[ReviewDecision]:
    """Every review decision on the agreement, newest first, with its reviewer's name (one statement however many
    reviewers decided)."""
    return session.scalars(
        select(ReviewDecision).where(ReviewDecision.agreement_id == agreement_id).order_by(ReviewDecision.id.desc())
        .options(joinedload(ReviewDecision.reviewer).load_only(User.id, User.name).lazyload("*"))
    ).all()


def may_review(session: Session, a: Agreement, user_id: int) -> bool:
    return a.status == S.in_review and user_id not in drafters(session, a)


def comment_threads(session: Session, agreement_id: int) -> dict[str, list[ReviewComment]]:
    roots = session.scalars(
        select(ReviewComment).where(ReviewComment.agreement_id == agreement_id, ReviewComment.parent_id.is_(None)).order_by(ReviewComment.id)
    ).all()
    out: dict[str, list[ReviewComment]] = {s: [] for s in SECTIONS}
    for c in roots:
        out.setdefault(c.section, []).append(c)
    return out


def signatures(session: Session, agreement_id: int) -> list[AgreementSignature]:
    """The signatures with who recorded them (one statement for all the recorders)."""
    return session.scalars(select(AgreementSignature).where(AgreementSignature.agreement_id == agreement_id).order_by(AgreementSignature.id)
                           .options(selectinload(AgreementSignature.recorded_by))).all()


def documents_of(session: Session, agreement_id: int) -> list[AgreementDocument]:
    return session.scalars(
        select(AgreementDocument).where(AgreementDocument.agreement_id == agreement_id).order_by(AgreementDocument.id.desc())
    ).all()


# --- options ----------------------------------------------------------------------------------------------


def exercised_options(a: Agreement) -> list[AgreementOption]:
    return [o for o in a.options if o.undone_at is None]


def next_option(a: Agreement) -> tuple[int, int] | None:
    """(sequence, months) of the next option that can be exercised, or None."""
    done = len(exercised_options(a))
    plan = list(a.option_plan or [])
    return (done + 1, int(plan[done])) if done < len(plan) else None


def max_end(a: Agreement) -> dt.date | None:
    if a.start_date is None or a.max_duration_months is None:
        return None
    return add_months(a.start_date, a.max_duration_months) - dt.timedelta(days=1)


# --- purchases under agreements ----------------------------------------------------------------------------


@functools.cache
def _covering_statement():
    """Built once: every seat purchase asks, and building the two-alias join costs more than running it.

    ``buyer`` is a party that buys under the agreement and that the buying unit acts for — or, when the agreement
    lists the buying unit as covered, any buying party of the buying unit's legal person; ``provider`` is a party
    that supplies under it and that the providing unit acts for. A unit acts for a party when it is the party's
    acting unit, or when the party names no unit and the unit (not a Nav office) belongs to its legal person
    (:func:`.access.acts_for`). The two are different legal persons."""
    buyer, provider = aliased(AgreementParty), aliased(AgreementParty)
    on = bindparam("on", type_=Date)

    def acting(party, who: str):
        return and_(
            party.legal_entity_id == bindparam(f"{who}_entity"),
            or_(party.unit_id == bindparam(f"{who}_unit"), and_(party.unit_id.is_(None), bindparam(f"{who}_wide", type_=Boolean))),
        )

    listed = exists().where(AgreementCoveredUnit.agreement_id == Agreement.id, AgreementCoveredUnit.unit_id == bindparam("buyer_unit"))
    return (
        select(Agreement)
        .join(buyer, buyer.agreement_id == Agreement.id)
        .join(provider, provider.agreement_id == Agreement.id)
        .where(
            Agreement.status.in_([S.signed, S.active]),
            buyer.role.in_(BUYING_ROLES),
            or_(acting(buyer, "buyer"), and_(buyer.legal_entity_id == bindparam("buyer_entity"), listed)),
            provider.role.in_(SUPPLYING_ROLES),
            acting(provider, "provider"),
            # Two legal persons: within one a purchase is an internal order, not one under an agreement it has with others.
            buyer.legal_entity_id != provider.legal_entity_id,
            Agreement.start_date <= on,
            Agreement.end_date >= on,
        )
        .order_by(Agreement.end_date.desc(), Agreement.id.desc())
        .limit(1)
    )


def _covering_params(buyer: Unit, side: Side | None, provider: Unit, on: dt.date) -> dict[str, Any]:
    return {
        "buyer_unit": buyer.id, "buyer_entity": buyer.entity_for_side(side).id, "buyer_wide": buyer.kind != UnitKind.nav_office,
        "provider_unit": provider.id, "provider_entity": provider.legal_entity_id, "provider_wide": provider.kind != UnitKind.nav_office,
        "on": on,
    }


def covering_agreement(session, *, buyer: Unit, side: Side | None, provider: Unit, on: dt.date) -> "Agreement | None":
    """The agreement a purchase by ``buyer`` (acting for its legal person on ``side``) from ``provider`` is made under
    on date ``on``: signed/active, ``on`` within start..end (incl. exercised options), the buying unit acting for a
    buying party or listed as covered, and the providing unit acting for a supplying party. Never an agreement only
    another unit of the same legal person is party to (two Nav offices are both the State). None when there is none
    (always within one legal person: an internal order). Picks the one ending last if several."""
    return session.scalars(_covering_statement(), _covering_params(buyer, side, provider, on)).first()


@functools.cache
def _covering_id_statement():
    return _covering_statement().with_only_columns(Agreement.id)


def covering_agreement_id(session, *, buyer: Unit, side: Side | None, provider: Unit, on: dt.date) -> int | None:
    """:func:`covering_agreement`'s id only: what a purchase records, without loading the agreement and its parties."""
    return session.scalar(_covering_id_statement(), _covering_params(buyer, side, provider, on))


def purchases_under(session: Session, agreement_id: int, *, buyer_unit_id: int | None = None, limit: int = 100) -> list[SeatPurchase]:
    """The latest purchases made under the agreement, with their courses (one statement for all the courses, not
    one per course); with ``buyer_unit_id`` only that unit's (what a covered unit that is not a party sees)."""
    stmt = select(SeatPurchase).where(SeatPurchase.agreement_id == agreement_id)
    if buyer_unit_id is not None:
        stmt = stmt.where(SeatPurchase.buyer_unit_id == buyer_unit_id)
    return session.scalars(stmt.order_by(SeatPurchase.id.desc()).limit(limit).options(selectinload(SeatPurchase.course))).all()


def sees_all_purchases(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    """Admin and the parties see every purchase under the agreement; a unit it only covers sees its own."""
    from ..auth.models import Role

    return p.has(Role.admin) or involved(p, unit, a)


@dataclass
class ValueUse:
    used: Decimal
    estimated: Decimal | None
    pct: Decimal | None
    level: str | None  # None, "warning" (≥ 80 %), "exceeded" (≥ 100 %)
    purchases: int


def value_used(session: Session, a: Agreement) -> ValueUse:
    """Purchases under the agreement (actual cost when registered) against its estimated value incl. options."""
    amount = func.coalesce(SeatPurchase.actual_amount, SeatPurchase.amount)
    used, n = session.execute(
        select(func.coalesce(func.sum(amount), 0), func.count()).where(
            SeatPurchase.agreement_id == a.id,
            SeatPurchase.status.in_([PurchaseStatus.confirmed, PurchaseStatus.completed]),
        )
    ).one()
    used = round_money(Decimal(str(used)))
    estimated = None
    if a.estimated_value is not None:
        estimated = a.estimated_value + (a.options_value or Decimal(0))
    pct = level = None
    if estimated:
        pct = (used * 100 / estimated).quantize(Decimal("0.1"))
        level = "exceeded" if used >= estimated else "warning" if used * 100 >= estimated * 80 else None
    return ValueUse(used, estimated, pct, level, n)
