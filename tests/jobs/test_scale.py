"""Issue 22: the jobs at national scale read in batches, so their statement count does not grow with the rows they
handle (the measured run, seconds and memory per job, is scripts/bench_jobs.py)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, inspect, select

from contracts_app.audit import AuditEvent
from contracts_app.jobs import retention, runner, split_watch
from contracts_app.organisations.models import Unit, UnitKind
from contracts_app.purchases.models import Participant, SeatPurchase


def clone_purchases(db, purchase: SeatPurchase, n: int, **changes) -> None:
    """``n`` more purchases like ``purchase``, each with one participant (rows only)."""
    columns = [c.key for c in inspect(SeatPurchase).column_attrs if c.key != "id"]
    for i in range(n):
        values = {k: getattr(purchase, k) for k in columns}
        values.update(created_at=purchase.created_at + dt.timedelta(minutes=i + 1), amount=Decimal("1000.00") + i, **changes)
        copy = SeatPurchase(**values)
        db.add(copy)
        db.flush()
        db.add(Participant(purchase_id=copy.id, reference=f"REF-{i}", consent=True, consent_date=dt.date(2026, 2, 1)))
    db.commit()


def _retention_statements(ctx, db, count_statements) -> tuple[int, dict]:
    ctx.extensions["clock"].at = dt.datetime(2027, 6, 20, 8, 0, tzinfo=dt.timezone.utc)  # a year after the seats ended
    db.expunge_all()
    with count_statements() as seen:
        out = runner.run_job("retention.anonymise", trigger="manual")
    assert out.status == "succeeded", out.error
    return len(seen), out.result


def test_retention_runs_the_same_statements_for_one_purchase_as_for_many(ctx, db, world, count_statements, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 50)
    few, result = _retention_statements(ctx, db, count_statements)
    assert result["purchases"] == 1 and result["participants"] == 1
    clone_purchases(db, world.purchase, 40)
    ctx.extensions["clock"].advance(days=1)
    many, result = _retention_statements(ctx, db, count_statements)
    assert result["purchases"] == 40 and result["participants"] == 40
    assert many <= few + 2  # the audit events go in one multi-row insert (its parameters may be split once)
    left = db.scalar(select(func.count()).select_from(Participant).where(Participant.anonymised_at.is_(None), Participant.reference != ""))
    assert left == 0
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "retention.participants_anonymised")).all()
    assert len(events) == 41 and {e.after["participants"] for e in events} == {1}


@pytest.mark.parametrize("units", [1, 12])
def test_the_split_watch_sums_read_each_buying_unit_once(db, world, count_statements, units):
    """The sums per buyer, supplier and need: one statement for the rows, one for the units (and one for the
    municipal legal persons), however many units and rows."""
    extra = [Unit(name=f"Nav Enhet {i}", kind=UnitKind.nav_office, legal_entity_id=world.state.id,
                  municipal_entity_id=world.municipality.id, is_active=True) for i in range(units)]
    db.add_all(extra)
    db.flush()
    for unit in extra:
        clone_purchases(db, world.purchase, 3, buyer_unit_id=unit.id)
    db.expunge_all()  # the job finds nothing in the session's identity map
    with count_statements() as seen:
        groups = split_watch.sums(db, dt.date(2026, 6, 1))
    assert len(seen) <= 3, "\n".join(seen)
    assert sum(g["count"] for g in groups.values()) == 1 + 3 * units
