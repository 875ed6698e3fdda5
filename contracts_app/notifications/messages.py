"""The text of each notification kind, translated when it is shown (so each reader gets their language)."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l

MESSAGES = {
    "capacity.request_received": _l("%(unit)s requests %(seats)s seat(s) on %(course)s. The seats are held until %(until)s."),
    "capacity.request_waiting": _l("%(unit)s joined the waiting list for %(seats)s seat(s) on %(course)s."),
    "capacity.request_accepted": _l("Your request for %(seats)s seat(s) on %(course)s was accepted: the purchase is confirmed."),
    "capacity.request_declined": _l("Your request for %(seats)s seat(s) on %(course)s was declined: %(reason)s"),
    "capacity.request_withdrawn": _l("%(unit)s withdrew its request for %(seats)s seat(s) on %(course)s."),
    "capacity.request_expired": _l("The hold on %(seats)s seat(s) on %(course)s for %(unit)s expired without an answer; the seats are free again."),
    "capacity.waitlist_offered": _l("Seats became free on %(course)s: take your %(seats)s seat(s) before %(until)s, or they go to the next in line."),
    "capacity.waitlist_taken": _l("%(unit)s took the %(seats)s seat(s) offered from the waiting list on %(course)s. The seats are held until %(until)s."),
    "capacity.offer_withdrawn": _l("The offer of free seats on %(course)s was withdrawn; your request ended: %(reason)s"),
}


def render(kind: str, params: dict) -> str:
    template = MESSAGES.get(kind)
    if template is None:
        return kind
    # The lazy string keeps its message id; translate it now, in the reader's locale, with the parameters.
    try:
        return gettext(template._args[0], **params)
    except (KeyError, ValueError, TypeError):  # a notice stored before its text changed: show it unfilled
        return gettext(template._args[0])
