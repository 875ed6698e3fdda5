"""The agreement lifecycle as data: states, and the one table of allowed transitions (pure).

Every status change goes through a named service function that checks this table first; the table is
tested pair by pair (tests/agreements/test_states.py).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import TransitionNotAllowed
from ..vocab import LabelledEnum


class AgreementStatus(LabelledEnum):
    draft = "draft"  # being written; every save is a version
    in_review = "in_review"  # submitted; a legal reviewer who did not draft it reads the frozen version
    changes_requested = "changes_requested"  # the reviewer sent it back with comments
    approved = "approved"  # facts, ruleset, verdict and document frozen; waiting for signatures
    signed = "signed"  # every party has signed; not yet started
    active = "active"  # from the start date
    expired = "expired"  # after the end date (incl. exercised options)
    terminated = "terminated"  # ended early, with a reason

    __labels__ = {
        "draft": _l("Draft"), "in_review": _l("In legal review"), "changes_requested": _l("Changes requested"),
        "approved": _l("Approved"), "signed": _l("Signed"), "active": _l("Active"), "expired": _l("Expired"),
        "terminated": _l("Terminated"),
    }


S = AgreementStatus

# (from, to) → the service action that performs it. Nothing else may change the status.
TRANSITIONS: dict[tuple[AgreementStatus, AgreementStatus], str] = {
    (S.draft, S.in_review): "submit",
    (S.changes_requested, S.in_review): "submit",
    (S.in_review, S.changes_requested): "request_changes",
    (S.in_review, S.approved): "approve",
    # An edit after approval makes a new version that needs review again.
    (S.approved, S.draft): "edit",
    (S.approved, S.signed): "sign",
    (S.signed, S.active): "activate",  # date-driven (apply_date_transitions) or at signing when already started
    (S.active, S.expired): "expire",  # date-driven
    (S.signed, S.terminated): "terminate",
    (S.active, S.terminated): "terminate",
}

# States in which the content may be edited (a save makes a new version).
EDITABLE = frozenset({S.draft, S.changes_requested, S.approved})
# States in which the agreement is a legal frame for purchases.
IN_FORCE = frozenset({S.signed, S.active})
# States in which options may be exercised or undone.
OPTIONS_ALLOWED = frozenset({S.signed, S.active})


def can_transition(current: AgreementStatus, target: AgreementStatus) -> bool:
    return (current, target) in TRANSITIONS


def check_transition(current: AgreementStatus, target: AgreementStatus, action: str) -> None:
    """Raise unless ``action`` is the action that moves ``current`` to ``target``."""
    if TRANSITIONS.get((current, target)) != action:
        raise TransitionNotAllowed(current, target, action=action)


def targets(current: AgreementStatus) -> dict[AgreementStatus, str]:
    return {to: action for (frm, to), action in TRANSITIONS.items() if frm == current}
