"""Budgets: create and change them, declare and lift stops, and move money (commit, release, spend).

Money moves only here, on a budget row the caller has locked (:func:`contracts_app.db.lock`), so that
checking what remains and reserving it happen in one transaction: the line's totals, its ledger entries and its
months (budget_month, which the budget page reads) in the same step. Services flush; the caller commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from .. import audit, formats
from ..audit import Actor
from ..db import upsert
from ..errors import Conflict, ValidationFailed
from ..money import parse_amount
from ..organisations.models import Side, Unit
from . import periods
from .models import Budget, BudgetEntry, BudgetMonth, BudgetStop, EntryKind, StopMode

if TYPE_CHECKING:
    from ..purchases.models import SeatPurchase

BUDGET_FIELDS = ["unit_id", "year", "line", "side", "amount", "warning_pct", "stop_mode"]


def parse_money(value: Any, path: str, errors: list[dict], *, allow_zero: bool = False) -> Decimal | None:
    """An amount in NOK with at most two decimals, > 0 (or ≥ 0), not absurdly large. Errors go to ``errors``."""
    amount, problem = parse_amount(value)
    if problem is None and amount == 0 and not allow_zero:
        problem = "negative"
    if problem is not None:
        errors.append({"path": path, "message": {
            "not_a_number": _("Enter an amount in kroner, for example 12500 or 12500,50."),
            "too_large": _("The amount is too large."),
            "too_many_decimals": _("An amount has at most two decimals (øre)."),
            "negative": _("The amount must be greater than zero."),
        }[problem]})
        return None
    return amount


def _budget_errors(session: Session, data: dict, budget_id: int | None) -> list[dict]:
    errors: list[dict] = []
    line = (data.get("line") or "").strip()
    if not line or len(line) > 120:
        errors.append({"path": "line", "message": _("Name the budget line (at most 120 characters).")})
    data["line"] = line
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.append({"path": "year", "message": _("Enter a year between 2000 and 2100.")})
    data["amount"] = parse_money(data.get("amount"), "amount", errors, allow_zero=True)
    try:
        pct = Decimal(str(data.get("warning_pct")))
        if not (0 < pct <= 100):
            raise InvalidOperation
        data["warning_pct"] = pct.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors.append({"path": "warning_pct", "message": _("The warning level is a percentage above 0 and at most 100.")})
    try:
        data["stop_mode"] = StopMode(data.get("stop_mode"))
    except ValueError:
        errors.append({"path": "stop_mode", "message": _("Choose hard stop or warn only.")})
    try:
        data["side"] = Side(data.get("side"))
    except ValueError:
        errors.append({"path": "side", "message": _("Choose which side of the office spends this budget.")})
    if not errors:
        clash = session.scalar(
            select(Budget).where(Budget.unit_id == data["unit_id"], Budget.year == year, Budget.line == line)
        )
        if clash is not None and clash.id != budget_id:
            errors.append({"path": "line", "message": _("This unit already has a budget line with that name for the year.")})
    return errors


def create_budget(session: Session, data: dict, *, actor: Actor, now: dt.datetime) -> Budget:
    data = dict(data)
    unit = session.get(Unit, data.get("unit_id") or 0)
    errors = [] if unit else [{"path": "unit_id", "message": _("Unknown unit.")}]
    errors += _budget_errors(session, data, None)
    if errors:
        raise ValidationFailed(_("The budget could not be saved."), errors=errors)
    budget = Budget(
        unit_id=unit.id, year=data["year"], line=data["line"], side=data["side"], amount=data["amount"],
        warning_pct=data["warning_pct"], stop_mode=data["stop_mode"], committed=Decimal("0"), spent=Decimal("0"),
        created_at=now,
    )
    session.add(budget)
    session.flush()
    audit.record(session, actor, "budget.created", budget, at=now, after=audit.snapshot(budget, BUDGET_FIELDS))
    return budget


def update_budget(session: Session, budget: Budget, data: dict, *, actor: Actor, now: dt.datetime) -> Budget:
    """Change year, line, amount, warning level and stop mode (the year only while unused, see
    ``_year_change_errors``). The budget row must be locked by the caller."""
    data = {**{k: getattr(budget, k) for k in BUDGET_FIELDS}, **data}
    data["stop_mode"] = getattr(data["stop_mode"], "value", data["stop_mode"])
    data["side"] = getattr(data["side"], "value", data["side"])
    errors = _budget_errors(session, data, budget.id)
    if not errors and data["stop_mode"] == StopMode.hard and budget.used > data["amount"]:
        errors.append(
            {
                "path": "amount",
                "message": _(
                    "%(used)s is already committed or spent: the amount cannot be lower with a hard stop.",
                    used=formats.money(budget.used),
                ),
            }
        )
    if not errors and data["year"] != budget.year:
        errors.extend(_year_change_errors(budget, data["year"]))
    if errors:
        raise ValidationFailed(_("The budget could not be saved."), errors=errors)
    before = audit.snapshot(budget, BUDGET_FIELDS)
    for key in ("year", "line", "amount", "warning_pct", "stop_mode", "side"):
        setattr(budget, key, data[key])
    session.flush()
    after = audit.snapshot(budget, BUDGET_FIELDS)
    if after != before:
        audit.record(session, actor, "budget.updated", budget, at=now, before=before, after=after)
    return budget


def _year_change_errors(budget: Budget, year: int) -> list[dict]:
    """A line may move to another year only while nothing has been committed or spent on it and its stops fit
    the new year: money used belongs to the year it was used in (a new year is a new budget line)."""
    if budget.used:
        return [{"path": "year", "message": _(
            "The year cannot be changed: %(used)s is already committed or spent on this line in %(year)s. "
            "Create a new budget line for %(new)s instead.",
            used=formats.money(budget.used), year=budget.year, new=year)}]
    if any(not _within_year(stop.starts_on, stop.ends_on, year) for stop in budget.stops):
        return [{"path": "year", "message": _(
            "The year cannot be changed: this line has a budget stop outside %(new)s.", new=year)}]
    return []


def _within_year(starts_on: dt.date, ends_on: dt.date | None, year: int) -> bool:
    return starts_on.year == year and (ends_on is None or ends_on.year == year)


def declare_stop(
    session: Session, budget: Budget, *, reason: str, starts_on: dt.date, ends_on: dt.date | None, actor: Actor,
    now: dt.datetime,
) -> BudgetStop:
    errors = []
    reason = (reason or "").strip()
    if len(reason) < 5 or len(reason) > 2000:
        errors.append({"path": "reason", "message": _("Give the reason for the stop (5–2000 characters).")})
    if ends_on is not None and ends_on < starts_on:
        errors.append({"path": "ends_on", "message": _("The stop cannot end before it starts.")})
    for path, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day is not None and day.year != budget.year:
            errors.append({"path": path, "message": _(
                "A stop must lie within the budget line's year: between 01.01.%(year)s and 31.12.%(year)s.",
                year=budget.year)})
    if errors:
        raise ValidationFailed(_("The budget stop could not be declared."), errors=errors)
    stop = BudgetStop(
        budget=budget, reason=reason, starts_on=starts_on, ends_on=ends_on, declared_by_id=actor.user_id,
        declared_at=now,
    )
    session.add(stop)
    session.flush()
    audit.record(
        session, actor, "budget.stop_declared", budget, at=now,
        after={"stop_id": stop.id, "reason": reason, "starts_on": starts_on, "ends_on": ends_on},
    )
    return stop


def lift_stop(session: Session, stop: BudgetStop, *, reason: str, actor: Actor, now: dt.datetime) -> BudgetStop:
    if stop.lifted_at is not None:
        raise Conflict(_("This budget stop has already been lifted."))
    reason = (reason or "").strip()
    if len(reason) < 5 or len(reason) > 2000:
        raise ValidationFailed(
            _("The budget stop could not be lifted."),
            errors=[{"path": "reason", "message": _("Say why the stop is lifted (5–2000 characters).")}],
        )
    stop.lifted_at, stop.lifted_by_id, stop.lift_reason = now, actor.user_id, reason
    session.flush()
    audit.record(
        session, actor, "budget.stop_lifted", stop.budget, at=now,
        before={"stop_id": stop.id, "reason": stop.reason}, after={"stop_id": stop.id, "lift_reason": reason},
    )
    return stop


@dataclass(frozen=True)
class BudgetCheck:
    """What a purchase of ``amount`` would do to the budget: ok, a warning, or refused (and why)."""

    remaining_after: Decimal
    used_pct_after: Decimal
    warning: str | None
    refusal: str | None
    stopped_by: BudgetStop | None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def check(budget: Budget, amount: Decimal, *, on: dt.date, override_stop: bool = False) -> BudgetCheck:
    remaining_after = budget.remaining - amount
    used_after = budget.used + amount
    pct_after = (used_after * 100 / budget.amount).quantize(Decimal("0.1")) if budget.amount else Decimal("100")
    warning = refusal = None
    # A purchase on a line whose year has not begun commits that year's money: the stops in force when the
    # year begins apply (a stop declared in December from 1 January refuses December's purchases on that line).
    stop = budget.active_stop(max(on, dt.date(budget.year, 1, 1)))
    label = f"{budget.line} {budget.year} ({budget.unit.name})"
    if stop is not None and not override_stop:
        who = stop.declared_by.name if stop.declared_by else "?"
        refusal = _(
            "The budget %(budget)s is stopped (tiltaksstopp) from %(start)s, declared by %(who)s: %(reason)s. "
            "A purchase needs an override approved by another budget owner.",
            budget=label, start=formats.date(stop.starts_on), who=who, reason=stop.reason.rstrip().rstrip("."),  # the message adds its own full stop
        )
    elif remaining_after < 0 and budget.stop_mode == StopMode.hard:
        refusal = _(
            "The budget %(budget)s has %(remaining)s left; this purchase costs %(amount)s. The budget has a hard "
            "stop at 100 %%, so the purchase is refused.",
            budget=label, remaining=formats.money(budget.remaining), amount=formats.money(amount),
        )
    if refusal is None:
        if remaining_after < 0:
            warning = _(
                "The budget %(budget)s will be overdrawn by %(over)s (warn-only mode).",
                budget=label, over=formats.money(-remaining_after),
            )
        elif pct_after >= budget.warning_pct:
            warning = _(
                "After this purchase %(pct)s %% of the budget %(budget)s is used (warning level %(level)s %%).",
                pct=str(pct_after).replace(".", ","), budget=label, level=str(budget.warning_pct.normalize()),
            )
    return BudgetCheck(remaining_after, pct_after, warning, refusal, stop)


def commit(session: Session, budget: Budget, purchase: "SeatPurchase", *, now: dt.datetime) -> None:
    """Reserve a confirmed purchase's amount on the line, in the months its seat period covers."""
    budget.committed = budget.committed + purchase.amount
    _book(session, budget.id, [(month, part, 0) for month, part in _months_of(purchase)])
    session.add(BudgetEntry(budget_id=budget.id, purchase_id=purchase.id, kind=EntryKind.commit, amount=purchase.amount, at=now))


def release(session: Session, budget: Budget, purchase: "SeatPurchase", *, now: dt.datetime) -> None:
    """Give back what :func:`commit` reserved for the purchase (its amount and seat period are fixed once it is
    confirmed), month by month."""
    budget.committed = budget.committed - purchase.amount
    _unbook(session, budget.id, _months_of(purchase))
    session.add(BudgetEntry(budget_id=budget.id, purchase_id=purchase.id, kind=EntryKind.release, amount=purchase.amount, at=now))


def spend(session: Session, budget: Budget, purchase: "SeatPurchase", actual: Decimal, *, now: dt.datetime) -> None:
    """Move a purchase's commitment to spent with the actual cost (which may differ from what was committed),
    registered in the month of ``now`` in the product's time zone."""
    release(session, budget, purchase, now=now)
    budget.spent = budget.spent + actual
    _book(session, budget.id, [(periods.first_of_month(formats.local_date(now)), 0, periods.ore(actual))])
    session.add(BudgetEntry(budget_id=budget.id, purchase_id=purchase.id, kind=EntryKind.spend, amount=actual, at=now))


def _months_of(purchase: "SeatPurchase") -> list[tuple[dt.date, int]]:
    return periods.commitment_months(purchase.amount, purchase.start_date, purchase.end_date)


def _book(session: Session, budget_id: int, changes: list[tuple[dt.date, int, int]]) -> None:
    """Add ``(month, committed øre, spent øre)`` to the line's months in one statement: a new month's row, or the
    sums in the row there is (the caller holds the line's lock, so the rows change in the order money moves)."""
    stmt = upsert(session, BudgetMonth).values([dict(budget_id=budget_id, month=month, committed_ore=c, spent_ore=s) for month, c, s in changes])
    row = BudgetMonth.__table__.c
    session.execute(stmt.on_conflict_do_update(
        index_elements=[row.budget_id, row.month],
        set_={"committed_ore": row.committed_ore + stmt.excluded.committed_ore, "spent_ore": row.spent_ore + stmt.excluded.spent_ore}))


def _unbook(session: Session, budget_id: int, parts: list[tuple[dt.date, int]]) -> None:
    """Take the commitment ``parts`` back from the line's months, in one statement. Their rows exist (the commit
    booked them); a row missing is a write that bypassed this module, and stops the transaction."""
    row = BudgetMonth.__table__.c
    taken = session.execute(
        update(BudgetMonth.__table__)
        .where(row.budget_id == budget_id, row.month.in_([month for month, _part in parts]))
        .values(committed_ore=row.committed_ore - case(dict(parts), value=row.month))
    ).rowcount
    if taken != len(parts):
        raise RuntimeError(f"budget line {budget_id}: {len(parts)} months to release, {taken} booked")
