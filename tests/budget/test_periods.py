"""The rule that puts a budget line's money on its months (budget/periods.py, pure): a commitment is shared over
the days of its seat period, an actual cost counts in the month it was registered, and the parts always add up
to the amount exactly."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ..support import FIXED_NOW, login

from contracts_app.budget.periods import AFTER, BEFORE, Commitment, consumption, split_by_month

D = dt.date


@pytest.mark.parametrize("amount, start, end, parts", [
    # inside one month: all of it in that month
    ("7104.00", D(2026, 3, 2), D(2026, 3, 31), {(2026, 3): "7104.00"}),
    # one day
    ("0.01", D(2026, 5, 5), D(2026, 5, 5), {(2026, 5): "0.01"}),
    # across months, by days: 30 days in January, 28 in February, 2 in March (60 days)
    ("6000.00", D(2026, 1, 2), D(2026, 3, 2), {(2026, 1): "3000.00", (2026, 2): "2800.00", (2026, 3): "200.00"}),
    # øre that do not share evenly (1, 28 and 1 of 30 days): rounded on the running total, so nothing is lost
    ("100.00", D(2026, 1, 31), D(2026, 3, 1), {(2026, 1): "3.33", (2026, 2): "93.34", (2026, 3): "3.33"}),
    ("0.01", D(2026, 1, 1), D(2026, 2, 28), {(2026, 1): "0.01", (2026, 2): "0.00"}),
    # across the year boundary: 31 days in December, 31 in January
    ("1000.00", D(2026, 12, 1), D(2027, 1, 31), {(2026, 12): "500.00", (2027, 1): "500.00"}),
    # a leap year's February counts 29 days
    ("5900.00", D(2028, 2, 1), D(2028, 3, 30), {(2028, 2): "2900.00", (2028, 3): "3000.00"}),
])
def test_a_commitment_is_shared_over_the_months_of_its_seat_period_by_days(amount, start, end, parts):
    got = split_by_month(Decimal(amount), start, end)
    assert {ym: str(part) for ym, part in got} == parts
    assert sum(part for _ym, part in got) == Decimal(amount)


@pytest.mark.parametrize("amount, start, end", [
    ("1000000.01", D(2026, 1, 1), D(2026, 12, 31)),
    ("99.99", D(2026, 1, 15), D(2026, 11, 3)),
    ("123456.78", D(2025, 11, 20), D(2027, 2, 2)),
    ("0.07", D(2026, 1, 1), D(2026, 12, 31)),
    ("0.00", D(2026, 4, 1), D(2026, 6, 30)),
])
def test_the_parts_add_up_to_the_amount_exactly_and_are_whole_ore(amount, start, end):
    got = split_by_month(Decimal(amount), start, end)
    assert sum(part for _ym, part in got) == Decimal(amount)
    assert all(part == part.quantize(Decimal("0.01")) and part >= 0 for _ym, part in got)


def test_an_end_before_the_start_counts_on_the_start_day():
    assert split_by_month(Decimal("50.00"), D(2026, 4, 10), D(2026, 4, 1)) == [((2026, 4), Decimal("50.00"))]


def _by_month(result):
    return {p.month: (p.committed, p.spent, p.cumulative_used) for p in result.rows}


@pytest.mark.parametrize("commitments, spends, year, expected", [
    # a line of next year: its months carry what is planned, although nothing happened yet
    ([("3000.00", D(2027, 1, 1), D(2027, 1, 31)), ("6400.00", D(2027, 3, 1), D(2027, 4, 1))], [], 2027,
     {1: ("3000.00", "0", "3000.00"), 3: ("6200.00", "0", "9200.00"), 4: ("200.00", "0", "9400.00")}),
    # spent counts in the month it was registered
    ([], [(D(2026, 5, 20), "1234.50")], 2026, {5: ("0", "1234.50", "1234.50")}),
    # the part of a period after the line's year is shown after the year; before it, before the year
    ([("1000.00", D(2026, 12, 1), D(2027, 1, 31))], [], 2026, {12: ("500.00", "0", "500.00"), AFTER: ("500.00", "0", "1000.00")}),
    ([("1000.00", D(2026, 12, 1), D(2027, 1, 31))], [], 2027, {BEFORE: ("500.00", "0", "500.00"), 1: ("500.00", "0", "1000.00")}),
    # an actual cost registered in January of the next year counts after the year
    ([], [(D(2027, 1, 8), "700.00")], 2026, {AFTER: ("0", "700.00", "700.00")}),
])
def test_the_months_of_a_line_carry_commitments_by_period_and_spending_where_registered(commitments, spends, year, expected):
    result = consumption([Commitment(Decimal(a), s, e) for a, s, e in commitments],
                         [(day, Decimal(a)) for day, a in spends], year)
    got = _by_month(result)
    for month, (committed, spent, cumulative) in expected.items():
        assert got[month] == (Decimal(committed), Decimal(spent), Decimal(cumulative)), month
    assert [p.month for p in result.months] == list(range(1, 13))
    others = [m for m in got if m not in expected and m in (BEFORE, AFTER)]
    assert others == []  # the rows before and after the year are there only when they carry money
    assert sum(p.committed + p.spent for p in result.rows) == result.total
    assert result.total == sum(Decimal(a) for a, _s, _e in commitments) + sum(Decimal(a) for _d, a in spends)


# --- the same rule as booked when the money moves (budget.services → budget_month → budget/queries.spreads) ------

AMOUNTS = ["0.00", "0.01", "0.05", "1", "99.99", "1000.00", "7104.00", "12345.67", "999999999.99"]
PERIODS = [(D(2026, 1, 1), D(2026, 1, 1)), (D(2026, 1, 15), D(2026, 2, 14)), (D(2026, 3, 2), D(2026, 6, 19)),
           (D(2025, 11, 30), D(2027, 1, 2)), (D(2026, 2, 28), D(2026, 3, 1)), (D(2026, 12, 31), D(2027, 1, 1)),
           (D(2024, 2, 1), D(2028, 2, 29))]
#: Costs around the month ends in the product's time zone (Oslo: UTC+1 in winter, +2 in summer).
SPENDS = [(dt.datetime(2026, 1, 31, 22, 59, tzinfo=dt.timezone.utc), "10.00"),  # 31 January 23:59 in Oslo
          (dt.datetime(2026, 1, 31, 23, 0, tzinfo=dt.timezone.utc), "20.00"),  # 1 February 00:00
          (dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.timezone.utc), "30.05"),  # 1 July 00:30
          (dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.timezone.utc), "40.00"),  # 1 January 2026 00:30
          (dt.datetime(2025, 12, 31, 22, 30, tzinfo=dt.timezone.utc), "0.01"),  # 31 December 2025 23:30
          (dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.timezone.utc), "7.77")]  # 1 January 2027 00:00


def _line_with_moves(db, world, year: int, line: str, *, keep: bool, cancel: bool, spend: bool):
    """A line of ``year`` whose money moved through budget.services as the purchase service moves it: a purchase
    of every amount and period committed (``keep``), committed and released again (``cancel``), and one committed
    per cost of SPENDS and moved to spent with that cost at its moment (``spend``)."""
    from sqlalchemy import inspect

    from contracts_app.budget import services as budget_services
    from contracts_app.purchases.models import SeatPurchase
    from contracts_app.purchases.states import PurchaseStatus as S

    from ..factories import make_budget

    budget = make_budget(db, world.nav_office, year=year, line=line, amount="999999999999")
    columns = [c.key for c in inspect(SeatPurchase).column_attrs if c.key != "id"]
    base = {k: getattr(world.purchase, k) for k in columns}

    def committed(amount: str, start: dt.date, end: dt.date) -> SeatPurchase:
        purchase = SeatPurchase(**{**base, "budget_id": budget.id, "status": S.confirmed, "amount": Decimal(amount),
                                   "start_date": start, "end_date": end})
        db.add(purchase)
        db.flush()
        budget_services.commit(db, budget, purchase, now=FIXED_NOW)
        return purchase

    for wanted, status in ((keep, None), (cancel, S.cancelled)):
        for amount in AMOUNTS if wanted else ():
            for start, end in PERIODS:
                purchase = committed(amount, start, end)
                if status is not None:
                    budget_services.release(db, budget, purchase, now=FIXED_NOW)
                    purchase.status = status
    for at, amount in SPENDS if spend else ():
        purchase = committed("500.00", *PERIODS[3])
        budget_services.spend(db, budget, purchase, Decimal(amount), now=at)
        purchase.status = S.completed
    db.commit()
    return budget


def test_the_months_as_booked_are_the_rule_to_the_ore(db, world):
    """The page's months (booked by budget.services as money is committed, released and spent, read per line) are
    periods.consumption's of the line's open commitments and costs, to the øre: the running totals by days, the
    costs by their date in the product's time zone, outside the year apart; what was released counts nowhere."""
    from contracts_app.budget import queries
    from contracts_app.formats import local_date

    lines = [_line_with_moves(db, world, year, f"Linje {year}", keep=True, cancel=True, spend=True) for year in (2025, 2026, 2027)]
    got = queries.spreads(db, [*lines, world.budget])
    commitments = [Commitment(Decimal(a), s, e) for a in AMOUNTS for s, e in PERIODS]
    spends = [(local_date(at), Decimal(a)) for at, a in SPENDS]
    for line in lines:
        assert got[line.id] == consumption(commitments, spends, line.year), line.year
        assert got[line.id].total == sum(c.amount for c in commitments) + sum(a for _d, a in spends) == line.used
    world_purchase = world.purchase
    assert got[world.budget.id] == consumption(
        [Commitment(world_purchase.amount, world_purchase.start_date, world_purchase.end_date)], [], world.budget.year)
    # costs at Oslo midnight fall in the month that starts then; the one before in the month before
    months = {p.month: p.spent for p in got[lines[1].id].rows}
    assert (months[BEFORE], months[1], months[2], months[7], months[AFTER]) == (
        Decimal("0.01"), Decimal("50.00"), Decimal("20.00"), Decimal("30.05"), Decimal("7.77"))


def test_released_commitments_count_in_no_month(db, world):
    """A cancelled purchase counts nowhere (its commitment was released), nor does a completed one (its actual
    cost is registered instead): the months hold only the costs."""
    from contracts_app.budget import queries

    line = _line_with_moves(db, world, 2026, "Andre", keep=False, cancel=True, spend=True)
    spread = queries.spreads(db, [line])[line.id]
    assert all(p.committed == 0 for p in spread.rows)
    assert spread.total == sum(Decimal(a) for _at, a in SPENDS) == line.used


def test_the_months_follow_every_purchase_service_that_moves_money(db, world):
    """Through the purchase services themselves — confirm, an override approved past a stop, cancel, the actual
    cost registered (more and less than committed) — a line's months are periods.consumption of what its
    purchases and costs are afterwards, and their total is what the line has used."""
    from sqlalchemy import select

    from contracts_app.audit import Actor
    from contracts_app.budget import queries
    from contracts_app.budget import services as budget_services
    from contracts_app.budget.models import BudgetEntry, EntryKind
    from contracts_app.formats import local_date
    from contracts_app.purchases import services as purchase_services
    from contracts_app.purchases.models import SeatPurchase
    from contracts_app.purchases.states import PurchaseStatus as S

    from ..factories import buy, make_budget, make_course

    budget = make_budget(db, world.nav_office, year=2026, line="Avstemt", amount="900000")
    advisor = Actor(world.users["advisor"].id, world.nav_office.id)
    owner = Actor(world.users["budget_owner"].id, world.nav_office.id)
    bought = []
    for i, (start, end) in enumerate([(D(2026, 1, 5), D(2026, 3, 27)), (D(2026, 3, 30), D(2026, 6, 19)),
                                      (D(2026, 8, 17), D(2026, 12, 18)), (D(2026, 11, 2), D(2027, 2, 26))]):
        course = make_course(db, world.adult_education, title=f"Norsk avstemt {i}", start_date=start, end_date=end)
        db.commit()
        # a purchase is committed within the line's year: the course that goes on into 2027 is bought until New Year
        bought += [buy(db, course, budget, world.users["advisor"], seats=1 + i % 2, end=min(end, D(2026, 12, 31))) for _ in range(2)]
        db.commit()
    purchase_services.cancel(db, bought[0].id, reason="Fikk jobb", actor=advisor, now=FIXED_NOW)
    purchase_services.register_actual_cost(db, bought[2].id, amount=str(bought[2].amount + Decimal("123.45")), actor=owner,
                                           now=dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.timezone.utc))
    purchase_services.register_actual_cost(db, bought[4].id, amount="0", actor=owner, now=FIXED_NOW)
    db.commit()
    # a purchase refused by a stop and let past it by a second budget owner
    budget_services.declare_stop(db, budget, reason="Tiltaksstopp i vår", starts_on=D(2026, 3, 1), ends_on=None,
                                 actor=owner, now=FIXED_NOW)
    db.commit()
    waiting = buy(db, make_course(db, world.adult_education, title="Norsk etter stopp", start_date=D(2026, 4, 6),
                                  end_date=D(2026, 9, 25)), budget, world.users["advisor"], override_reason="Vedtak fattet før stoppen")
    db.commit()
    assert waiting.status == S.awaiting_override
    purchase_services.decide_override(db, waiting.id, approve=True, note="Ok", actor=owner, now=FIXED_NOW, today=FIXED_NOW.date())
    db.commit()

    db.expire_all()
    open_ = db.scalars(select(SeatPurchase).where(SeatPurchase.budget_id == budget.id, SeatPurchase.status == S.confirmed)).all()
    costs = db.execute(select(BudgetEntry.at, BudgetEntry.amount).where(BudgetEntry.budget_id == budget.id,
                                                                        BudgetEntry.kind == EntryKind.spend)).all()
    assert len(open_) == 6 and len(costs) == 2
    expected = consumption([Commitment(p.amount, p.start_date, p.end_date) for p in open_],
                           [(local_date(at), amount) for at, amount in costs], 2026)
    got = queries.month_spread(db, budget)
    assert got == expected
    assert got.total == budget.used
    assert got.months[6].spent == bought[2].actual_amount  # registered 1 July 00:30 in Oslo


def test_a_line_without_purchases_or_costs_has_twelve_empty_months(db, world):
    from contracts_app.budget import queries

    from ..factories import make_budget

    line = make_budget(db, world.nav_office, year=2027, line="Tom")
    db.commit()
    spread = queries.month_spread(db, line)
    assert [p.month for p in spread.rows] == list(range(1, 13)) and spread.total == 0


# --- the budget page ----------------------------------------------------------------------------------------------

def _next_year_line(db, world, *, amount="200000", courses=1, line="Tiltaksmidler opplæring"):
    """A line for 2027 (today is 2 March 2026) with purchases on courses from January to March 2027."""
    from ..factories import buy, make_budget, make_course

    budget = make_budget(db, world.nav_office, year=2027, amount=amount, line=line)
    purchases = []
    for i in range(courses):
        course = make_course(db, world.adult_education, title=f"Norsk 2027 {line} nr. {i}", start_date=D(2027, 1, 4),
                             end_date=D(2027, 3, 26))
        db.commit()
        purchases.append(buy(db, course, budget, world.users["advisor"]))
        db.commit()
    return budget, purchases


def _month_cells(html: str) -> dict[str, str]:
    """Month label → the committed cell of the page's table of consumption by month."""
    import re

    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', html))


def test_a_line_of_next_year_shows_its_months_and_a_forecast(client, db, world):
    from contracts_app import formats

    budget, [purchase] = _next_year_line(db, world)
    login(client, world.users["budget_owner"].email)
    response = client.get(f"/budgets/{budget.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    cells = _month_cells(html)
    parts = dict(split_by_month(purchase.amount, D(2027, 1, 4), D(2027, 3, 26)))  # 28, 28 and 26 days
    assert len(parts) == 3 and all(part > 0 for part in parts.values())
    for month in (1, 2, 3):
        assert cells[f"{month:02d}.2027"] == formats.money(parts[(2027, month)])
    assert cells["04.2027"] == formats.money(Decimal("0"))
    assert "Før 2027" not in cells and "Etter 2027" not in cells
    # the rule is stated, and the forecast speaks of a year that has not started
    assert "fordelt etter antall dager" in html
    assert "2027 har ikke startet" in html and formats.money(purchase.amount) in html
    assert "Ingenting er brukt ennå" not in html


def test_a_cancelled_purchase_leaves_the_months_of_its_line(client, db, world):
    from contracts_app import formats
    from contracts_app.audit import Actor
    from contracts_app.purchases import services as purchase_services

    budget, [kept, cancelled] = _next_year_line(db, world, courses=2)
    purchase_services.cancel(db, cancelled.id, reason="Deltakeren fikk jobb", actor=Actor(world.users["advisor"].id, world.nav_office.id),
                             now=FIXED_NOW)
    db.commit()
    login(client, world.users["budget_owner"].email)
    cells = _month_cells(client.get(f"/budgets/{budget.id}").get_data(as_text=True))
    parts = dict(split_by_month(kept.amount, D(2027, 1, 4), D(2027, 3, 26)))
    assert [cells[f"{m:02d}.2027"] for m in (1, 2, 3)] == [formats.money(parts[(2027, m)]) for m in (1, 2, 3)]


def test_the_budget_page_runs_as_many_statements_for_many_commitments_as_for_one(client, db, world, count_statements):
    one, _ = _next_year_line(db, world)
    many, _ = _next_year_line(db, world, courses=6, line="Andre midler")
    login(client, world.users["budget_owner"].email)
    counts = []
    for budget_id in (one.id, many.id):
        db.expunge_all()  # the page loads what it shows itself, not from what this test created
        with count_statements() as seen:
            assert client.get(f"/budgets/{budget_id}").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]
