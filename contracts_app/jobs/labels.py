"""How the jobs page names what it shows: a run's trigger, the counts a job returns, a schedule. The job
descriptions are in ``registry.py`` (lazy translations), a run's status in ``models.RunStatus``."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l

from .. import formats
from .schedule import Schedule

#: Each job's name in words (the technical name stays beside it, for the logs and `flask jobs run`).
TITLES = {
    "agreements.dates": _l("Agreements start and end"),
    "agreements.reminders": _l("Agreement reminders"),
    "capacity.offers": _l("Free-seat offers close"),
    "capacity.holds": _l("Held seats are released"),
    "capacity.reminders": _l("Free-seat reminders"),
    "budget.alerts": _l("Budget alerts"),
    "purchases.split_watch": _l("Split-purchase watch"),
    "retention.anonymise": _l("Participant data anonymised"),
    "notifications.digest": _l("Daily e-mail digest"),
    "law.reassess": _l("Re-assessment after a change of the law"),
    "notifications.mailer": _l("E-mail sending"),
}


def job_title(name: str) -> str:
    return str(TITLES.get(name, name))


def window_label(key: str) -> str:
    """A run's window key ("2026-12-07" or "2026-12-07T15:10Z", in UTC) the Norwegian way, in local time."""
    import datetime as dt

    try:
        if "T" in key:
            return formats.datetime(dt.datetime.fromisoformat(key).replace(tzinfo=dt.timezone.utc))
        return formats.date(dt.date.fromisoformat(key))
    except (TypeError, ValueError):
        return key


TRIGGERS = {
    "schedule": _l("on schedule"),
    "catch_up": _l("catch-up at start"),
    "manual": _l("run by hand"),
}

#: The keys of the dicts the jobs return (``registry.JOBS``), in words. An unknown key is shown as it is.
RESULT_KEYS = {
    # agreements.dates, agreements.reminders
    "activated": _l("agreements activated"),
    "expired": _l("agreements expired"),
    "checked": _l("checked"),
    "end_reminders": _l("reminders of an end"),
    "option_reminders": _l("reminders of an option deadline"),
    "notified": _l("notices"),
    # capacity.offers, capacity.holds, capacity.reminders
    "requests": _l("requests"),
    "offers": _l("offers"),
    "providers": _l("providers reminded"),
    "requesters": _l("requesters reminded"),
    # budget.alerts, purchases.split_watch
    "budgets": _l("budgets"),
    "warnings": _l("warnings"),
    "runouts": _l("forecast to run out"),
    "groups": _l("groups of purchases"),
    "alerts": _l("alerts"),
    # retention.anonymise
    "purchases": _l("purchases"),
    "participants": _l("participants anonymised"),
    "participants_kept": _l("participants not yet due"),
    "cutoff": _l("seats ended on or before"),
    "pruned_runs": _l("old job runs deleted"),
    "pruned_emails": _l("old e-mails deleted"),
    "pruned_api_answers": _l("old stored API answers deleted"),
    "pruned_login_counters": _l("expired login counters deleted"),
    # notifications.mailer, notifications.digest
    "immediate": _l("e-mails queued"),
    "digest": _l("kept for the digest"),
    "inbox_only": _l("inbox only"),
    "sent": _l("sent"),
    "failed": _l("failed"),
    "sink": _l("kept in the outbox, not sent (no SMTP server)"),
    "users": _l("users"),
    "digests": _l("digests"),
    "notices": _l("notices"),
    # law.reassess
    "changes": _l("changes of the law re-assessed"),
    "moved": _l("verdicts moved"),
}


def trigger_label(value: str) -> str:
    return str(TRIGGERS.get(value, value))


def _value(key: str, value) -> str:
    if isinstance(value, int):
        return formats.number(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if key == "cutoff" and isinstance(value, str):
        return formats.date(value)
    return str(value)


def result_items(result: dict | None) -> list[tuple[str, str]]:
    """What a run did, as (words, value) pairs in the job's order; zeros and empty lists are left out, so a run
    that did nothing gives an empty list."""
    items = []
    for key, value in (result or {}).items():
        if value in (0, None, "", []):
            continue
        items.append((str(RESULT_KEYS.get(key, key)), _value(key, value)))
    return items


def result_summary(result: dict | None) -> str:
    """One line: "3 sent, 1 failed" style, or "no changes"."""
    items = result_items(result)
    if not items:
        return gettext("no changes")
    return ", ".join(f"{label}: {value}" for label, value in items)


def schedule_label(schedule: Schedule) -> str:
    if schedule.every_minutes == 60:
        return gettext("every hour")
    if schedule.every_minutes == 1:
        return gettext("every minute")
    if schedule.every_minutes:
        return gettext("every %(n)d min", n=schedule.every_minutes)
    return gettext("daily at %(time)s", time=formats.clock_time(schedule.daily_at))
