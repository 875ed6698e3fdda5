"""The three exports: the columns each selects on top of its page's statement (:mod:`.source`), and how each
column is written (:mod:`.writer`). Column names are msgids, translated when the file is written."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Select, case, select, type_coerce
from sqlalchemy.orm import Session, aliased

from ..agreements.models import Agreement, AgreementKind, AgreementParty
from ..agreements.states import AgreementStatus
from ..budget.models import Budget
from ..courses.models import Course
from ..formats import local_date
from ..organisations.models import Unit
from ..purchases.models import PurchaseStatus, SeatPurchase
from .writer import AMOUNT, DATE, INT, TEXT, Column


@dataclass(frozen=True)
class Export:
    """What one export writes: the statement of its rows, its columns, an optional per-chunk ``enrich`` (one
    statement a chunk) and the names of its file and sheet."""

    statement: Select
    columns: list[Column]
    filename: str
    sheet: str
    enrich: Callable[[Session], Callable[[list], list[tuple]]] | None = None
    added: tuple[str, ...] = ()  # the names of the values ``enrich`` adds at the end of each row

    @property
    def names(self) -> list[str]:
        """The names of a row's values, in order."""
        return [*self.statement.selected_columns.keys(), *self.added]


def _day(at: dt.datetime) -> dt.date:
    """The local date of a stored moment read raw (SQLite gives naive UTC, PostgreSQL aware)."""
    return local_date(at if at.tzinfo is not None else at.replace(tzinfo=dt.timezone.utc))


def _moment(column):
    """A timestamp column without the UTCDateTime round trip per row (:func:`_day` reads it)."""
    return type_coerce(column, DateTime(timezone=True))


def _labels(enum) -> Callable:
    """A member's label, looked up once per member and export (the language does not change within one)."""
    seen: dict = {}

    def label(member) -> str:
        if member not in seen:
            seen[member] = enum.label_of(member)
        return seen[member]

    return label


def _verdict_label() -> Callable:
    from ..rulecheck.labels import verdict_label

    seen: dict = {}

    def label(value: str) -> str:
        if value not in seen:
            seen[value] = verdict_label(value)
        return seen[value]

    return label


# --- purchases ------------------------------------------------------------------------------------------------

def purchases(base: Select, *, unit_id: int | None, stamp: str) -> Export:
    """The purchase list's rows (``base``: the page's statement, or every purchase for an administrator-scope
    call) with what accounting needs. The budget line is the buyer's own: shown only on the buyer's purchases
    (a provider sees the purchases of its courses, not its buyers' budget lines)."""
    course, provider, buyer, budget = aliased(Course), aliased(Unit), aliased(Unit), aliased(Budget)
    line = budget.line if unit_id is None else case((SeatPurchase.buyer_unit_id == unit_id, budget.line), else_=None)
    stmt = (
        base.with_only_columns(
            SeatPurchase.id.label("id"), _moment(SeatPurchase.created_at).label("created_at"), course.title.label("course"),
            provider.name.label("provider"), buyer.name.label("buyer"), line.label("budget_line"),
            SeatPurchase.agreement_id.label("agreement_id"), SeatPurchase.start_date.label("start_date"),
            SeatPurchase.end_date.label("end_date"), SeatPurchase.seats.label("seats"),
            SeatPurchase.amount.label("amount"), SeatPurchase.actual_amount.label("actual_amount"),
            SeatPurchase.status.label("status"),
        )
        .join_from(SeatPurchase, course, course.id == SeatPurchase.course_id)
        .join_from(course, provider, provider.id == course.provider_unit_id)
        .join_from(SeatPurchase, buyer, buyer.id == SeatPurchase.buyer_unit_id)
        .outerjoin_from(SeatPurchase, budget, budget.id == SeatPurchase.budget_id)
    )
    columns = [
        Column("id", _l("Purchase number"), INT),
        Column("created_at", _l("Registered"), DATE, _day),
        Column("course", _l("Course")),
        Column("provider", _l("Provider")),
        Column("buyer", _l("Buyer")),
        Column("budget_line", _l("Budget line")),
        Column("agreement_id", _l("Agreement number"), INT),
        Column("start_date", _l("From"), DATE),
        Column("end_date", _l("To"), DATE),
        Column("seats", _l("Seats"), INT),
        Column("amount", _l("Amount (NOK)"), AMOUNT),
        Column("actual_amount", _l("Actual cost (NOK)"), AMOUNT),
        Column("status", _l("Status"), TEXT, _labels(PurchaseStatus)),
    ]
    return Export(stmt, columns, f"innkjop-{stamp}", "Innkjøp")


# --- a budget line's ledger -------------------------------------------------------------------------------------

def budget_ledger(base: Select, budget: Budget, *, stamp: str) -> Export:
    """The purchases on a budget line as the budget page lists them (``base``: its statement, with its filters)."""
    course = aliased(Course)
    stmt = (
        base.with_only_columns(
            SeatPurchase.id.label("id"), _moment(SeatPurchase.created_at).label("created_at"), course.title.label("course"),
            SeatPurchase.start_date.label("start_date"), SeatPurchase.end_date.label("end_date"),
            SeatPurchase.seats.label("seats"), SeatPurchase.amount.label("amount"),
            SeatPurchase.actual_amount.label("actual_amount"), SeatPurchase.status.label("status"),
            SeatPurchase.agreement_id.label("agreement_id"),
        )
        .join_from(SeatPurchase, course, course.id == SeatPurchase.course_id)
    )
    columns = [
        Column("id", _l("Purchase number"), INT),
        Column("created_at", _l("Registered"), DATE, _day),
        Column("course", _l("Course")),
        Column("start_date", _l("From"), DATE),
        Column("end_date", _l("To"), DATE),
        Column("seats", _l("Seats"), INT),
        Column("amount", _l("Amount (NOK)"), AMOUNT),
        Column("actual_amount", _l("Actual cost (NOK)"), AMOUNT),
        Column("status", _l("Status"), TEXT, _labels(PurchaseStatus)),
        Column("agreement_id", _l("Agreement number"), INT),
    ]
    return Export(stmt, columns, f"budsjettlinje-{budget.id}-{stamp}", f"{budget.line} {budget.year}")


# --- agreements -----------------------------------------------------------------------------------------------

def _parties(session: Session) -> Callable[[list], list[tuple]]:
    """Each chunk's parties, in their order, in one statement for the chunk (added as "parties")."""
    def enrich(rows: list) -> list[tuple]:
        names: dict[int, list[str]] = {}
        ids = [r.id for r in rows]
        if ids:
            for agreement_id, name in session.execute(
                select(AgreementParty.agreement_id, AgreementParty.name)
                .where(AgreementParty.agreement_id.in_(ids)).order_by(AgreementParty.agreement_id, AgreementParty.position)
            ):
                names.setdefault(agreement_id, []).append(name)
        return [(*r, ", ".join(names.get(r.id, []))) for r in rows]

    return enrich


def agreements(base: Select, *, stamp: str) -> Export:
    """The agreement list's rows (``base``: its statement, with its filters and who may see what)."""
    stmt = base.with_only_columns(
        Agreement.id.label("id"), Agreement.title.label("title"), Agreement.kind.label("kind"),
        Agreement.status.label("status"), Agreement.verdict.label("verdict"), Agreement.start_date.label("start_date"),
        Agreement.end_date.label("end_date"), Agreement.estimated_value.label("estimated_value"),
        Agreement.options_value.label("options_value"), _moment(Agreement.updated_at).label("updated_at"),
    )
    columns = [
        Column("id", _l("Agreement number"), INT),
        Column("title", _l("Title")),
        Column("parties", _l("Parties")),
        Column("kind", _l("Kind"), TEXT, _labels(AgreementKind)),
        Column("status", _l("Status"), TEXT, _labels(AgreementStatus)),
        Column("verdict", _l("Verdict"), TEXT, _verdict_label()),
        Column("start_date", _l("Start date"), DATE),
        Column("end_date", _l("End date"), DATE),
        Column("estimated_value", _l("Estimated value (NOK)"), AMOUNT),
        Column("options_value", _l("Value of options (NOK)"), AMOUNT),
        Column("updated_at", _l("Last changed"), DATE, _day),
    ]
    return Export(stmt, columns, f"avtaler-{stamp}", "Avtaler", enrich=_parties, added=("parties",))
