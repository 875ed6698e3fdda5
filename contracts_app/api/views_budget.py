"""Budget lines (list, detail with the figures and the stop status, ledger) and the threshold table — read only.

Budget lines as on the budget pages: the route needs ``can_manage_budget`` (budget owners), and a line is the
caller's unit's or a 404 (``budget.views._own_budget``). The figures are the model's (``Budget.remaining``,
``used_pct``, ``active_stop``), the months ``budget/periods.py``'s, the ledger ``budget/queries.commitments``
(its filters, paged with a cursor). Scope ``read``, as the other reads.

The threshold table is the rules engine's (``rulecheck.services.current_table``: the database's, or the shipped
one while it has none), for any reference date: the figures come from the table, never from code. Open to any
signed-in caller, like ``POST /rules/evaluate``, with its scope ``rules``.
"""
from __future__ import annotations

import datetime as dt

from flask import abort

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..budget import queries as budget_queries
from ..budget.models import Budget, BudgetStop
from ..db import get_session
from ..purchases.models import SeatPurchase
from .openapi import operation
from .pagination import Key, newest_first
from .schemas import CourseRef, Page
from .schemas_agreements import (BudgetLineDetailOut, BudgetLineOut, BudgetQuery, LawOut, LedgerEntryOut, LedgerQuery, MonthOut,
                                 NoQuery, StopOut, ThresholdOut, ThresholdQuery, ThresholdsOut)
from .views import bp, detail, json_response, parse_query
from .views_catalogue import paged


def _stop(s: BudgetStop | None) -> StopOut | None:
    if s is None:
        return None
    return StopOut(id=s.id, reason=s.reason, starts_on=s.starts_on, ends_on=s.ends_on, declared_at=s.declared_at)


def _figures(b: Budget, today: dt.date) -> dict:
    stop = b.active_stop(today)
    return dict(id=b.id, year=b.year, line=b.line, side=b.side.value if hasattr(b.side, "value") else str(b.side), amount=b.amount,
                committed=b.committed, spent=b.spent, remaining=b.remaining, used_pct=b.used_pct, warning_pct=b.warning_pct,
                stop_mode=b.stop_mode, stopped=stop is not None, stop=_stop(stop))


def _own_budget(budget_id: int) -> Budget:
    """The caller's unit's budget line; 404 for any other (as the budget pages)."""
    budget = get_session().get(Budget, budget_id) or abort(404)
    if budget.unit_id != current_principal().unit_id:
        abort(404)
    return budget


BUDGET_KEYS = [Key(Budget.year, int, lambda b: b.year, descending=True), Key(Budget.line, str, lambda b: b.line),
               Key(Budget.id, int, lambda b: b.id)]


@bp.get("/budgets")
@requires(perm.can_manage_budget)
@operation(scope="read", summary="Budget lines", tag="Budget lines", query=BudgetQuery, response=Page[BudgetLineOut],
           description="The caller's unit's budget lines with their figures and stop status, as the page `/budgets/` "
                       "lists them (newest year first, then the line). For budget owners.")
def budget_lines():
    q = parse_query(BudgetQuery)
    session = get_session()
    stmt = budget_queries.budget_lines_statement(current_principal().unit_id)
    items, cursor = paged(session, stmt, BUDGET_KEYS, listing="budgets", query=q)
    today = clock.today()
    return json_response(Page[BudgetLineOut](items=[BudgetLineOut(**_figures(b, today)) for b in items], next_cursor=cursor, limit=q.limit))


@bp.get("/budgets/<int:budget_id>")
@requires(perm.can_manage_budget)
@operation(scope="read", summary="A budget line", tag="Budget lines", query=NoQuery, response=BudgetLineDetailOut, etag=True,
           description="The figures (budget, committed, spent, remaining), the stop in force today and every stop, and "
                       "the money by month as the budget page shows it. 404 for another unit's line.")
def budget_line(budget_id: int):
    parse_query(NoQuery)
    session = get_session()
    budget = _own_budget(budget_id)
    spread = budget_queries.month_spread(session, budget)
    return detail(BudgetLineDetailOut(
        **_figures(budget, clock.today()),
        months=[MonthOut(month=p.month, committed=p.committed, spent=p.spent, cumulative_used=p.cumulative_used) for p in spread.rows],
        stops=[_stop(s) for s in budget.stops],
    ))


LEDGER_KEYS = newest_first(SeatPurchase.created_at, SeatPurchase.id)


@bp.get("/budgets/<int:budget_id>/ledger")
@requires(perm.can_manage_budget)
@operation(scope="read", summary="A budget line's ledger", tag="Budget lines", query=LedgerQuery, response=Page[LedgerEntryOut],
           description="The purchases committed on the line, newest first, with the filters of the budget page (by "
                       "default the open ones: confirmed or awaiting an override).")
def budget_ledger(budget_id: int):
    q = parse_query(LedgerQuery)
    session = get_session()
    budget = _own_budget(budget_id)
    status = q.status.value if q.status else ""
    stmt = budget_queries.commitments_statement(budget.id, status=status, course=q.course)
    items, cursor = paged(session, stmt, LEDGER_KEYS, listing=f"ledger:{budget.id}:{status}:{q.course}", query=q)
    return json_response(Page[LedgerEntryOut](items=[LedgerEntryOut(
        purchase_id=p.id, course=CourseRef(id=p.course.id, title=p.course.title), status=p.status, seats=p.seats,
        start_date=p.start_date, end_date=p.end_date, amount=p.amount, actual_amount=p.actual_amount, created_at=p.created_at,
    ) for p in items], next_cursor=cursor, limit=q.limit))


# --- thresholds -----------------------------------------------------------------------------------------------------

@bp.get("/thresholds")
@requires(perm.authenticated)
@operation(scope="rules", summary="The threshold table on a date", tag="Rules", query=ThresholdQuery, response=ThresholdsOut, etag=True,
           description="The figures of the rules engine's dated threshold table in force on `date` (default today), each "
                       "with its rule, period and legal source, the law in force, and the table's fingerprint and source.")
def thresholds():
    from ..rulecheck.services import current_table
    from ..rules.thresholds import ThresholdTable

    q = parse_query(ThresholdQuery)
    table = current_table(get_session())
    on = q.date or clock.today()
    found = table.lookup(on)
    law = found.law
    return detail(ThresholdsOut(
        date=on, table_id=table.id, table_source="shipped" if table is ThresholdTable.shipped() else "database",
        law=LawOut(id=law.id, title=law.title, title_en=law.title_en, in_force_from=law.effective_from,
                   in_force_to=law.effective_to, verified=law.last_verified is not None) if law is not None else None,
        thresholds=[ThresholdOut(key=r.key, rule=r.rule, value_nok=r.value_nok, effective_from=r.effective_from,
                                 effective_to=r.effective_to, source=r.source, last_verified=r.last_verified, note=r.note)
                    for r in found.rows],
    ))
