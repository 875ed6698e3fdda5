"""Read-only selects for the impact list: which moved items a reviewer answers for, filters, counts."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from ..agreements import access as agreement_access
from ..agreements.models import Agreement
from ..auth import permissions as perm
from ..auth.models import Role
from ..auth.permissions import Principal
from ..capacity.models import CapacityOffer, CapacityRequest
from ..courses.models import Course
from ..organisations.models import Side, Unit, UnitKind
from ..pagination import Page, paginate
from ..purchases.models import SeatPurchase
from ..rulecheck.models import LawChange, LawChangeItem

PAGE_SIZE = 50

# The units an item's purchase or request involves, aliased once: an alias made per call re-adapts every column
# it is compared on, ~4 ms of the legal reviewer's start page.
_BUYER, _REQUESTER, _PROVIDER = aliased(Unit, name="buyer"), aliased(Unit, name="requester"), aliased(Unit, name="provider")


def _buyer_entity(unit, side):
    """The legal person buying (SQL form of :meth:`Unit.entity_for_side`): a Nav office's municipality for the
    municipal side, else the unit's own legal person."""
    return case((and_(unit.kind == UnitKind.nav_office, side == Side.municipal), unit.municipal_entity_id),
                else_=unit.legal_entity_id)


def visible_condition(p: Principal, unit: Unit | None):
    """The moved items a user sees, as a WHERE condition: an admin all; others the items their unit takes part in
    and, outside a Nav office, the items of their legal person (buyer or supplier, or a party to the agreement) —
    the scope of ``agreements.access`` and of the notices (``notifications.legal_reviewers_of``)."""
    if p.has(Role.admin):
        return true()
    if unit is None:
        return false()
    entity = unit.kind != UnitKind.nav_office
    agreement = exists().where(Agreement.id == LawChangeItem.object_id, agreement_access.visible_condition(p, unit))

    buyer = _BUYER
    purchase_scope = [SeatPurchase.buyer_unit_id == unit.id, Course.provider_unit_id == unit.id]
    if entity:
        purchase_scope += [SeatPurchase.supplier_entity_id == unit.legal_entity_id,
                           _buyer_entity(buyer, SeatPurchase.side) == unit.legal_entity_id]
    purchase = exists().where(
        SeatPurchase.id == LawChangeItem.object_id, Course.id == SeatPurchase.course_id,
        buyer.id == SeatPurchase.buyer_unit_id, or_(*purchase_scope))

    requester, provider = _REQUESTER, _PROVIDER
    request_scope = [CapacityRequest.requester_unit_id == unit.id, CapacityOffer.provider_unit_id == unit.id]
    if entity:
        request_scope += [provider.legal_entity_id == unit.legal_entity_id,
                          _buyer_entity(requester, CapacityRequest.side) == unit.legal_entity_id]
    request = exists().where(
        CapacityRequest.id == LawChangeItem.object_id, CapacityOffer.id == CapacityRequest.offer_id,
        requester.id == CapacityRequest.requester_unit_id, provider.id == CapacityOffer.provider_unit_id, or_(*request_scope))
    return or_(
        and_(LawChangeItem.object_type == "agreement", agreement),
        and_(LawChangeItem.object_type == "seat_purchase", purchase),
        and_(LawChangeItem.object_type == "capacity_request", request),
    )


@dataclass
class Filters:
    change: int | None = None
    kind: str = ""
    verdict: str = ""
    handled: str = ""  # "" | "yes" | "no"

    def args(self) -> dict:
        return {k: v for k, v in (("change", self.change), ("kind", self.kind), ("verdict", self.verdict),
                                  ("handled", self.handled)) if v}


def _filtered(p: Principal, unit: Unit | None, f: Filters):
    stmt = select(LawChangeItem).where(visible_condition(p, unit))
    if f.change:
        stmt = stmt.where(LawChangeItem.law_change_id == f.change)
    if f.kind:
        stmt = stmt.where(LawChangeItem.object_type == f.kind)
    if f.verdict:
        stmt = stmt.where(LawChangeItem.verdict_after == f.verdict)
    if f.handled == "yes":
        stmt = stmt.where(LawChangeItem.handled_at.is_not(None))
    elif f.handled == "no":
        stmt = stmt.where(LawChangeItem.handled_at.is_(None))
    return stmt


def items(session: Session, p: Principal, unit: Unit | None, f: Filters, *, page: int,
          per_page: int = PAGE_SIZE) -> Page[LawChangeItem]:
    """One page of the moved items (newest change first, unhandled first, then by reference date) and the total;
    a page past the end is the last page."""
    stmt = _filtered(p, unit, f).order_by(LawChangeItem.law_change_id.desc(), LawChangeItem.handled_at.is_not(None),
                                          LawChangeItem.reference_date, LawChangeItem.id)
    return paginate(session, stmt, page=page, per_page=per_page)


def item(session: Session, p: Principal, unit: Unit | None, item_id: int) -> LawChangeItem | None:
    return session.scalar(select(LawChangeItem).where(LawChangeItem.id == item_id, visible_condition(p, unit)))


def unhandled_count(session: Session, p: Principal, unit: Unit | None) -> int:
    return session.scalar(select(func.count()).select_from(
        _filtered(p, unit, Filters(handled="no")).subquery())) or 0


def changes(session: Session, also: int | None = None) -> list[LawChange]:
    """The re-assessed changes, newest first (the filter's choices): the latest 200, and ``also`` (the one asked
    for in the query string) if it is an older re-assessed change."""
    found = list(session.scalars(select(LawChange).where(LawChange.status == "done").order_by(LawChange.id.desc()).limit(200)))
    if also is not None and all(c.id != also for c in found):
        older = session.scalar(select(LawChange).where(LawChange.id == also, LawChange.status == "done"))
        if older is not None:
            found.append(older)
    return found


def openable(session: Session, p: Principal, shown: list[LawChangeItem]) -> set[tuple[str, int]]:
    """Which purchases and requests on the page the user can open: their pages are for the buying and the
    providing unit (``web.visible_purchase``); agreements in the list are always visible."""
    if not perm.can_view_purchases(p) or p.unit_id is None:
        return set()
    ids = {kind: [i.object_id for i in shown if i.object_type == kind] for kind in ("seat_purchase", "capacity_request")}
    out: set[tuple[str, int]] = set()
    if ids["seat_purchase"]:
        out |= {("seat_purchase", i) for i in session.scalars(
            select(SeatPurchase.id).join(Course, Course.id == SeatPurchase.course_id).where(
                SeatPurchase.id.in_(ids["seat_purchase"]),
                or_(SeatPurchase.buyer_unit_id == p.unit_id, Course.provider_unit_id == p.unit_id)))}
    if ids["capacity_request"]:
        out |= {("capacity_request", i) for i in session.scalars(
            select(CapacityRequest.id).join(CapacityOffer, CapacityOffer.id == CapacityRequest.offer_id).where(
                CapacityRequest.id.in_(ids["capacity_request"]),
                or_(CapacityRequest.requester_unit_id == p.unit_id, CapacityOffer.provider_unit_id == p.unit_id)))}
    return out
