"""Threshold periods in the database (add, activate, load the shipped table), the table in force, scenarios."""
from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..clock import OSLO
from ..db import core_connection
from ..errors import Conflict, NotFound, ValidationFailed
from ..money import parse_amount
from ..rules.thresholds import KEY_RULES, ThresholdTable, ThresholdTableError
from .models import Scenario, ThresholdPeriod

PERIOD_FIELDS = ["key", "value_nok", "effective_from", "effective_to", "source", "last_verified", "status", "note"]

_cache_lock = threading.Lock()
_cache: dict[tuple, ThresholdTable] = {}


# The table's version summary (see current_table), built once: every purchase reads it, and building the
# select costs more CPU than running it. A purchase's assessment reads it with its facts (purchases.facts).
TABLE_VERSION = select(
    func.count(), func.max(ThresholdPeriod.id), func.count(ThresholdPeriod.effective_to),
    func.max(ThresholdPeriod.effective_to), func.count(ThresholdPeriod.effective_from),
    func.sum(case((ThresholdPeriod.status == "active", 1), else_=0)),
    func.sum(ThresholdPeriod.value_nok), func.max(ThresholdPeriod.effective_from),
)


def current_table(session: Session, version=None) -> ThresholdTable:
    """The threshold table in the database, or the shipped one while the database has none.

    Tables are cached by their rows, so the per-date lookup cache inside a table survives between requests
    and a change by an administrator is seen at once. ``version``: the ``TABLE_VERSION`` summary when the
    caller read it in the same transaction (with other things, saving a round trip).
    """
    # Periods are only ever added, activated or closed, so this small summary changes whenever the table
    # does; reading it is one cheap query instead of loading every row on every assessment.
    if version is None:
        version = core_connection(session).execute(TABLE_VERSION).one()
    version = tuple(version) + (str(session.get_bind().engine.url),)
    if version[0] == 0:
        return ThresholdTable.shipped()
    with _cache_lock:
        table = _cache.get(version)
    if table is None:
        rows = session.scalars(select(ThresholdPeriod).order_by(ThresholdPeriod.id)).all()
        table = ThresholdTable.from_rows(r.as_row() for r in rows)
        with _cache_lock:
            if len(_cache) > 32:
                _cache.clear()
            _cache[version] = table
    return table


def load_shipped(session: Session, *, actor: Actor, now: dt.datetime) -> int:
    """Insert the shipped periods the database does not have yet (same key, start and status). Idempotent."""
    have = {(p.key, p.effective_from, p.status, p.value_nok) for p in session.scalars(select(ThresholdPeriod))}
    added = 0
    for row in ThresholdTable.shipped().rows:
        if (row.key, row.effective_from, row.status, row.value_nok) in have:
            continue
        period = ThresholdPeriod(
            key=row.key, value_nok=row.value_nok, effective_from=row.effective_from, effective_to=row.effective_to,
            source=row.source, last_verified=row.last_verified, status=row.status, note=row.note, created_at=now,
        )
        session.add(period)
        session.flush()
        audit.record(session, actor, "threshold.loaded", period, at=now, after=audit.snapshot(period, PERIOD_FIELDS))
        added += 1
    _check_table(session)
    return added


def _check_table(session: Session) -> None:
    session.flush()
    try:
        ThresholdTable.from_rows(p.as_row() for p in session.scalars(select(ThresholdPeriod)))
    except ThresholdTableError as exc:
        raise ValidationFailed(_("The threshold table would be inconsistent."), errors=[{"path": "effective_from", "message": str(exc)}]) from exc


def _parse(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    errors: list[dict] = []
    out: dict[str, Any] = {}
    key = data.get("key")
    if key not in KEY_RULES:
        errors.append({"path": "key", "message": _("Choose which threshold this is.")})
    out["key"] = key
    value, problem = parse_amount(data.get("value_nok"))
    if problem is not None or value == 0:
        errors.append({"path": "value_nok", "message": _("Enter the amount in NOK excluding VAT, above zero.")})
    out["value_nok"] = value
    for name in ("effective_from", "last_verified"):
        value = data.get(name)
        out[name] = value if isinstance(value, dt.date) or value is None else None
    source = (data.get("source") or "").strip()
    if len(source) < 3 or len(source) > 2000:
        errors.append({"path": "source", "message": _("Name the source (law, regulation, notice) of the figure.")})
    out["source"] = source
    out["note"] = (data.get("note") or "").strip()[:2000]
    return out, errors


def _active_periods(session: Session, key: str) -> list[ThresholdPeriod]:
    return session.scalars(
        select(ThresholdPeriod).where(ThresholdPeriod.key == key, ThresholdPeriod.status == "active")
    ).all()


def _place_active(session: Session, period: ThresholdPeriod, *, actor: Actor, now: dt.datetime) -> None:
    """Close the open period before ``period``; refuse a start in the past or before an existing period.

    The past is never rewritten: what was in force yesterday stays what it was, so every assessment already
    made can be reproduced from the table it recorded.
    """
    today = now.astimezone(OSLO).date()
    if period.effective_from < today:
        raise ValidationFailed(
            _("A period cannot start in the past."),
            errors=[{"path": "effective_from", "message": _(
                "Past periods are never rewritten: the new period must start today (%(today)s) or later.",
                today=today.strftime("%d.%m.%Y"))}],
        )
    for other in _active_periods(session, period.key):
        if other.id == period.id:
            continue
        if other.effective_from and other.effective_from >= period.effective_from:
            raise ValidationFailed(
                _("A period must start after every existing one."),
                errors=[{"path": "effective_from", "message": _(
                    "A period of this threshold already starts on %(date)s. Periods are never rewritten: "
                    "choose a later start date.", date=other.effective_from.strftime("%d.%m.%Y"))}],
            )
        if other.effective_to is None or other.effective_to >= period.effective_from:
            before = audit.snapshot(other, PERIOD_FIELDS)
            other.effective_to = period.effective_from - dt.timedelta(days=1)
            audit.record(session, actor, "threshold.period_closed", other, at=now, before=before,
                         after=audit.snapshot(other, PERIOD_FIELDS))


def add_period(session: Session, data: dict[str, Any], *, actor: Actor, now: dt.datetime) -> ThresholdPeriod:
    """Add a new period: active (from a date; the open period before it is closed) or pending (not used yet)."""
    parsed, errors = _parse(data)
    status = data.get("status")
    if status not in ("active", "pending"):
        errors.append({"path": "status", "message": _("Choose active or pending.")})
    if status == "active" and parsed.get("effective_from") is None:
        errors.append({"path": "effective_from", "message": _("An active period needs the date it enters into force.")})
    if errors:
        raise ValidationFailed(_("The threshold period was not saved."), errors=errors)
    period = ThresholdPeriod(**parsed, status=status, effective_to=None, created_at=now, created_by_id=actor.user_id)
    if status == "active":
        _place_active(session, period, actor=actor, now=now)
    session.add(period)
    session.flush()
    audit.record(session, actor, "threshold.period_added", period, at=now, after=audit.snapshot(period, PERIOD_FIELDS))
    _check_table(session)
    return period


def activate(session: Session, period_id: int, *, effective_from: dt.date | None, actor: Actor, now: dt.datetime) -> ThresholdPeriod:
    period = session.get(ThresholdPeriod, period_id)
    if period is None:
        raise NotFound(_("No such threshold period."))
    if period.status != "pending":
        raise Conflict(_("Only a pending period can be activated."))
    if effective_from is None:
        raise ValidationFailed(_("The period was not activated."), errors=[{"path": "effective_from", "message": _("Give the date it enters into force.")}])
    before = audit.snapshot(period, PERIOD_FIELDS)
    period.effective_from = effective_from
    period.status = "active"
    _place_active(session, period, actor=actor, now=now)
    session.flush()
    audit.record(session, actor, "threshold.period_activated", period, at=now, before=before, after=audit.snapshot(period, PERIOD_FIELDS))
    _check_table(session)
    return period


def save_scenario(session: Session, *, name: str, facts: dict, actor: Actor, now: dt.datetime, scenario_id: int | None = None) -> Scenario:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("The scenario was not saved."), errors=[{"path": "name", "message": _("Give the scenario a name (at most 200 characters).")}])
    if scenario_id:
        scenario = session.get(Scenario, scenario_id)
        if scenario is None or scenario.unit_id != actor.unit_id:
            raise NotFound(_("No such scenario."))
        scenario.name, scenario.facts, scenario.updated_at = name, facts, now
        action = "scenario.updated"
    else:
        scenario = Scenario(name=name, facts=facts, created_by_id=actor.user_id, unit_id=actor.unit_id, created_at=now, updated_at=now)
        session.add(scenario)
        action = "scenario.saved"
    session.flush()
    audit.record(session, actor, action, scenario, at=now, after={"name": name})
    return scenario
