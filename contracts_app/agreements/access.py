"""Who may see, draft, review and sign one agreement (object-level scope on top of the role predicates), and for
which party a unit acts. Pure functions of the principal, the active unit and the agreement."""
from __future__ import annotations

from ..auth.models import Role
from ..auth.permissions import Principal, can_draft_agreements
from ..organisations.models import Unit, UnitKind
from .models import Agreement, AgreementParty, PartyRole, SignatureMethod

# Parties that buy under the agreement, and parties that supply under it (cooperation partners do both).
BUYING_ROLES = (PartyRole.buyer.value, PartyRole.partner.value)
SUPPLYING_ROLES = (PartyRole.supplier.value, PartyRole.partner.value)


def acts_for(unit: Unit | None, party: AgreementParty) -> bool:
    """The unit acts for the party: it is the party's acting unit, or the party names no unit and the unit belongs
    to the party's legal person. A Nav office never acts for the whole State (or municipality) this way."""
    if unit is None:
        return False
    if party.unit_id is not None:
        return party.unit_id == unit.id
    return unit.kind != UnitKind.nav_office and party.legal_entity_id is not None and party.legal_entity_id == unit.legal_entity_id


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


def covers(unit: Unit | None, a: Agreement) -> bool:
    """The agreement names the unit as one whose purchases it covers (beyond the parties' acting units)."""
    return unit is not None and unit.id in a.covered_unit_ids


def visible_condition(p: Principal, unit: Unit | None):
    """:func:`can_view` as a WHERE condition on ``agreement`` (for lists: filter in the database, not after a limit)."""
    from sqlalchemy import exists, false, or_, true

    from .models import AgreementCoveredUnit

    if p.has(Role.admin):
        return true()
    if unit is None:
        return false()
    own_unit = exists().where(AgreementParty.agreement_id == Agreement.id, AgreementParty.unit_id == unit.id)
    covered = exists().where(AgreementCoveredUnit.agreement_id == Agreement.id, AgreementCoveredUnit.unit_id == unit.id)
    if unit.kind == UnitKind.nav_office:
        return or_(own_unit, covered)
    entity = exists().where(
        AgreementParty.agreement_id == Agreement.id, AgreementParty.legal_entity_id == unit.legal_entity_id,
        true() if p.has(Role.legal_reviewer) else AgreementParty.unit_id.is_(None),
    )
    return or_(own_unit, entity, covered)


def can_view(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    """Admin; the parties (:func:`involved`); and the units it covers, whose purchases are made under it (read only)."""
    return p.has(Role.admin) or involved(p, unit, a) or covers(unit, a)


def can_edit(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    drafting = p.has(Role.provider_coordinator) or p.has(Role.budget_owner) or p.has(Role.legal_reviewer)
    return drafting and involved(p, unit, a)


def can_review(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    return p.has(Role.legal_reviewer) and involved(p, unit, a)


# --- signatures ---------------------------------------------------------------------------------------------


def can_record_signatures(p: Principal) -> bool:
    """The route: the drafting roles sign for their own party; legal reviewers and administrators record paper signatures."""
    return can_draft_agreements(p) or p.has(Role.admin)


def can_sign(p: Principal, unit: Unit | None, a: Agreement) -> bool:
    """The object: a drafting role at a party (or a legal reviewer of one), or an administrator (paper only)."""
    return can_edit(p, unit, a) or p.has(Role.admin)


def signing_method(p: Principal, unit: Unit | None, party: AgreementParty) -> SignatureMethod | None:
    """How this user may record the party's signature: as the party itself (a member of its acting unit), on paper
    (a legal reviewer or an administrator, who must attach the signed PDF), or not at all (None)."""
    if acts_for(unit, party) and can_draft_agreements(p):
        return SignatureMethod.own_side
    if p.has(Role.legal_reviewer) or p.has(Role.admin):
        return SignatureMethod.on_paper
    return None
