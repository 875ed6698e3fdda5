"""Agreement jobs: status by date, and reminders before the end and before option deadlines.

Who is told (decided here, documented in docs/architecture.md): for every party acting through a unit, that
unit's provider coordinators and budget owners (they decide on renewal and pay), and the legal reviewers who
answer for a party's legal entity (the scope in which they review agreements). Advisors are not told: they buy
under agreements but do not renew them.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..agreements.models import Agreement
from ..agreements.queries import next_option
from ..agreements.lifecycle import apply_date_transitions
from ..agreements.states import IN_FORCE
from ..audit import SYSTEM
from ..auth.models import Role
from ..clock import local_date
from ..notifications.services import legal_reviewers_of, notify_users, users_with_roles
from ..rules.dates import add_months

END_OFFSETS = (180, 90, 30, 7)  # days before the end date
OPTION_OFFSETS = (30, 7)  # days before the option deadline
DECIDERS = (Role.provider_coordinator, Role.budget_owner)




def recipients(session: Session, a: Agreement) -> list[int]:
    units = [p.unit_id for p in a.parties if p.unit_id]
    entities = [p.legal_entity_id for p in a.parties if p.legal_entity_id]
    return sorted(set(users_with_roles(session, units, DECIDERS)) | set(legal_reviewers_of(session, entities)))


def _link(a: Agreement) -> str:
    return f"/agreements/{a.id}"


def reached_offset(days_left: int, offsets: tuple[int, ...]) -> int | None:
    """The smallest reminder offset already reached: 100 days left → 180; 25 → 30; 40 days past 90 → 90.
    After a missed day the job sends the reminder that is due now, never a stale earlier one."""
    reached = [o for o in offsets if days_left <= o]
    return min(reached) if reached and days_left >= 0 else None


def option_deadline(a: Agreement, notice_months: int) -> dt.date:
    """The last day to decide the next option: ``notice_months`` before the current end date."""
    return add_months(a.end_date, -notice_months)


def date_transitions(session: Session, now: dt.datetime) -> dict:
    """Job 1: signed agreements become active at their start date, active ones expire after their end date."""
    changes = apply_date_transitions(session, local_date(now), SYSTEM, now=now)
    told = 0
    for agreement_id, _before, after in changes:
        a = session.get(Agreement, agreement_id)
        if after == "active":
            told += notify_users(session, recipients(session, a), "agreement.activated",
                                 {"title": a.title, "start": a.start_date.isoformat()}, link=_link(a), now=now,
                                 dedupe_key=f"agreement.activated:{a.id}")
        elif after == "expired":
            told += notify_users(session, recipients(session, a), "agreement.expired",
                                 {"title": a.title, "end": a.end_date.isoformat()}, link=_link(a), now=now,
                                 dedupe_key=f"agreement.expired:{a.id}:{a.end_date.isoformat()}")
    return {"activated": sum(1 for c in changes if c[2] == "active"),
            "expired": sum(1 for c in changes if c[2] == "expired"), "notified": told}


def reminders(session: Session, now: dt.datetime) -> dict:
    """Job 2: reminders 180, 90, 30 and 7 days before an agreement in force ends, and 30 and 7 days before the
    deadline for its next option. Each (agreement, end date, offset) is told once per user (dedupe keys include
    the end date, so exercising an option starts the reminders again for the new end)."""
    today = local_date(now)
    notice = current_app.config["OPTION_NOTICE_MONTHS"]
    horizon = add_months(today, notice) + dt.timedelta(days=max(END_OFFSETS))
    agreements = session.scalars(
        select(Agreement).where(Agreement.status.in_(list(IN_FORCE)), Agreement.end_date >= today,
                                Agreement.end_date <= horizon).order_by(Agreement.id)
    ).all()
    ends = options = told = 0
    for a in agreements:
        days = (a.end_date - today).days
        offset = reached_offset(days, END_OFFSETS)
        who = None
        if offset is not None:
            who = recipients(session, a)
            n = notify_users(session, who, "agreement.ends_soon", {"title": a.title, "end": a.end_date.isoformat(), "days": days},
                             link=_link(a), now=now, dedupe_key=f"agreement.ends_soon:{a.id}:{a.end_date.isoformat()}:{offset}")
            ends += int(n > 0)
            told += n
        nxt = next_option(a)
        if nxt is not None:
            deadline = option_deadline(a, notice)
            d = (deadline - today).days
            off = reached_offset(d, OPTION_OFFSETS)
            if off is not None:
                who = who if who is not None else recipients(session, a)
                sequence, months = nxt
                n = notify_users(session, who, "agreement.option_deadline",
                                 {"title": a.title, "option": sequence, "months": months, "deadline": deadline.isoformat(),
                                  "days": d, "end": a.end_date.isoformat()},
                                 link=_link(a), now=now,
                                 dedupe_key=f"agreement.option_deadline:{a.id}:{sequence}:{deadline.isoformat()}:{off}")
                options += int(n > 0)
                told += n
    return {"checked": len(agreements), "end_reminders": ends, "option_reminders": options, "notified": told}
