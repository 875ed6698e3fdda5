"""Job 6: the split-purchase watch (VAL-06, VAL-03).

Nightly, seat purchases (confirmed or completed; actual cost when registered) are summed per buyer legal entity
(for a Nav office the side that bought: NAV-01), supplier legal entity and need (the kind of course, as in
purchases/facts.py) over the engine's aggregation window: purchases starting from 12 months before today,
including those that start later but are already committed. When a sum reaches 80 % of the next threshold for
special services (lower limit of the Act, national threshold, EEA threshold; thresholds from the database table,
rulecheck.services.current_table) in force on the date the group's next purchase would be made — today, or the
start of its latest committed purchase when that is later (THR-11: a window across 2026-07-01 is compared with
the limit of the amended Act once the next purchase falls after it) — the buyer's legal reviewers and the budget owners of
the buying units are told — once per threshold, and again only after the sum fell below 80 % and came back.
Purchases within one legal entity (egenregi, EXC-INH-01) are not procurements and are left out.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..auth.models import Role
from ..formats import local_date
from ..db import begin_write
from ..notifications.services import legal_reviewers_of, notify_users, users_with_roles
from ..organisations.models import LegalEntity, Unit
from ..purchases.models import PurchaseStatus, SeatPurchase
from ..rulecheck.services import current_table
from ..rules.dates import add_months
from . import watch
from .models import WatchState

ALERT_SHARE = Decimal("0.8")
LEVELS = ("lower_limit", "national", "eea_special_health_social")


def sums(session: Session, today: dt.date) -> dict[tuple[int, int, str], dict]:
    """(buyer entity, supplier entity, need) → {"total", "units", "count", "last"} (``last``: latest start)."""
    # The supplier and the need as recorded on each purchase when it was made (purchases/facts.py counts the same).
    amount = func.coalesce(SeatPurchase.actual_amount, SeatPurchase.amount)
    group = (SeatPurchase.buyer_unit_id, SeatPurchase.side, SeatPurchase.supplier_entity_id, SeatPurchase.course_kind)
    rows = session.execute(
        select(*group, func.sum(amount), func.count(), func.max(SeatPurchase.start_date))
        .where(SeatPurchase.status.in_([PurchaseStatus.confirmed, PurchaseStatus.completed]),
               SeatPurchase.start_date >= add_months(today, -12))
        .group_by(*group)
    ).all()
    out: dict[tuple[int, int, str], dict] = defaultdict(lambda: {"total": Decimal(0), "units": set(), "count": 0, "last": today})
    # Each buying unit's two legal persons, read once: tens of thousands of rows name a few hundred units (held
    # here, as the session's identity map would let them go and read each again).
    buyer_of: dict[tuple[int, object], int] = {}
    unit_ids = {row[0] for row in rows}
    units = {u.id: u for u in session.scalars(select(Unit).options(selectinload(Unit.municipal_entity))
                                               .where(Unit.id.in_(unit_ids)))} if unit_ids else {}
    for unit_id, side, supplier_id, kind, total, n, last in rows:
        if (unit_id, side) not in buyer_of:
            buyer_of[(unit_id, side)] = units[unit_id].entity_for_side(side).id
        buyer_id = buyer_of[(unit_id, side)]
        if buyer_id == supplier_id:
            continue
        group = out[(buyer_id, supplier_id, getattr(kind, "value", kind))]
        group["total"] += Decimal(str(total))
        group["units"].add(unit_id)
        group["count"] += n
        last = last if isinstance(last, dt.date) else dt.date.fromisoformat(str(last)[:10])  # a string on SQLite
        group["last"] = max(group["last"], last)
    return out


def levels_on(table, day: dt.date) -> list[tuple[str, Decimal]]:
    """The watched thresholds in force on ``day``, ascending (a level the table lacks on that day is skipped)."""
    ts = table.lookup(day)
    return sorted(((k, getattr(ts, k)) for k in LEVELS if getattr(ts, k) is not None), key=lambda kv: kv[1])


def run(session: Session, now: dt.datetime) -> dict:
    today = local_date(now)
    begin_write(session)
    table = current_table(session)
    groups = sums(session, today)
    # read once and held (the identity map alone would let them go): the watch states and the parties named
    states = {row.key: row for row in session.scalars(select(WatchState).where(WatchState.key.like("split:%")))}
    entity_ids = {i for buyer_id, supplier_id, _need in groups for i in (buyer_id, supplier_id)}
    held_entities = session.scalars(select(LegalEntity).where(LegalEntity.id.in_(entity_ids))).all() if entity_ids else []  # noqa: F841
    seen: set[str] = set()
    reviewers: dict[int, set[int]] = {}  # per buying legal person, and budget owners per set of units: asked once
    owners: dict[frozenset, set[int]] = {}
    # The notices and states of this run are written at its end in multi-row inserts, not flushed before each read:
    # every group has its own dedupe key, so no read in the loop needs what the loop added.
    with session.no_autoflush:
        alerts, told = _watch(session, now, table, groups, states, seen, reviewers, owners)
    # A group whose purchases all left the window has no sum any more: it is at zero, so its alerts are over
    # and crossing 80 % again later tells again.
    for row in [row for key, row in states.items() if key not in seen]:
        if row.state.get("alerted"):
            watch.save(session, row.key, {"alerted": [], "round": row.state.get("round", 0) + 1, "total": "0"}, now, states)
    return {"groups": len(groups), "alerts": alerts, "notified": told}


def _watch(session: Session, now: dt.datetime, table, groups: dict, states: dict, seen: set, reviewers: dict,
           owners: dict) -> tuple[int, int]:
    alerts = told = 0
    for (buyer_id, supplier_id, need), g in sorted(groups.items()):
        total = g["total"]
        levels = levels_on(table, g["last"])
        value = dict(levels)
        key = f"split:{buyer_id}:{supplier_id}:{need}"
        seen.add(key)
        state = watch.load(session, key, states)
        before = [k for k in state.get("alerted", []) if k in value]
        still = [k for k in before if total >= ALERT_SHARE * value[k]]
        round_no = state.get("round", 0) + (1 if len(still) < len(before) else 0)
        # Every level the sum has reached 80 % of and nobody was told about: one purchase may take a group from
        # below 80 % of one threshold past it (or past several). The highest such level is told; all are noted.
        due = [(k, v) for k, v in levels if total >= ALERT_SHARE * v and k not in still]
        if due:
            level, threshold = due[-1]
            buyer, supplier = session.get(LegalEntity, buyer_id), session.get(LegalEntity, supplier_id)
            if buyer_id not in reviewers:
                reviewers[buyer_id] = set(legal_reviewers_of(session, [buyer_id]))
            units = frozenset(g["units"])
            if units not in owners:
                owners[units] = set(users_with_roles(session, units, (Role.budget_owner,)))
            who = reviewers[buyer_id] | owners[units]
            told += notify_users(session, sorted(who), "purchases.split_risk", {
                "buyer": buyer.name, "supplier": supplier.name, "need": need, "total": str(total),
                "pct": str((total * 100 / threshold).quantize(Decimal("0.1"))), "threshold_name": level,
                "threshold": str(threshold), "purchases": g["count"],
            }, link="/purchases", now=now, dedupe_key=f"split:{buyer_id}:{supplier_id}:{need}:{level}:{round_no}")
            still.extend(k for k, _v in due)
            alerts += 1
        new = {"alerted": still, "round": round_no, "total": str(total)}
        if new != state:
            watch.save(session, key, new, now, states)
    return alerts, told
