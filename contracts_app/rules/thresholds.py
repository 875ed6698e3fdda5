"""Dated threshold table (THR-01…11, VAL-05 small lots, OBL-03 protocol trigger) and law versions.

Thresholds are data, never code: every figure is a row with the period it is in force, its source,
when it was last verified and whether it is ``active`` or ``pending``. Legal staff correct a figure
by closing a period and adding a new row, never by rewriting a past period, so an assessment frozen
with an agreement can always be reproduced from the table id it recorded.

The engine only reads :class:`ThresholdSet` objects (the values in force on one day). The app builds
a :class:`ThresholdTable` from its database rows with :meth:`ThresholdTable.from_rows`; a fresh
checkout without a database uses :meth:`ThresholdTable.shipped` (``thresholds.json`` beside this file).

The table also holds the dated list of **law versions** (which text of the Act and the regulation is in force
on a day: before or after the amendment of 2026-07-01, and whatever comes next), so that every assessment
names the law it applied and the next amendment is a row of data, not a code change.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .vocab import ThresholdStatus

SHIPPED_PATH = Path(__file__).with_name("thresholds.json")

#: Keys the engine reads, with the catalog rule each one implements by default (a row may name another rule
#: of the same figure with ``rule_id``: the lower limit is THR-01 until 2026-06-30 and THR-02 from 2026-07-01).
KEY_RULES: Mapping[str, str] = {
    "lower_limit": "THR-01",
    "national": "THR-03",
    "eea_goods_services_central": "THR-04",
    "eea_goods_services_other": "THR-05",
    "eea_works": "THR-06",
    "eea_special_health_social": "THR-07",
    "small_lot": "VAL-05",
    "protocol_trigger": "OBL-03",
}

STATUSES = ThresholdStatus.values()

#: Distinct dates cached per table before the cache is reset (protects a long-running app).
_CACHE_LIMIT = 4096


class ThresholdTableError(ValueError):
    """A threshold row is malformed or two active periods of one key overlap."""


@dataclass(slots=True, frozen=True)
class ThresholdRow:
    """One period of one threshold figure, as reviewed by legal staff."""

    key: str
    value_nok: Decimal | None  # None only for pending rows whose figure is not known yet
    effective_from: date | None  # None only for pending rows whose date is not known yet
    effective_to: date | None  # None = open period
    source: str
    last_verified: date | None
    status: str  # "active" | "pending"
    note: str
    rule_id: str = ""  # the catalog rule this period implements ("" = the key's default, KEY_RULES)

    @property
    def rule(self) -> str:
        return self.rule_id or KEY_RULES.get(self.key, self.key)

    def in_force(self, day: date) -> bool:
        """True when the row is active and ``day`` lies in its period (both ends inclusive)."""
        if self.status != ThresholdStatus.active or self.effective_from is None:
            return False
        if day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (amounts as strings, dates ISO), the same shape :meth:`ThresholdTable.from_rows` reads."""
        return {
            "key": self.key,
            "rule_id": self.rule_id or None,
            "value_nok": None if self.value_nok is None else str(self.value_nok),
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "source": self.source,
            "last_verified": self.last_verified.isoformat() if self.last_verified else None,
            "status": self.status,
            "note": self.note,
        }


@dataclass(slots=True, frozen=True)
class ThresholdSet:
    """The threshold values in force on one day (active rows only).

    Attributes are ``None`` where no active row covers the day: the engine then reports that the
    table does not cover the reference date instead of guessing a figure.
    """

    on: date
    lower_limit: Decimal | None
    lower_limit_rule: str  # "THR-01" or "THR-02" (Prop. 147 L, when an admin has activated it)
    national: Decimal | None
    eea_goods_services_central: Decimal | None
    eea_goods_services_other: Decimal | None
    eea_works: Decimal | None
    eea_special_health_social: Decimal | None
    small_lot: Decimal | None
    protocol_trigger: Decimal | None
    effective_from: date | None  # the latest effective_from among the rows used
    effective_from_iso: str | None
    period_start: Mapping[str, date] = field(compare=False)  # key -> start of the row used (THR-10 check)
    table_id: str
    rows: tuple[ThresholdRow, ...]
    law: LawVersion | None = field(default=None, compare=False)  # the Act and regulation in force on ``on``
    # Findings that depend only on this set (THR-11, lower limit, regime bands), rendered once per
    # set: batches repeat dates, and these messages are the same for every case on that date.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def law_block(self) -> dict[str, Any] | None:
        """The assessment's ``law`` block (which Act and regulation applied): a new dict per assessment."""
        return self.law.block() if self.law is not None else None


@dataclass(slots=True, frozen=True)
class LawVersion:
    """One dated version of the Act and the regulation (e.g. before / after the amendment of 2026-07-01)."""

    id: str
    effective_from: date
    effective_to: date | None
    title: str  # Norwegian bokmål, as shown beside a verdict
    title_en: str
    source: str
    last_verified: date | None = None
    status: str = ThresholdStatus.active.value

    def in_force(self, day: date) -> bool:
        if self.status != ThresholdStatus.active or day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "title": self.title,
            "title_en": self.title_en,
            "source": self.source,
            "last_verified": self.last_verified.isoformat() if self.last_verified else None,
            "status": self.status,
        }

    def block(self) -> dict[str, Any]:
        """The assessment's ``law`` block: which law was applied."""
        return {
            "id": self.id,
            "title": self.title,
            "title_en": self.title_en,
            "in_force_from": self.effective_from.isoformat(),
            "in_force_to": self.effective_to.isoformat() if self.effective_to else None,
            "verified": self.last_verified is not None,
        }


def law_version_from_mapping(raw: Mapping[str, Any], index: int) -> LawVersion:
    if not isinstance(raw, Mapping):
        raise ThresholdTableError(f"law version {index}: must be a mapping with id, effective_from, title, …")
    ident = raw.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise ThresholdTableError(f"law version {index}: id must be a non-empty string")
    start = _parse_date(raw.get("effective_from"), "effective_from", index)
    if start is None:
        raise ThresholdTableError(f"law version {index} ({ident}): effective_from is required")
    end = _parse_date(raw.get("effective_to"), "effective_to", index)
    if end is not None and end < start:
        raise ThresholdTableError(f"law version {index} ({ident}): effective_to is before effective_from")
    status = raw.get("status", ThresholdStatus.active.value)
    if status not in STATUSES:
        raise ThresholdTableError(f"law version {index}: status must be 'active' or 'pending', got {status!r}")
    title = str(raw.get("title") or "").strip()
    if not title:
        raise ThresholdTableError(f"law version {index} ({ident}): title is required")
    return LawVersion(
        id=ident.strip(), effective_from=start, effective_to=end, title=title,
        title_en=str(raw.get("title_en") or title), source=str(raw.get("source") or ""),
        last_verified=_parse_date(raw.get("last_verified"), "last_verified", index), status=status,
    )


def _parse_date(value: Any, field: str, index: int) -> date | None:
    if value is None:
        return None
    if type(value) is date:
        return value
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
    raise ThresholdTableError(f"row {index}: {field} must be a date or an ISO date string (YYYY-MM-DD), got {value!r}")


def _parse_value(value: Any, index: int) -> Decimal:
    if isinstance(value, bool):
        raise ThresholdTableError(f"row {index}: value_nok is required and must be a number")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError):
        raise ThresholdTableError(f"row {index}: value_nok must be a decimal number, got {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise ThresholdTableError(f"row {index}: value_nok must be an amount above zero, got {value!r}")
    return number


def _row_from_mapping(raw: Mapping[str, Any], index: int) -> ThresholdRow:
    if not isinstance(raw, Mapping):
        raise ThresholdTableError(f"row {index}: must be a mapping with key, value_nok, effective_from, …")
    key = raw.get("key")
    if not isinstance(key, str) or not key.strip():
        raise ThresholdTableError(f"row {index}: key must be a non-empty string")
    status = raw.get("status", ThresholdStatus.active.value)
    if status not in STATUSES:
        raise ThresholdTableError(f"row {index}: status must be 'active' or 'pending', got {status!r}")
    raw_value = raw.get("value_nok")
    if raw_value is None and status == ThresholdStatus.active:
        raise ThresholdTableError(f"row {index} ({key}): an active row needs value_nok")
    rule_id = raw.get("rule_id") or ""
    if not isinstance(rule_id, str):
        raise ThresholdTableError(f"row {index} ({key}): rule_id must be a rule id such as 'THR-02'")
    row = ThresholdRow(
        key=key.strip(),
        value_nok=None if raw_value is None else _parse_value(raw_value, index),
        effective_from=_parse_date(raw.get("effective_from"), "effective_from", index),
        effective_to=_parse_date(raw.get("effective_to"), "effective_to", index),
        source=str(raw.get("source") or ""),
        last_verified=_parse_date(raw.get("last_verified"), "last_verified", index),
        status=status,
        note=str(raw.get("note") or ""),
        rule_id=rule_id.strip(),
    )
    if row.status == ThresholdStatus.active and row.effective_from is None:
        raise ThresholdTableError(f"row {index} ({row.key}): an active row needs effective_from")
    if row.effective_from and row.effective_to and row.effective_to < row.effective_from:
        raise ThresholdTableError(f"row {index} ({row.key}): effective_to is before effective_from")
    return row


class ThresholdTable:
    """An immutable set of threshold rows with a cached per-day lookup.

    ``id`` is a short SHA-256 fingerprint of the active rows: two tables with the same id give the
    same assessment for every date, which is what an approved agreement records.
    """

    __slots__ = ("rows", "law_versions", "id", "_cache", "_lock", "_by_key")

    def __init__(self, rows: Iterable[ThresholdRow], law_versions: Iterable[LawVersion] = ()):
        self.rows: tuple[ThresholdRow, ...] = tuple(rows)
        self.law_versions: tuple[LawVersion, ...] = tuple(sorted(law_versions, key=lambda v: v.effective_from))
        active_laws = [v for v in self.law_versions if v.status == ThresholdStatus.active]
        for earlier, later in zip(active_laws, active_laws[1:]):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise ThresholdTableError(
                    f"law versions {earlier.id} and {later.id} overlap; close the earlier one the day before the later starts"
                )
        by_key: dict[str, list[ThresholdRow]] = {}
        for row in self.rows:
            if row.status not in STATUSES:
                raise ThresholdTableError(f"{row.key}: status must be 'active' or 'pending', got {row.status!r}")
            if row.status == ThresholdStatus.active:
                if row.effective_from is None or row.value_nok is None:
                    raise ThresholdTableError(f"{row.key}: an active row needs effective_from and value_nok")
                by_key.setdefault(row.key, []).append(row)
        for key, periods in by_key.items():
            periods.sort(key=lambda r: r.effective_from or date.min)
            for earlier, later in zip(periods, periods[1:]):
                if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                    raise ThresholdTableError(
                        f"{key}: active periods overlap ({earlier.effective_from} → {earlier.effective_to or 'open'} "
                        f"and {later.effective_from} → {later.effective_to or 'open'}); close the earlier period first"
                    )
        self._by_key: dict[str, tuple[ThresholdRow, ...]] = {k: tuple(v) for k, v in by_key.items()}
        # What decides an assessment: the active figures with their periods and rules, and the law versions.
        canonical = sorted(
            f"{r.key}|{r.rule}|{r.value_nok.normalize():f}|{r.effective_from}|{r.effective_to}"  # type: ignore[union-attr]
            for r in self.rows
            if r.status == ThresholdStatus.active
        ) + [f"law|{v.id}|{v.effective_from}|{v.effective_to}" for v in active_laws]
        self.id: str = hashlib.sha256("\n".join(canonical).encode()).hexdigest()[:12]
        self._cache: dict[date, ThresholdSet] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], law_versions: Iterable[Mapping[str, Any]] = ()) -> ThresholdTable:
        """Build a table from mappings (database rows or JSON): dates as ``date`` or ISO strings,
        values as ``Decimal``, ``int`` or decimal strings. Raises :class:`ThresholdTableError`."""
        return cls(
            (_row_from_mapping(raw, i) for i, raw in enumerate(rows)),
            (law_version_from_mapping(raw, i) for i, raw in enumerate(law_versions)),
        )

    @classmethod
    def from_json_file(cls, path: Path | str) -> ThresholdTable:
        """Load a table in the format of the shipped ``thresholds.json``."""
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        rows = document.get("rows") if isinstance(document, dict) else document
        if not isinstance(rows, list):
            raise ThresholdTableError(f"{path}: expected a list of rows or an object with 'rows'")
        laws = document.get("law_versions", []) if isinstance(document, dict) else []
        if not isinstance(laws, list):
            raise ThresholdTableError(f"{path}: law_versions must be a list")
        return cls.from_rows(rows, laws)

    @classmethod
    def shipped(cls) -> ThresholdTable:
        """The table shipped with the code, loaded once per process."""
        return _shipped()

    def as_rows(self) -> list[dict[str, Any]]:
        """All rows (active and pending) in JSON-ready form, e.g. to seed the app's database."""
        return [row.as_dict() for row in self.rows]

    def as_document(self) -> dict[str, Any]:
        """The whole table (rows and law versions) in the format of ``thresholds.json``: a snapshot that
        :meth:`from_document` reads back (law-change records keep the table before and after a change)."""
        return {"rows": self.as_rows(), "law_versions": [v.as_dict() for v in self.law_versions]}

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> ThresholdTable:
        return cls.from_rows(document.get("rows") or [], document.get("law_versions") or [])

    def law_on(self, day: date) -> LawVersion | None:
        """The version of the Act and regulation in force on ``day`` (None when the list does not cover it)."""
        for version in self.law_versions:
            if version.in_force(day):
                return version
        return None

    def lookup(self, on: date) -> ThresholdSet:
        """The values in force on ``on`` (THR-11); cached per date because batches repeat dates."""
        found = self._cache.get(on)
        if found is None:
            found = self._build(on)
            with self._lock:
                if len(self._cache) >= _CACHE_LIMIT:
                    self._cache.clear()
                self._cache[on] = found
        return found

    def _build(self, on: date) -> ThresholdSet:
        used: dict[str, ThresholdRow] = {}
        for key, periods in self._by_key.items():
            for row in periods:
                if row.in_force(on):
                    used[key] = row
                    break

        def value(key: str) -> Decimal | None:
            row = used.get(key)
            return row.value_nok if row is not None else None

        lower = used.get("lower_limit")
        lower_rule = lower.rule if lower is not None else KEY_RULES["lower_limit"]
        starts = [r.effective_from for r in used.values() if r.effective_from is not None]
        effective_from = max(starts) if starts else None
        return ThresholdSet(
            on=on,
            lower_limit=value("lower_limit"),
            lower_limit_rule=lower_rule,
            national=value("national"),
            eea_goods_services_central=value("eea_goods_services_central"),
            eea_goods_services_other=value("eea_goods_services_other"),
            eea_works=value("eea_works"),
            eea_special_health_social=value("eea_special_health_social"),
            small_lot=value("small_lot"),
            protocol_trigger=value("protocol_trigger"),
            effective_from=effective_from,
            effective_from_iso=effective_from.isoformat() if effective_from else None,
            period_start={k: r.effective_from for k, r in used.items() if r.effective_from is not None},
            table_id=self.id,
            rows=tuple(used[k] for k in sorted(used)),
            law=self.law_on(on),
        )

    def __repr__(self) -> str:
        return f"<ThresholdTable id={self.id} rows={len(self.rows)}>"


_shipped_lock = threading.Lock()
_shipped_table: list[ThresholdTable] = []


def _shipped() -> ThresholdTable:
    if not _shipped_table:
        with _shipped_lock:
            if not _shipped_table:
                _shipped_table.append(ThresholdTable.from_json_file(SHIPPED_PATH))
    return _shipped_table[0]
