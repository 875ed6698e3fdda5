"""The jobs: name → (function, schedule). Each function is ``(session, now) -> dict`` and idempotent; the runner
claims its window first (runner.py) and commits after it.

The issue's eight jobs, reminders before seats are lost to a hold running out, and the mailer that turns notices
into e-mail and sends the outbox. Jobs 3 and 4 call
the same service, ``capacity.services.expire_due``, which handles holds and offers offer by offer under the
seat locks; they differ in schedule: holds end at a time of day and are checked every five minutes, offers end
with a date and are checked right after midnight. Either run does the other's work if it is due — harmless,
because the service is idempotent.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from . import agreements, budget_alerts, retention, split_watch
from .schedule import Schedule


def _capacity_expire(session: Session, now: dt.datetime) -> dict:
    from ..capacity.expiry import expire_due
    from ..capacity.seats import HoldDays

    return expire_due(session, now=now, days=HoldDays.from_config(current_app.config))


def _capacity_remind(session: Session, now: dt.datetime) -> dict:
    from ..capacity.expiry import remind_expiring

    return remind_expiring(session, now=now)


def _law_reassess(session: Session, now: dt.datetime) -> dict:
    from ..audit import SYSTEM
    from ..lawchange.services import reassess_pending

    return reassess_pending(session, now=now, actor=SYSTEM)


def _mailer(session: Session, now: dt.datetime) -> dict:
    from ..notifications.email import mailer

    return mailer(session, now)


def _digest(session: Session, now: dt.datetime) -> dict:
    from ..notifications.email import send_digests

    return send_digests(session, now)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[Session, dt.datetime], dict]
    schedule: Schedule
    description: str  # a lazy translation: shown in the reader's language


def _daily(h: int, m: int) -> Schedule:
    return Schedule(daily_at=dt.time(h, m))


JOBS: dict[str, Job] = {j.name: j for j in [
    Job("agreements.dates", agreements.date_transitions, _daily(0, 10),
        _l("Agreements become active on their start date and expire after their end date.")),
    Job("agreements.reminders", agreements.reminders, _daily(6, 0),
        _l("Reminders 180, 90, 30 and 7 days before an agreement ends and 30 and 7 days before an option deadline.")),
    Job("capacity.offers", _capacity_expire, _daily(0, 5),
        _l("Offers of free seats end after their request deadline or period (with their open requests).")),
    Job("capacity.holds", _capacity_expire, Schedule(every_minutes=5),
        _l("Holds and waiting-list offers that ran out are released; the waiting list moves on.")),
    Job("capacity.reminders", _capacity_remind, Schedule(every_minutes=60),
        _l("A day before a hold runs out the provider is reminded to answer; a day before seats offered from a waiting list run out the requester is reminded to take them.")),
    Job("budget.alerts", budget_alerts.run, Schedule(every_minutes=60),
        _l("Budget owners are told when a budget passes its warning level or is forecast to run out within 60 days.")),
    Job("purchases.split_watch", split_watch.run, _daily(1, 30),
        _l("Related purchases per buyer, supplier and need over 12 months, alerted at 80 percent of the next threshold.")),
    Job("retention.anonymise", retention.run, _daily(3, 30),
        _l("Participant references and consent data are anonymised a set number of months after the seat ended.")),
    Job("notifications.digest", _digest, _daily(7, 0),
        _l("One e-mail a day per user with the notices they chose to get as a digest.")),
    Job("law.reassess", _law_reassess, Schedule(every_minutes=1),
        _l("After a change of the law data, open agreements, requests and purchases are re-assessed once; legal reviewers are told which verdicts moved.")),
    Job("notifications.mailer", _mailer, Schedule(every_minutes=1),
        _l("New notices become e-mails by each user's choice; the outbox is sent, failures retried with backoff.")),
]}
