from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User

from ..db import Base


class ThresholdPeriod(Base):
    """One period of one threshold figure (THR rules), as legal staff reviewed it.

    Periods are never rewritten: a new figure is a new row, and the open period before it is closed the day
    before the new one starts. Pending rows (an unconfirmed figure or date) are never used until activated.
    """

    __tablename__ = "threshold_period"
    __table_args__ = (
        CheckConstraint("value_nok > 0", name="value_positive"),
        CheckConstraint("status = 'pending' OR value_nok IS NOT NULL", name="active_has_value"),
        CheckConstraint("status IN ('active', 'pending')", name="status_known"),
        CheckConstraint("status = 'pending' OR effective_from IS NOT NULL", name="active_has_start"),
        CheckConstraint("effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Which figure: lower_limit, national, eea_goods_services_central, … (contracts_app.rules.thresholds.KEY_RULES).
    key: Mapped[str] = mapped_column(String(60), index=True)
    # The catalog rule this period implements when it is not the key's default (THR-02 for the amended lower limit).
    rule_id: Mapped[Optional[str]] = mapped_column(String(20))
    # Null only while pending with a figure nobody knows yet (the 2026–2027 EEA values in NOK).
    value_nok: Mapped[Optional[Decimal]] = mapped_column(Numeric(14, 2))
    effective_from: Mapped[Optional[dt.date]] = mapped_column(Date)
    # Last day in force; null = open-ended.
    effective_to: Mapped[Optional[dt.date]] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    last_verified: Mapped[Optional[dt.date]] = mapped_column(Date)
    # Who marked the figure verified against the official text, and what they checked (null = unverified).
    verified_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    verification_note: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column()
    # Null for rows loaded from the table shipped with the code.
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))

    def as_row(self) -> dict[str, Any]:
        return {
            "key": self.key, "rule_id": self.rule_id, "value_nok": self.value_nok, "effective_from": self.effective_from,
            "effective_to": self.effective_to, "source": self.source, "last_verified": self.last_verified,
            "status": self.status, "note": self.note or "",
        }

    def __repr__(self) -> str:
        return f"<ThresholdPeriod {self.key} {self.value_nok} {self.effective_from}→{self.effective_to} {self.status}>"


class LawVersionPeriod(Base):
    """Which version of the Act and the regulation is in force in a period (before / after an amendment).

    Dated like thresholds, so the next amendment is a row: every assessment names the version in force on its
    reference date (``law`` block), next to the verdict.
    """

    __tablename__ = "law_version"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'pending')", name="status_known"),
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable identifier recorded in assessments, e.g. "anskaffelsesloven-2026-07-01".
    name: Mapped[str] = mapped_column(String(80), unique=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[Optional[dt.date]] = mapped_column(Date)
    # How the version is named beside a verdict, in bokmål and English.
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    last_verified: Mapped[Optional[dt.date]] = mapped_column(Date)
    # Who confirmed the version against the official text, and what they read (null = unverified).
    verified_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    verification_note: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column()

    def as_row(self) -> dict[str, Any]:
        return {
            "id": self.name, "effective_from": self.effective_from, "effective_to": self.effective_to,
            "title": self.title, "title_en": self.title_en, "source": self.source,
            "last_verified": self.last_verified, "status": self.status,
        }

    def __repr__(self) -> str:
        return f"<LawVersionPeriod {self.name} {self.effective_from}→{self.effective_to}>"


class LawChange(Base):
    """One change of the law data (thresholds or law versions), with the table before and after it.

    Written in the same transaction as the change (a reviewer's activation, a new period, a data migration),
    so each change is recorded exactly once; the re-assessment job then compares every open item's verdict
    under both tables and records the ones that move (:class:`LawChangeItem`).
    """

    __tablename__ = "law_change"
    __table_args__ = (CheckConstraint("status IN ('pending', 'done')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    # What changed the law data: an audit action ("threshold.period_activated") or "migration <revision>".
    cause: Mapped[str] = mapped_column(String(200))
    # Who made the change; null for the system (a migration).
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    # The whole table (rows and law versions) before and after, as ThresholdTable.as_document(), and their ids.
    table_before: Mapped[dict[str, Any]]
    table_after: Mapped[dict[str, Any]]
    table_before_id: Mapped[str] = mapped_column(String(20))
    table_after_id: Mapped[str] = mapped_column(String(20))
    # pending until the re-assessment has run; then how many open items it checked and how many moved.
    status: Mapped[str] = mapped_column(String(10), index=True)
    reassessed_at: Mapped[Optional[dt.datetime]] = mapped_column()
    items_checked: Mapped[Optional[int]] = mapped_column(Integer)
    items_moved: Mapped[Optional[int]] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<LawChange {self.id} {self.cause} {self.table_before_id}→{self.table_after_id} {self.status}>"


class LawChangeItem(Base):
    """An open agreement, capacity request or seat purchase whose verdict moved with a law change."""

    __tablename__ = "law_change_item"
    __table_args__ = (UniqueConstraint("law_change_id", "object_type", "object_id", name="one_per_object"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    law_change_id: Mapped[int] = mapped_column(ForeignKey("law_change.id"), index=True)
    # "agreement" | "capacity_request" | "seat_purchase", and its id.
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    # The unit that owns the item (drafting/buying unit), for filters and who may see it.
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"), index=True)
    # A short label for the list (agreement title, course and buyer), and the reference date assessed.
    label: Mapped[str] = mapped_column(String(300))
    reference_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    value_nok: Mapped[Optional[Decimal]] = mapped_column(Numeric(14, 2))
    verdict_before: Mapped[Optional[str]] = mapped_column(String(40))
    regime_before: Mapped[Optional[str]] = mapped_column(String(40))
    verdict_after: Mapped[Optional[str]] = mapped_column(String(40))
    regime_after: Mapped[Optional[str]] = mapped_column(String(40))
    # The rule ids that decided each verdict (the assessment's reasons).
    rules_before: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rules_after: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # A legal reviewer marks the item handled, with a note (audited).
    handled_at: Mapped[Optional[dt.datetime]] = mapped_column()
    handled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    handled_note: Mapped[Optional[str]] = mapped_column(Text)

    handled_by: Mapped[Optional["User"]] = relationship(foreign_keys=[handled_by_id])

    def decisive_rules(self) -> tuple[list[str], list[str]]:
        """The rule ids that left and joined the reasons: what decided the move (THR-01 → THR-02, …)."""
        return ([r for r in self.rules_before if r not in self.rules_after],
                [r for r in self.rules_after if r not in self.rules_before])

    def __repr__(self) -> str:
        return f"<LawChangeItem {self.object_type}:{self.object_id} {self.verdict_before}→{self.verdict_after}>"


class Scenario(Base):
    """A "what if" saved from the rules check page: the facts document and a name."""

    __tablename__ = "rule_scenario"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    facts: Mapped[dict[str, Any]]
    # Who saved it and for which unit; scenarios are visible to legal staff of the same unit.
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"<Scenario {self.id} {self.name!r}>"
