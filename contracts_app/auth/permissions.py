"""Who may do what: pure predicates over a :class:`Principal`.

Every view declares one of these with :func:`contracts_app.auth.access.requires`; the route × role matrix
test walks every route and checks the answer for every role. A predicate never looks at the request.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .models import Role


@dataclass(frozen=True)
class Principal:
    """A logged-in user acting for their active unit with the roles they hold there."""

    user_id: int
    unit_id: int | None
    roles: frozenset[Role] = field(default_factory=frozenset)

    def has(self, role: Role) -> bool:
        return role in self.roles


def authenticated(p: Principal) -> bool:
    return True


def is_admin(p: Principal) -> bool:
    return p.has(Role.admin)


def can_manage_organisations(p: Principal) -> bool:
    return p.has(Role.admin)


def can_manage_users(p: Principal) -> bool:
    return p.has(Role.admin)


def can_manage_api_tokens(p: Principal) -> bool:
    """The API token pages: every member with a role at their active unit (their own tokens; a provider
    coordinator also the unit's) and administrators (every token). A token acts as its creator with at most their
    roles at its unit, so which units and tokens each may create or revoke is decided in ``api/tokens.py``."""
    return bool(p.roles)


def can_view_audit(p: Principal) -> bool:
    return p.has(Role.admin)


def can_buy_seats(p: Principal) -> bool:
    return p.has(Role.advisor)


def can_publish_capacity(p: Principal) -> bool:
    return p.has(Role.provider_coordinator)


def can_manage_budget(p: Principal) -> bool:
    return p.has(Role.budget_owner)


def can_review_legal(p: Principal) -> bool:
    return p.has(Role.legal_reviewer)


def can_use_rules_check(p: Principal) -> bool:
    """The rules check page (Regelsjekk) is for legal staff and admins."""
    return p.has(Role.legal_reviewer) or p.has(Role.admin)


def can_manage_thresholds(p: Principal) -> bool:
    """Threshold periods are legal data: legal reviewers and admins add and activate them."""
    return p.has(Role.legal_reviewer) or p.has(Role.admin)


def can_view_law_changes(p: Principal) -> bool:
    """The impact list of a change of the law: legal reviewers act on it, admins may read it."""
    return p.has(Role.legal_reviewer) or p.has(Role.admin)


def can_manage_courses(p: Principal) -> bool:
    """Provider coordinators manage their unit's courses (a Nav office may also own courses it bought)."""
    return p.has(Role.provider_coordinator)


def can_view_purchases(p: Principal) -> bool:
    return p.has(Role.advisor) or p.has(Role.budget_owner) or p.has(Role.provider_coordinator)


def can_act_for_buyer(p: Principal) -> bool:
    """The buying unit's own papers for a purchase (the order confirmation lists its participant references)."""
    return p.has(Role.advisor) or p.has(Role.budget_owner)


def can_cancel_purchase(p: Principal) -> bool:
    return p.has(Role.advisor) or p.has(Role.budget_owner)


def can_view_agreements(p: Principal) -> bool:
    """Everyone sees the agreements of their own unit (scoped per agreement in the views); admin sees all."""
    return bool(p.roles)


def can_draft_agreements(p: Principal) -> bool:
    """Provider coordinators, budget owners and legal reviewers of a party's unit decide and document agreements."""
    return p.has(Role.provider_coordinator) or p.has(Role.budget_owner) or p.has(Role.legal_reviewer)
