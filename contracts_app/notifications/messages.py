"""The text of each notification kind, translated when it is shown (so each reader gets their language).

Parameters are stored raw (ISO dates, amounts as strings, enum values) and formatted here, in the reader's
language, by the formatters named in ``FORMAT``.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from flask_babel import get_translations, gettext, lazy_gettext as _l, ngettext as _ngettext

from .. import formats
from ..courses.models import CourseKind


class Plural(NamedTuple):
    """A message with a singular and a plural form, chosen by the stored parameter ``count`` (a number of seats,
    days …) when the message is shown."""

    singular: str
    plural: str
    count: str


def ngettext(singular: str, plural: str, count: str) -> Plural:
    """Marks a plural message for the catalogue (extracted like ``ngettext``); :func:`render` translates it."""
    return Plural(singular, plural, count)


MESSAGES = {
    "capacity.request_received": ngettext("%(unit)s requests %(seats)s seat on %(course)s. The seat is held until %(until)s.",
                                          "%(unit)s requests %(seats)s seats on %(course)s. The seats are held until %(until)s.", "seats"),
    "capacity.request_waiting": ngettext("%(unit)s joined the waiting list for %(seats)s seat on %(course)s.",
                                         "%(unit)s joined the waiting list for %(seats)s seats on %(course)s.", "seats"),
    "capacity.request_accepted": ngettext("Your request for %(seats)s seat on %(course)s was accepted: the purchase is confirmed.",
                                          "Your request for %(seats)s seats on %(course)s was accepted: the purchase is confirmed.", "seats"),
    "capacity.request_declined": ngettext("Your request for %(seats)s seat on %(course)s was declined: %(reason)s",
                                          "Your request for %(seats)s seats on %(course)s was declined: %(reason)s", "seats"),
    "capacity.request_withdrawn": ngettext("%(unit)s withdrew its request for %(seats)s seat on %(course)s.",
                                           "%(unit)s withdrew its request for %(seats)s seats on %(course)s.", "seats"),
    "capacity.request_expired": ngettext("The hold on %(seats)s seat on %(course)s for %(unit)s expired without an answer; the seat is free again.",
                                         "The hold on %(seats)s seats on %(course)s for %(unit)s expired without an answer; the seats are free again.", "seats"),
    "capacity.waitlist_offered": ngettext("Seats became free on %(course)s: take your %(seats)s seat before %(until)s, or it goes to the next in line.",
                                          "Seats became free on %(course)s: take your %(seats)s seats before %(until)s, or they go to the next in line.", "seats"),
    "capacity.waitlist_taken": ngettext("%(unit)s took the %(seats)s seat offered from the waiting list on %(course)s. The seat is held until %(until)s.",
                                        "%(unit)s took the %(seats)s seats offered from the waiting list on %(course)s. The seats are held until %(until)s.", "seats"),
    "capacity.offer_withdrawn": _l("The offer of free seats on %(course)s was withdrawn; your request ended: %(reason)s"),
    "capacity.hold_expiring": ngettext("%(unit)s's request for %(seats)s seat on %(course)s is held only until %(until)s: answer it before then, or the seat is released.",
                                       "%(unit)s's request for %(seats)s seats on %(course)s is held only until %(until)s: answer it before then, or the seats are released.", "seats"),
    "capacity.offered_expiring": ngettext("The %(seats)s seat offered to you from the waiting list on %(course)s is yours only until %(until)s: take it before then.",
                                          "The %(seats)s seats offered to you from the waiting list on %(course)s are yours only until %(until)s: take them before then.", "seats"),
    # scheduled jobs (contracts_app/jobs)
    "agreement.ends_soon": ngettext("The agreement “%(title)s” ends on %(end)s, in %(days)s day. Decide in time whether to renew, exercise an option or let it end.",
                                    "The agreement “%(title)s” ends on %(end)s, in %(days)s days. Decide in time whether to renew, exercise an option or let it end.", "days"),
    "agreement.option_deadline": ngettext("Option %(option)s of the agreement “%(title)s” (%(months)s months) must be decided by %(deadline)s, in %(days)s day; the agreement now ends on %(end)s.",
                                          "Option %(option)s of the agreement “%(title)s” (%(months)s months) must be decided by %(deadline)s, in %(days)s days; the agreement now ends on %(end)s.", "days"),
    "agreement.activated": _l("The agreement “%(title)s” is active from %(start)s."),
    "agreement.expired": _l("The agreement “%(title)s” expired: it ended on %(end)s. Purchases under it are no longer covered."),
    "agreement.submitted": _l("The agreement “%(title)s” was sent to legal review (version %(version)s): you can review it."),
    "agreement.resubmitted": _l("The agreement “%(title)s” was sent to legal review again after changes (version %(version)s): you can review it."),
    "agreement.commented": _l("%(name)s commented on the agreement “%(title)s”."),
    "agreement.changes_requested": _l("Legal review asks for changes to the agreement “%(title)s”: %(note)s"),
    "agreement.approved": _l("The agreement “%(title)s” was approved in legal review (version %(version)s) and can now be signed."),
    "agreement.party_signed": _l("%(party)s signed the agreement “%(title)s”. The other parties must sign too."),
    "agreement.signed": _l("Every party has signed the agreement “%(title)s” (the last was %(party)s)."),
    "agreement.terminated": _l("The agreement “%(title)s” was terminated; it ends on %(date)s: %(reason)s"),
    "budget.warning_crossed": _l("The budget “%(line)s” %(year)s of %(unit)s has passed its warning level: %(pct)s %% used (warning at %(warning)s %%), %(remaining)s left."),
    "budget.runout_soon": ngettext("At the rate so far, the budget “%(line)s” %(year)s of %(unit)s runs out on %(date)s, in %(days)s day.",
                                   "At the rate so far, the budget “%(line)s” %(year)s of %(unit)s runs out on %(date)s, in %(days)s days.", "days"),
    "budget.runout_planned": ngettext("The commitments already made on the budget “%(line)s” %(year)s of %(unit)s use it up on %(date)s, in %(days)s day.",
                                      "The commitments already made on the budget “%(line)s” %(year)s of %(unit)s use it up on %(date)s, in %(days)s days.", "days"),
    "auth.access_requested": _l("%(name)s logged in with single sign-on and asks for access to the course portal. Message: %(note)s. Register the person under Users if they should have access."),
    "law.reassessed": ngettext("A change of the law data on %(date)s moved the verdict of %(moved)s open item you answer for. Check it under «Changes after a change of the law» and mark it handled.",
                               "A change of the law data on %(date)s moved the verdict of %(moved)s open items you answer for. Check them under «Changes after a change of the law» and mark each handled.", "moved"),
    "purchases.split_risk": _l("Purchases by %(buyer)s from %(supplier)s for the same need (%(need)s) add up to %(total)s over the last 12 months: %(pct)s %% of the %(threshold_name)s of %(threshold)s. Purchases of the same kind must be viewed together (VAL-06): consider an agreement or a procurement before buying more."),
    "purchases.override_requested": ngettext("%(unit)s asks for an override of the budget line “%(line)s” %(year)s: %(seats)s seat on %(course)s for %(total)s. Reason: %(reason)s. Open the purchase to approve or refuse it.",
                                             "%(unit)s asks for an override of the budget line “%(line)s” %(year)s: %(seats)s seats on %(course)s for %(total)s. Reason: %(reason)s. Open the purchase to approve or refuse it.", "seats"),
    "purchases.override_approved": ngettext("Your override request for %(seats)s seat on %(course)s was approved by %(who)s: the purchase is confirmed. Note: %(note)s",
                                            "Your override request for %(seats)s seats on %(course)s was approved by %(who)s: the purchase is confirmed. Note: %(note)s", "seats"),
    "purchases.override_refused": ngettext("Your override request for %(seats)s seat on %(course)s was refused by %(who)s: %(note)s",
                                           "Your override request for %(seats)s seats on %(course)s was refused by %(who)s: %(note)s", "seats"),
}

# The kinds a user can choose e-mail for, in the order of the settings page, with a short label.
KIND_LABELS = {
    "capacity.request_received": _l("A request for your free seats"),
    "capacity.request_waiting": _l("Someone joined your waiting list"),
    "capacity.request_withdrawn": _l("A request for your seats was withdrawn"),
    "capacity.request_expired": _l("A hold on your seats expired"),
    "capacity.waitlist_taken": _l("Seats offered from your waiting list were taken"),
    "capacity.request_accepted": _l("Your request was accepted"),
    "capacity.request_declined": _l("Your request was declined"),
    "capacity.waitlist_offered": _l("Seats are offered to you from a waiting list"),
    "capacity.offer_withdrawn": _l("An offer you requested seats on was withdrawn"),
    "capacity.hold_expiring": _l("A request to you must be answered within a day"),
    "capacity.offered_expiring": _l("Seats offered to you from a waiting list must be taken within a day"),
    "agreement.ends_soon": _l("An agreement ends soon (180, 90, 30 and 7 days before)"),
    "agreement.option_deadline": _l("An option must be decided soon (30 and 7 days before)"),
    "agreement.activated": _l("An agreement became active"),
    "agreement.expired": _l("An agreement expired"),
    "agreement.submitted": _l("An agreement was sent to you for legal review"),
    "agreement.resubmitted": _l("An agreement was sent to you for legal review again"),
    "agreement.commented": _l("A comment on an agreement you take part in"),
    "agreement.changes_requested": _l("Legal review asks for changes to your agreement"),
    "agreement.approved": _l("Your agreement was approved in legal review"),
    "agreement.party_signed": _l("A party signed an agreement"),
    "agreement.signed": _l("Every party signed an agreement"),
    "agreement.terminated": _l("An agreement was terminated"),
    "budget.warning_crossed": _l("A budget passed its warning level"),
    "budget.runout_soon": _l("A budget runs out within 60 days"),
    "budget.runout_planned": _l("A budget for a coming year is used up by its commitments within 60 days"),
    "purchases.split_risk": _l("Related purchases near a procurement threshold"),
    "purchases.override_requested": _l("An override of a budget line is requested"),
    "purchases.override_approved": _l("Your override request was approved"),
    "purchases.override_refused": _l("Your override request was refused"),
    "law.reassessed": _l("A change of the law moved verdicts of open items"),
    "auth.access_requested": _l("Someone asks for access to the course portal"),
}

# Without a saved choice every kind comes in the daily digest: one e-mail a day at most, nothing missed.
DEFAULT_MODE = "digest"


def _date(value) -> str:
    try:
        return formats.date(dt.date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _money(value) -> str:
    try:
        return formats.money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _course_kind(value) -> str:
    return CourseKind.label_of(value)


def _pct(value) -> str:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return formats.number(d, 0 if d == d.to_integral_value() else 1)


def _threshold_name(value) -> str:
    from ..rulecheck.labels import threshold_name

    return threshold_name(value)


FORMAT = {
    "end": _date, "start": _date, "deadline": _date, "date": _date,
    "remaining": _money, "total": _money, "threshold": _money,
    "pct": _pct, "warning": _pct,
    "need": _course_kind, "threshold_name": _threshold_name,
}


def render(kind: str, params: dict) -> str:
    template = MESSAGES.get(kind)
    if template is None:
        return kind
    shown = {k: (FORMAT[k](v) if k in FORMAT and v is not None else v) for k, v in (params or {}).items()}
    if isinstance(template, Plural):
        n = _count(shown.get(template.count))
        try:
            return _ngettext(template.singular, template.plural, n, **shown)
        except (KeyError, ValueError, TypeError):  # a notice stored before its text changed: show it unfilled
            return get_translations().ungettext(template.singular, template.plural, n)
    # The lazy string keeps its message id; translate it now, in the reader's locale, with the parameters.
    try:
        return gettext(template._args[0], **shown)
    except (KeyError, ValueError, TypeError):  # a notice stored before its text changed: show it unfilled
        return gettext(template._args[0])


def _count(value) -> int:
    """The number that picks the plural form; a missing or unreadable count (an old notice) reads as plural."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 2


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
