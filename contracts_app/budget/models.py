"""Budgets, their ledger entries and budget stops (tiltaksstopp)."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Optional

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..organisations.models import Side, Unit
from ..vocab import LabelledEnum


class StopMode(LabelledEnum):
    hard = "hard"  # purchases that would take remaining below zero are refused
    warn = "warn"  # they are allowed with a warning

    __labels__ = {"hard": _l("Hard stop: refuse purchases at 100 %"), "warn": _l("Warn only")}


class EntryKind(str, enum.Enum):
    commit = "commit"  # money reserved by a confirmed purchase
    release = "release"  # a commitment given back (cancelled purchase, or moved to spent)
    spend = "spend"  # actual cost registered


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, validate_strings=True, length=40)


class Budget(Base):
    __tablename__ = "budget"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "line"),
        CheckConstraint("amount >= 0 AND committed >= 0 AND spent >= 0", name="amounts_not_negative"),
        # A hard-stop budget is never overdrawn: the database refuses it even if the code forgot.
        CheckConstraint("stop_mode = 'warn' OR committed + spent <= amount", name="hard_stop_not_overdrawn"),
        CheckConstraint("warning_pct > 0 AND warning_pct <= 100", name="warning_pct_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    # Budget line name, e.g. "Tiltaksmidler opplæring".
    line: Mapped[str] = mapped_column(String(120))
    # Which legal person of a Nav office spends this money; the default side of purchases against it.
    side: Mapped[Side] = mapped_column(Enum(Side, name="side", native_enum=False, validate_strings=True, length=20))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    # Reserved by confirmed purchases and not yet spent; spent = actual costs registered.
    committed: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    spent: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    # Share of the amount (committed + spent) at which drafts warn.
    warning_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("85"))
    stop_mode: Mapped[StopMode] = mapped_column(_enum(StopMode, "stop_mode"), default=StopMode.hard)
    created_at: Mapped[dt.datetime] = mapped_column()

    unit: Mapped[Unit] = relationship()
    stops: Mapped[list["BudgetStop"]] = relationship(
        back_populates="budget", order_by="BudgetStop.declared_at", lazy="selectin"
    )

    @property
    def used(self) -> Decimal:
        return self.committed + self.spent

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed - self.spent

    @property
    def used_pct(self) -> Decimal:
        if not self.amount:
            return Decimal("100")
        return (self.used * 100 / self.amount).quantize(Decimal("0.1"))

    def active_stop(self, on: dt.date) -> Optional["BudgetStop"]:
        for stop in self.stops:
            if stop.lifted_at is None and stop.starts_on <= on and (stop.ends_on is None or on <= stop.ends_on):
                return stop
        return None

    def open_stop(self, on: dt.date) -> Optional["BudgetStop"]:
        """The stop in force on ``on``, else the next one declared to start later (one for next year's line from
        its first day): the one the budget page shows and offers to lift."""
        upcoming = [s for s in self.stops if s.lifted_at is None and s.starts_on > on]
        return self.active_stop(on) or min(upcoming, key=lambda s: (s.starts_on, s.id), default=None)

    def __repr__(self) -> str:
        return f"<Budget {self.id} unit={self.unit_id} {self.year} {self.line!r} {self.used}/{self.amount}>"


class BudgetStop(Base):
    """A declared budget stop (tiltaksstopp): no new purchases while it is in force, unless overridden."""

    __tablename__ = "budget_stop"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    # Null = until lifted.
    ends_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    declared_at: Mapped[dt.datetime] = mapped_column()
    lifted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    lifted_at: Mapped[Optional[dt.datetime]] = mapped_column()
    lift_reason: Mapped[Optional[str]] = mapped_column(Text)

    budget: Mapped[Budget] = relationship(back_populates="stops")
    declared_by = relationship("User", foreign_keys=[declared_by_id])
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])

    def __repr__(self) -> str:
        return f"<BudgetStop {self.id} budget={self.budget_id} from {self.starts_on}>"


class BudgetEntry(Base):
    """One movement on a budget. The page's months take the spending from these (where it was registered) and the
    open commitments from the purchases (by seat period, budget/periods.py)."""

    __tablename__ = "budget_entry"
    __table_args__ = (Index("ix_budget_entry_budget_at", "budget_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    purchase_id: Mapped[Optional[int]] = mapped_column(ForeignKey("seat_purchase.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind, "entry_kind"))
    # Always positive; the kind says which way it moves.
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    at: Mapped[dt.datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"<BudgetEntry {self.kind.value} {self.amount} budget={self.budget_id}>"


class BudgetMonth(Base):
    """A budget line's money in one calendar month, kept in step with its ledger entries by the one write path
    (budget.services ``commit``, ``release`` and ``spend``): the open commitments that fall in the month (each
    purchase's parts by budget/periods.py's rule) and the actual costs registered in it (in the product's time
    zone). The budget page and the jobs read a line's months from here, a row per month, however many purchases.

    In whole øre: the write adds to the row in the database, and SQLite would add decimals as floats."""

    __tablename__ = "budget_month"
    __table_args__ = (
        PrimaryKeyConstraint("budget_id", "month"),
        # Every part is whole øre and not negative, and a release takes back exactly what its commit booked: a
        # negative month is a write that missed this table, and the database refuses it.
        CheckConstraint("committed_ore >= 0 AND spent_ore >= 0", name="amounts_not_negative"),
    )

    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    # The first day of the month.
    month: Mapped[dt.date] = mapped_column(Date)
    committed_ore: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_ore: Mapped[int] = mapped_column(BigInteger, default=0)

    def __repr__(self) -> str:
        return f"<BudgetMonth budget={self.budget_id} {self.month:%Y-%m} committed={self.committed_ore} spent={self.spent_ore} øre>"
