"""The rules assessment a purchase is confirmed with: the threshold table in force, earlier purchases."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from contracts_app.courses.pricing import Rate

from ..factories import buy, make_budget, make_course


def test_an_assessment_sees_a_change_to_the_threshold_table_made_just_before(db, world, clock):
    """A change to the threshold table made just before is seen by the next purchase (its stored assessment
    names the new table), and the earlier purchases still count."""
    from contracts_app.audit import SYSTEM
    from contracts_app.rulecheck import services as rulecheck
    from contracts_app.rulecheck.models import ThresholdPeriod

    rulecheck.load_shipped(db, actor=SYSTEM, now=clock.now())
    db.commit()
    first = buy(db, world.course, world.budget, world.users["advisor"], refs=["TAB-1"])
    assert first.assessment["assessment"]["ruleset"]["table_id"] == rulecheck.current_table(db).id
    pending = db.scalar(select(ThresholdPeriod).where(ThresholdPeriod.status == "pending", ThresholdPeriod.key == "eea_special_health_social"))
    rulecheck.activate(db, pending.id, effective_from=dt.date(2026, 7, 1), value_nok="8000000", actor=SYSTEM, now=clock.now())
    db.commit()
    second = buy(db, world.course, world.budget, world.users["advisor"], refs=["TAB-2"])
    assert second.assessment["assessment"]["ruleset"]["table_id"] == rulecheck.current_table(db).id
    assert second.assessment["assessment"]["ruleset"]["table_id"] != first.assessment["assessment"]["ruleset"]["table_id"]
    # The earlier purchases still count (the world's purchase and the first one here: same supplier and need).
    assert sum(p["count"] for p in second.assessment["facts"]["related_purchases"]) == 2

def test_purchase_facts_count_earlier_purchases_with_or_without_the_table_version(db, world):
    """purchase_facts also serves callers that do not want the threshold table's version."""
    from contracts_app.organisations.models import Side
    from contracts_app.purchases import facts as facts_module

    args = dict(buyer_unit=world.nav_office, side=Side.state, course=world.course, amount=Decimal("1000.00"),
                start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 19))
    version: list = []
    with_version = facts_module.purchase_facts(db, **args, table_version=version)
    without = facts_module.purchase_facts(db, **args)
    assert with_version == without and len(version) == 14  # rulecheck.services.TABLE_VERSION's columns
    assert without["related_purchases"] == [{"value_nok": "7104.00", "date": "2026-03-02", "same_need": True, "count": 1}]

def test_purchase_facts_sum_earlier_purchases_per_month_inside_the_window(db, world):
    """One related purchase per month: the month's sum, its latest date and how many purchases it holds; only
    months inside the twelve-month window up to the new purchase's start count (both databases group by
    their own month expression)."""
    from contracts_app.organisations.models import Side
    from contracts_app.purchases import facts as facts_module

    for start, end in [("2026-03-09", "2026-03-13"), ("2026-03-16", "2026-03-20"), ("2026-04-13", "2026-04-17")]:
        buy(db, world.course, world.budget, world.users["advisor"], start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end))
    facts = facts_module.purchase_facts(db, buyer_unit=world.nav_office, side=Side.state, course=world.course,
                                        amount=Decimal("1000.00"), start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 19))
    months = [(p["date"], p["count"]) for p in facts["related_purchases"]]
    # The world's purchase (2 March, 7 104 kr) and two in March; one in April.
    assert months == [("2026-03-16", 3), ("2026-04-13", 1)]
    week = Decimal("480.00")  # 5 days × 1,6 t × 60 kr
    assert [Decimal(p["value_nok"]) for p in facts["related_purchases"]] == [Decimal("7104.00") + 2 * week, week]
    later = facts_module.purchase_facts(db, buyer_unit=world.nav_office, side=Side.state, course=world.course,
                                        amount=Decimal("1000.00"), start=dt.date(2027, 4, 1), end=dt.date(2027, 4, 19))
    assert [(p["date"], p["count"]) for p in later["related_purchases"]] == [("2026-04-13", 1)]  # March 2026 is outside

def test_split_purchase_warning_when_seats_add_up(db, world):
    """Many single seats from the same provider for the same need add up (VAL-06)."""
    expensive = make_course(db, world.adult_education, title="Intensivkurs", price_unit="per_seat",
                            rates=[Rate(dt.date(2026, 1, 1), Decimal("40000"))])
    big = make_budget(db, world.nav_office, line="Stor", amount="1000000")
    assessments = [buy(db, expensive, big, world.users["advisor"], refs=[f"A-{i}"]).assessment["assessment"] for i in range(3)]
    assert assessments[0]["verdict"] == "below_scope"
    assert assessments[2]["verdict"] == "procurement_required"
    assert "VAL-06" in {w["rule_id"] for w in assessments[2]["warnings"]}
