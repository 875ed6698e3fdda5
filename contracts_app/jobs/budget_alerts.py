"""Job 5: budget alerts to the unit's budget owners, for every open budget line: this year's and later years'
(a line of a past year is closed).

* **Warning level**: when committed + spent reaches the budget's warning level (``warning_pct``). Once per
  crossing: a budget that falls back below (a cancelled purchase) and crosses again is told again.
* **Run-out**: when the forecast (budget/forecast.py, the same as on the budget page) says the money runs out
  within 60 days: this year's lines at the rate so far (``budget.runout_soon``); a line whose year has not
  started when the commitments already made use it up (``budget.runout_planned``). Once per entry into that
  window, likewise.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Role
from ..budget import queries as budget_queries
from ..budget.forecast import NOT_STARTED, forecast
from ..budget.models import Budget
from ..formats import local_date
from ..db import begin_write
from ..notifications.services import notify_users, users_with_roles
from . import watch

RUNOUT_DAYS = 60


def run(session: Session, now: dt.datetime) -> dict:
    today = local_date(now)
    begin_write(session)  # SQLite: one writer at a time while we compare and update the watch state
    budgets = session.scalars(select(Budget).where(Budget.year >= today.year).order_by(Budget.id)).all()
    # Lines of later years forecast from their months (two statements for all of them, however many purchases).
    spreads = budget_queries.spreads(session, [b for b in budgets if b.year > today.year])
    warnings = runouts = told = 0
    for b in budgets:
        key = f"budget:{b.id}"
        state = watch.load(session, key)
        new = dict(state)
        owners = None
        above = b.amount > 0 and b.used * 100 >= b.amount * b.warning_pct
        if above and not state.get("above"):
            new["crossings"] = state.get("crossings", 0) + 1
            owners = users_with_roles(session, [b.unit_id], (Role.budget_owner,))
            told += notify_users(session, owners, "budget.warning_crossed", {
                "line": b.line, "year": b.year, "unit": b.unit.name, "pct": str(b.used_pct), "warning": str(b.warning_pct), "remaining": str(b.remaining),
            }, link=f"/budgets/{b.id}", now=now, dedupe_key=f"budget.warning:{b.id}:{new['crossings']}")
            warnings += 1
        new["above"] = bool(above)
        f = forecast(b.amount, b.used, b.year, today, spreads.get(b.id))
        soon = f.run_out is not None and (f.run_out - today).days <= RUNOUT_DAYS and b.amount > Decimal(0)
        if soon and not state.get("runout"):
            new["runout_crossings"] = state.get("runout_crossings", 0) + 1
            owners = owners if owners is not None else users_with_roles(session, [b.unit_id], (Role.budget_owner,))
            kind = "budget.runout_planned" if f.phase == NOT_STARTED else "budget.runout_soon"
            told += notify_users(session, owners, kind, {
                "line": b.line, "year": b.year, "unit": b.unit.name, "date": f.run_out.isoformat(),
                "days": max(0, (f.run_out - today).days),
            }, link=f"/budgets/{b.id}", now=now, dedupe_key=f"budget.runout:{b.id}:{new['runout_crossings']}")
            runouts += 1
        new["runout"] = bool(soon)
        if new != state:
            watch.save(session, key, new, now)
    return {"budgets": len(budgets), "warnings": warnings, "runouts": runouts, "notified": told}
