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


def can_view(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    return p.has(Role.admin) or involved(p, unit, a)


def can_edit(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    drafting = p.has(Role.provider_coordinator) or p.has(Role.budget_owner) or p.has(Role.legal_reviewer)
    return drafting and involved(p, unit, a)


def can_review(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    return p.has(Role.legal_reviewer) and involved(p, unit, a)
