"""Threshold periods and law versions in the database (add, activate, verify, load the shipped table), the table
in force, the record of each change of the law data (for the law-change impact report), scenarios."""
from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..formats import date as fmt_date, local_date
from ..errors import Conflict, NotFound, ValidationFailed
from ..money import parse_amount
from ..rules.thresholds import KEY_RULES, ThresholdTable, ThresholdTableError
from .models import LawChange, LawVersionPeriod, Scenario, ThresholdPeriod

PERIOD_FIELDS = ["key", "rule_id", "value_nok", "effective_from", "effective_to", "source", "last_verified", "status", "note",
                 "verification_note"]
LAW_FIELDS = ["name", "effective_from", "effective_to", "title", "title_en", "source", "last_verified", "status",
              "verification_note"]

_cache_lock = threading.Lock()
_cache: dict[tuple, ThresholdTable] = {}


# The table's version summary (see current_table), built once: every purchase reads it, and building the
# select costs more CPU than running it. A purchase's assessment reads it with its facts (purchases.facts).
# Law versions are part of the table (each assessment names the one in force), so their summary is in it too;
# so are verifications (an assessment says whether the law version it applied is verified).
TABLE_VERSION = select(
    func.count(), func.max(ThresholdPeriod.id), func.count(ThresholdPeriod.effective_to),
    func.max(ThresholdPeriod.effective_to), func.count(ThresholdPeriod.effective_from),
    func.sum(case((ThresholdPeriod.status == "active", 1), else_=0)),
    func.sum(ThresholdPeriod.value_nok), func.max(ThresholdPeriod.effective_from),
    func.count(ThresholdPeriod.last_verified),
    *(select(agg).scalar_subquery() for agg in (
        func.count(LawVersionPeriod.id), func.max(LawVersionPeriod.id), func.count(LawVersionPeriod.effective_to),
        func.max(LawVersionPeriod.effective_to), func.count(LawVersionPeriod.last_verified),
    )),
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
        version = session.execute(TABLE_VERSION).one()
    version = tuple(version) + (str(session.get_bind().engine.url),)
    if version[0] == 0:
        return ThresholdTable.shipped()
    with _cache_lock:
        table = _cache.get(version)
    if table is None:
        table = _table_from_database(session)
        with _cache_lock:
            if len(_cache) > 32:
                _cache.clear()
            _cache[version] = table
    return table


def _table_from_database(session: Session) -> ThresholdTable:
    """The table exactly as the database holds it now (no cache). Raises :class:`ThresholdTableError`."""
    rows = session.scalars(select(ThresholdPeriod).order_by(ThresholdPeriod.id)).all()
    laws = session.scalars(select(LawVersionPeriod).order_by(LawVersionPeriod.effective_from)).all()
    return ThresholdTable.from_rows((r.as_row() for r in rows), (v.as_row() for v in laws))


def table_now(session: Session) -> ThresholdTable:
    """The table in force for a change about to be made: the database's, or the shipped one while it has none."""
    session.flush()
    if session.scalar(select(func.count()).select_from(ThresholdPeriod)) == 0:
        return ThresholdTable.shipped()
    return _table_from_database(session)


def load_shipped(session: Session, *, actor: Actor, now: dt.datetime) -> int:
    """Insert the shipped periods and law versions the database does not have yet. Idempotent.

    A period is the same when key, start, status and figure are; a law version when its name is. This only
    fills a database: a change of the law in an existing database is made by a data migration (as
    ``0010_law_2026_07`` did), by closing the open period and adding the new one, never by rewriting a row.
    """
    have = {(p.key, p.effective_from, p.status, p.value_nok) for p in session.scalars(select(ThresholdPeriod))}
    added = 0
    for row in ThresholdTable.shipped().rows:
        if (row.key, row.effective_from, row.status, row.value_nok) in have:
            continue
        period = ThresholdPeriod(
            key=row.key, rule_id=row.rule_id or None, value_nok=row.value_nok, effective_from=row.effective_from,
            effective_to=row.effective_to, source=row.source, last_verified=row.last_verified, status=row.status,
            note=row.note, created_at=now,
        )
        session.add(period)
        session.flush()
        audit.record(session, actor, "threshold.loaded", period, at=now, after=audit.snapshot(period, PERIOD_FIELDS))
        added += 1
    names = set(session.scalars(select(LawVersionPeriod.name)))
    for version in ThresholdTable.shipped().law_versions:
        if version.id in names:
            continue
        law = LawVersionPeriod(
            name=version.id, effective_from=version.effective_from, effective_to=version.effective_to,
            title=version.title, title_en=version.title_en, source=version.source,
            last_verified=version.last_verified, status=version.status, created_at=now,
        )
        session.add(law)
        session.flush()
        audit.record(session, actor, "law_version.loaded", law, at=now, after=audit.snapshot(law, LAW_FIELDS))
        added += 1
    _check_table(session)
    return added


def _check_table(session: Session) -> ThresholdTable:
    session.flush()
    try:
        return _table_from_database(session)
    except ThresholdTableError as exc:
        raise ValidationFailed(_("The threshold table would be inconsistent."), errors=[{"path": "effective_from", "message": str(exc)}]) from exc


def record_law_change(session: Session, before: ThresholdTable, *, cause: str, actor: Actor, now: dt.datetime) -> LawChange | None:
    """Record a change of the law data made in this transaction (``before``: the table before it).

    Nothing is recorded when the change does not alter what an assessment depends on (same table id: e.g. a
    pending row added, or a figure marked verified). The re-assessment job (``lawchange``) picks it up.
    """
    after = _check_table(session)
    if after.id == before.id:
        return None
    change = LawChange(
        created_at=now, cause=cause[:200], actor_id=actor.user_id, table_before=before.as_document(),
        table_after=after.as_document(), table_before_id=before.id, table_after_id=after.id, status="pending",
    )
    session.add(change)
    session.flush()
    audit.record(session, actor, "law.changed", change, at=now,
                 after={"cause": change.cause, "table_before": before.id, "table_after": after.id})
    return change


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


def _place_active(session: Session, period: ThresholdPeriod, *, actor: Actor, now: dt.datetime, allow_past: bool = False) -> None:
    """Close the open period before ``period``; refuse a start before an existing period, and a start in the past
    unless ``allow_past``.

    A new figure of our own making never starts in the past: what was in force yesterday stays what it was, so
    every assessment already made can be reproduced from the table it recorded (it names the table id). Only a
    pending period, which records an amendment already decided, may be activated from the date the amendment
    entered into force even when legal staff learn of it later (``allow_past``): the open period before it is
    then closed the day before, which is what the law was, and the impact report shows what that moves.
    """
    today = local_date(now)
    if period.effective_from < today and not allow_past:
        raise ValidationFailed(
            _("A period cannot start in the past."),
            errors=[{"path": "effective_from", "message": _(
                "Past periods are never rewritten: the new period must start today (%(today)s) or later.",
                today=fmt_date(today))}],
        )
    for other in _active_periods(session, period.key):
        if other.id == period.id:
            continue
        if other.effective_from and other.effective_from >= period.effective_from:
            raise ValidationFailed(
                _("A period must start after every existing one."),
                errors=[{"path": "effective_from", "message": _(
                    "A period of this threshold already starts on %(date)s. Periods are never rewritten: "
                    "choose a later start date.", date=fmt_date(other.effective_from))}],
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
    before_table = table_now(session)
    period = ThresholdPeriod(**parsed, status=status, effective_to=None, created_at=now, created_by_id=actor.user_id)
    if status == "active":
        _place_active(session, period, actor=actor, now=now)
    session.add(period)
    session.flush()
    audit.record(session, actor, "threshold.period_added", period, at=now, after=audit.snapshot(period, PERIOD_FIELDS))
    record_law_change(session, before_table, cause=f"threshold.period_added:{period.key}", actor=actor, now=now)
    return period


def activate(session: Session, period_id: int, *, effective_from: dt.date | None, actor: Actor, now: dt.datetime,
             value_nok: Any = None, source: str | None = None) -> ThresholdPeriod:
    """Bring a pending period into force from ``effective_from``. A pending row whose figure is not known yet
    (the 2026–2027 EEA values) needs ``value_nok`` too; ``source`` may name where the date and figure come from
    (Lovdata). Closes the open period before it, and records the change for the impact report."""
    period = session.get(ThresholdPeriod, period_id)
    if period is None:
        raise NotFound(_("No such threshold period."))
    if period.status != "pending":
        raise Conflict(_("Only a pending period can be activated."))
    errors = []
    if effective_from is None:
        errors.append({"path": "effective_from", "message": _("Give the date it enters into force.")})
    value = period.value_nok
    if value_nok not in (None, ""):
        value, problem = parse_amount(value_nok)
        if problem is not None or value == 0:
            errors.append({"path": "value_nok", "message": _("Enter the amount in NOK excluding VAT, above zero.")})
    elif value is None:
        errors.append({"path": "value_nok", "message": _("This period has no figure yet: enter the amount in NOK excluding VAT.")})
    if errors:
        raise ValidationFailed(_("The period was not activated."), errors=errors)
    before_table = table_now(session)
    before = audit.snapshot(period, PERIOD_FIELDS)
    period.effective_from = effective_from
    period.value_nok = value
    source = (source or "").strip()
    if source:
        period.source = f"{period.source}; {source}"[:4000] if period.source else source[:4000]
    period.status = "active"
    _place_active(session, period, actor=actor, now=now, allow_past=True)
    session.flush()
    audit.record(session, actor, "threshold.period_activated", period, at=now, before=before, after=audit.snapshot(period, PERIOD_FIELDS))
    record_law_change(session, before_table, cause=f"threshold.period_activated:{period.key}", actor=actor, now=now)
    return period


def verify(session: Session, period_id: int, *, note: str, actor: Actor, now: dt.datetime) -> ThresholdPeriod:
    """A legal reviewer confirms a figure against the official text (Lovdata): the row records the day, who
    checked and what they read. The figure and period stay as they are (to correct one, add a new period)."""
    period = session.get(ThresholdPeriod, period_id)
    if period is None:
        raise NotFound(_("No such threshold period."))
    note = _verification_note(note)
    if period.value_nok is None:
        raise Conflict(_("A period without a figure cannot be verified: activate it with its figure first."))
    before = audit.snapshot(period, PERIOD_FIELDS)
    period.last_verified = local_date(now)
    period.verified_by_id = actor.user_id
    period.verification_note = note
    session.flush()
    audit.record(session, actor, "threshold.period_verified", period, at=now, before=before, after=audit.snapshot(period, PERIOD_FIELDS))
    return period


def verify_law_version(session: Session, law_id: int, *, note: str, actor: Actor, now: dt.datetime) -> LawVersionPeriod:
    """A legal reviewer confirms a version of the Act and regulation against the official text; every assessment
    naming it then says it is verified. Its dates stay as they are (a change of the law is a new version)."""
    law = session.get(LawVersionPeriod, law_id)
    if law is None:
        raise NotFound(_("No such version of the Act."))
    note = _verification_note(note)
    before = audit.snapshot(law, LAW_FIELDS)
    law.last_verified = local_date(now)
    law.verified_by_id = actor.user_id
    law.verification_note = note
    session.flush()
    audit.record(session, actor, "law_version.verified", law, at=now, before=before, after=audit.snapshot(law, LAW_FIELDS))
    return law


def _verification_note(note: str | None) -> str:
    note = (note or "").strip()
    if not 3 <= len(note) <= 2000:
        raise ValidationFailed(_("It was not marked verified."), errors=[{"path": "note", "message": _(
            "Say what you checked (e.g. the Lovdata text and its date), 3–2000 characters.")}])
    return note


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
