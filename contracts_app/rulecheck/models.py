from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class ThresholdPeriod(Base):
    """One period of one threshold figure (THR rules), as legal staff reviewed it.

    Periods are never rewritten: a new figure is a new row, and the open period before it is closed the day
    before the new one starts. Pending rows (an unconfirmed figure or date) are never used until activated.
    """

    __tablename__ = "threshold_period"
    __table_args__ = (
        CheckConstraint("value_nok > 0", name="value_positive"),
        CheckConstraint("status IN ('active', 'pending')", name="status_known"),
        CheckConstraint("status = 'pending' OR effective_from IS NOT NULL", name="active_has_start"),
        CheckConstraint("effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Which figure: lower_limit, national, eea_goods_services_central, … (contracts_app.rules.thresholds.KEY_RULES).
    key: Mapped[str] = mapped_column(String(60), index=True)
    value_nok: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    effective_from: Mapped[Optional[dt.date]] = mapped_column(Date)
    # Last day in force; null = open-ended.
    effective_to: Mapped[Optional[dt.date]] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    last_verified: Mapped[Optional[dt.date]] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column()
    # Null for rows loaded from the table shipped with the code.
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))

    def as_row(self) -> dict[str, Any]:
        return {
            "key": self.key, "value_nok": self.value_nok, "effective_from": self.effective_from,
            "effective_to": self.effective_to, "source": self.source, "last_verified": self.last_verified,
            "status": self.status, "note": self.note or "",
        }

    def __repr__(self) -> str:
        return f"<ThresholdPeriod {self.key} {self.value_nok} {self.effective_from}→{self.effective_to} {self.status}>"


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
