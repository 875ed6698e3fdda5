"""Who may see, draft and review one agreement (object-level scope on top of the role predicates)."""
from __future__ import annotations

from ..auth.models import Role
from ..auth.permissions import Principal
from ..organisations.models import Unit, UnitKind
from .models import Agreement


def involved(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    """The user's active unit is a party; a legal reviewer (or any non-Nav unit) also answers for its legal
    entity's agreements. A Nav office never sees the whole State's agreements through its legal entity."""
    if unit is None:
        return False
    if any(party.unit_id == unit.id for party in a.parties):
        return True
    if unit.kind == UnitKind.nav_office:
        return False
    return any(party.legal_entity_id == unit.legal_entity_id and (party.unit_id is None or p.has(Role.legal_reviewer))
               for party in a.parties)


def visible_condition(p: Principal, unit: Unit | None):
    """:func:`can_view` as a WHERE condition on ``agreement`` (for lists: filter in the database, not after a limit)."""
    from sqlalchemy import and_, exists, false, or_, true

    from .models import AgreementParty

    if p.has(Role.admin):
        return true()
    if unit is None:
        return false()
    own_unit = exists().where(AgreementParty.agreement_id == Agreement.id, AgreementParty.unit_id == unit.id)
    if unit.kind == UnitKind.nav_office:
        return own_unit
    entity = exists().where(
        AgreementParty.agreement_id == Agreement.id, AgreementParty.legal_entity_id == unit.legal_entity_id,
        true() if p.has(Role.legal_reviewer) else AgreementParty.unit_id.is_(None),
    )
    return or_(own_unit, and_(entity))


def can_view(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    return p.has(Role.admin) or involved(p, unit, a)


def can_edit(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    drafting = p.has(Role.provider_coordinator) or p.has(Role.budget_owner) or p.has(Role.legal_reviewer)
    return drafting and involved(p, unit, a)


def can_review(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    return p.has(Role.legal_reviewer) and involved(p, unit, a)
