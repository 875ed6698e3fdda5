"""Course prices: rounding, counting teaching days/weeks/months, splitting by rate and year, validation, text."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from contracts_app.courses.pricing import (
    MONEY_MAX,
    PriceUnit,
    PricingError,
    Quote,
    Rate,
    Schedule,
    quote,
    round_money,
    validate_rates,
)

D = Decimal
NBSP = "\u00a0"
MON_FRI = (0, 1, 2, 3, 4)


def plain(text: str) -> str:
    """The same text with non-breaking spaces shown as ordinary ones, so expectations stay readable."""
    return text.replace(NBSP, " ")


def rates(*pairs: tuple[str, str]) -> list[Rate]:
    return [Rate(date.fromisoformat(day), D(amount)) for day, amount in pairs]


RATE_60 = rates(("2026-01-01", "60.00"))


def hours_quote(start: str, end: str, hours_per_week="8", weekdays=MON_FRI, seats=1, price=RATE_60) -> Quote:
    return quote(
        PriceUnit.per_hour,
        price,
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        seats=seats,
        schedule=Schedule(D(hours_per_week), tuple(weekdays)),
    )


def fields_of(excinfo: pytest.ExceptionInfo[PricingError]) -> set[str]:
    errors = excinfo.value.errors
    assert all(e.message_nb and e.message_en and e.message_nb != e.message_en for e in errors)
    return {e.field for e in errors}


# --- the one rounding rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),  # a float would be 2.67499999… and round down
        ("2.665", "2.67"),  # half up, not half even
        ("0.015", "0.02"),
        ("12", "12.00"),
        ("46.662", "46.66"),
        ("999999999999.994", "999999999999.99"),
    ],
)
def test_round_money_is_half_up_to_whole_ore(value, expected):
    result = round_money(D(value))
    assert str(result) == expected


def test_money_max_is_the_largest_numeric_14_2():
    assert MONEY_MAX == D("999999999999.99")
    q = quote("per_seat", rates(("2026-01-01", str(MONEY_MAX))), start=date(2026, 1, 1), end=date(2026, 1, 1))
    assert q.total == MONEY_MAX


def test_round_money_refuses_floats():
    with pytest.raises(TypeError):
        round_money(2.675)  # type: ignore[arg-type]


def test_price_unit_names_equal_values_because_the_database_stores_names():
    assert [(u.name, u.value) for u in PriceUnit] == [
        ("per_seat", "per_seat"),
        ("per_hour", "per_hour"),
        ("per_week", "per_week"),
        ("per_month", "per_month"),
    ]
    assert PriceUnit("per_hour") is PriceUnit.per_hour


# --- per_hour ----------------------------------------------------------------------------------------


def test_per_hour_worked_example_twelve_whole_weeks():
    q = hours_quote("2026-08-17", "2026-11-06")  # Monday to Friday, no public holidays in the autumn

    assert q.unit is PriceUnit.per_hour
    assert (q.hours, q.teaching_days, q.total) == (D("96"), 60, D("5760.00"))
    assert q.holidays_skipped == ()
    [line] = q.lines
    assert (line.rate, line.quantity, line.amount, line.whole_weeks) == (D("60.00"), D("96"), D("5760.00"), 12)
    assert line.text() == f"8{NBSP}t/uke × 12{NBSP}uker × kr{NBSP}60,00 = kr{NBSP}5{NBSP}760,00"
    assert plain(q.breakdown()[0]) == "17.08.2026–06.11.2026: 8 t/uke × 12 uker × kr 60,00 = kr 5 760,00"
    assert plain(q.breakdown()[-1]) == "Sum eks. mva.: kr 5 760,00"


def test_per_hour_skips_norwegian_public_holidays_on_teaching_days():
    # 30 March – 29 May 2026, Monday–Friday: 45 weekdays, of which six are public holidays.
    q = hours_quote("2026-03-30", "2026-05-29")

    assert q.teaching_days == 39
    assert q.hours == D("62.4")  # 39 days × 8/5 h
    assert q.total == D("3744.00")
    assert q.holidays_skipped == (
        (date(2026, 4, 2), "Skjærtorsdag"),
        (date(2026, 4, 3), "Langfredag"),
        (date(2026, 4, 6), "Andre påskedag"),
        (date(2026, 5, 1), "Arbeidernes dag"),
        (date(2026, 5, 14), "Kristi himmelfartsdag"),
        (date(2026, 5, 25), "Andre pinsedag"),
    )
    # 17 May 2026 (Grunnlovsdag), Easter Sunday and Whit Sunday fall on Sundays: no teaching, no effect.
    assert date(2026, 5, 17).weekday() == 6
    assert plain(q.lines[0].text()) == "62,4 t × kr 60,00 = kr 3 744,00"  # not whole weeks: holidays inside
    assert plain(q.breakdown()[-1]) == (
        "Helligdager uten undervisning: 02.04.2026 (Skjærtorsdag), 03.04.2026 (Langfredag), "
        "06.04.2026 (Andre påskedag), 01.05.2026 (Arbeidernes dag), 14.05.2026 (Kristi himmelfartsdag), "
        "25.05.2026 (Andre pinsedag)"
    )


def test_ordinary_sundays_are_teaching_days_only_official_holidays_are_skipped():
    # A weekend course in May 2026: five Saturdays, five Sundays; 17 May and Whit Sunday are holidays.
    q = hours_quote("2026-05-01", "2026-05-31", hours_per_week="6", weekdays=(5, 6))

    assert q.teaching_days == 8
    assert q.hours == D("24")
    assert q.holidays_skipped == ((date(2026, 5, 17), "Grunnlovsdag"), (date(2026, 5, 24), "Første pinsedag"))


@pytest.mark.parametrize(
    ("start", "end", "seats", "rate", "hours", "amount", "text"),
    [
        # 7 h/week over 5 days = 1.4 h/day; 3 days × 1.4 × 33.33 = 139.986 → 139.99
        ("2026-08-31", "2026-09-02", 1, "33.33", "4.2", "139.99", "4,2 t × kr 33,33 = kr 139,99"),
        # seats multiply before rounding: 2 × 139.986 = 279.972 → 279.97 (not 2 × 139.99)
        ("2026-08-31", "2026-09-02", 2, "33.33", "4.2", "279.97", "4,2 t × 2 plasser × kr 33,33 = kr 279,97"),
        ("2026-08-31", "2026-09-04", 3, "33.33", "7", "699.93",
         "7 t/uke × 1 uke × 3 plasser × kr 33,33 = kr 699,93"),
    ],
)
def test_per_hour_seats_multiply_and_each_line_is_rounded(start, end, seats, rate, hours, amount, text):
    q = hours_quote(start, end, hours_per_week="7", seats=seats, price=rates(("2026-01-01", rate)))

    [line] = q.lines
    assert (line.quantity, line.seats, line.amount, q.total) == (D(hours), seats, D(amount), D(amount))
    assert plain(line.text()) == text


@pytest.mark.parametrize(
    ("seats", "first", "second", "total"),
    [
        (1, "139.99", "93.44", "233.43"),  # exact sum 233.422 would round to 233.42: lines are rounded first
        (2, "279.97", "186.87", "466.84"),
    ],
)
def test_total_is_the_sum_of_rounded_lines(seats, first, second, total):
    price = rates(("2026-01-01", "33.33"), ("2026-09-03", "33.37"))
    q = hours_quote("2026-08-31", "2026-09-04", hours_per_week="7", seats=seats, price=price)

    assert [line.amount for line in q.lines] == [D(first), D(second)]
    assert [line.quantity for line in q.lines] == [D("4.2"), D("2.8")]
    assert q.total == D(total) == sum(line.amount for line in q.lines)


def test_hours_that_do_not_divide_evenly_are_priced_from_the_exact_fraction():
    # 8 h/week on Monday, Wednesday and Friday = 8/3 h a day; four days = 32/3 h.
    q = hours_quote("2026-08-17", "2026-08-24", weekdays=(0, 2, 4), price=rates(("2026-01-01", "10.01")))

    [line] = q.lines
    assert q.teaching_days == 4
    assert line.quantity == q.hours == D("10.666667")  # shown to six decimals
    assert line.amount == D("106.77")  # 32/3 × 10.01 = 106.7733…
    assert plain(line.text()) == "ca. 10,67 t × kr 10,01 = kr 106,77"
    assert plain(line.text("en")) == "approx. 10,67 h × kr 10,01 = kr 106,77"

    whole = hours_quote("2026-08-17", "2026-08-30", weekdays=(4, 0, 2))  # two whole weeks, weekdays unsorted
    assert whole.hours == D("16")
    assert plain(whole.lines[0].text()) == "8 t/uke × 2 uker × kr 60,00 = kr 960,00"


# --- per_week, per_month, per_seat -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "weekdays", "weeks", "teaching_days"),
    [
        ("2026-03-25", "2026-04-14", MON_FRI, 4, 12),  # Wednesday to Tuesday: both partial weeks count
        ("2026-03-30", "2026-04-05", MON_FRI, 1, 3),  # Easter week counts: Monday–Wednesday are teaching days
        ("2026-03-23", "2026-04-12", (3, 4), 2, 4),  # Thursday/Friday course: Easter week has none, not counted
        ("2026-08-14", "2026-08-17", MON_FRI, 2, 2),  # Friday to Monday touches two ISO weeks
        ("2026-08-17", "2026-11-06", MON_FRI, 12, 60),
    ],
)
def test_per_week_counts_iso_weeks_with_a_teaching_day(start, end, weekdays, weeks, teaching_days):
    q = quote(
        PriceUnit.per_week,
        rates(("2026-01-01", "1500")),
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        schedule=Schedule(D("10"), weekdays),
    )

    assert (q.weeks, q.teaching_days) == (weeks, teaching_days)
    assert q.hours == D(10) * teaching_days / len(weekdays)
    assert q.total == D(1500) * weeks
    amount = f"{q.total:,.2f}".replace(",", " ").replace(".", ",")
    assert plain(q.lines[0].text()) == f"{weeks} {'uke' if weeks == 1 else 'uker'} × kr 1 500,00 = kr {amount}"


def test_per_week_worked_example_text():
    q = quote(
        "per_week",
        rates(("2026-01-01", "1500")),
        start=date(2026, 8, 17),
        end=date(2026, 11, 6),
        schedule=Schedule(D("8")),
    )
    assert plain(q.lines[0].text()) == "12 uker × kr 1 500,00 = kr 18 000,00"
    assert plain(q.lines[0].text("en")) == "12 weeks × kr 1 500,00 = kr 18 000,00"


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2026-01-15", "2026-03-01", 3),  # per påbegynt måned
        ("2026-01-01", "2026-01-31", 1),
        ("2026-01-31", "2026-02-01", 2),
        ("2026-02-10", "2026-02-10", 1),
        ("2026-12-15", "2027-01-10", 2),
        ("2026-01-01", "2030-12-31", 60),  # the longest period allowed
    ],
)
def test_per_month_counts_started_months(start, end, months):
    q = quote(
        PriceUnit.per_month,
        rates(("2026-01-01", "4000")),
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
    )
    assert q.months == months
    assert q.total == D(4000) * months
    assert (q.hours, q.teaching_days, q.weeks) == (None, None, None)


def test_per_month_worked_example_text():
    q = quote("per_month", rates(("2026-01-01", "4000")), start=date(2026, 1, 15), end=date(2026, 3, 1))
    assert plain(q.lines[0].text()) == "3 måneder × kr 4 000,00 = kr 12 000,00"
    assert plain(q.lines[0].text("en")) == "3 months × kr 4 000,00 = kr 12 000,00"


@pytest.mark.parametrize(
    ("start", "seats", "total", "text_nb", "text_en"),
    [
        ("2026-07-31", 1, "25000.00",
         "1 plass × kr 25 000,00 = kr 25 000,00", "1 seat × kr 25 000,00 = kr 25 000,00"),
        ("2026-07-31", 3, "75000.00",
         "3 plasser × kr 25 000,00 = kr 75 000,00", "3 seats × kr 25 000,00 = kr 75 000,00"),
        ("2026-08-01", 1, "27000.00",  # the second rate starts on 1 August
         "1 plass × kr 27 000,00 = kr 27 000,00", "1 seat × kr 27 000,00 = kr 27 000,00"),
    ],
)
def test_per_seat_uses_the_rate_in_force_on_start(start, seats, total, text_nb, text_en):
    price = rates(("2026-01-01", "25000"), ("2026-08-01", "27000"))
    q = quote("per_seat", price, start=date.fromisoformat(start), end=date(2026, 12, 18), seats=seats)

    [line] = q.lines
    assert (q.total, line.quantity, line.seats) == (D(total), D(1), seats)
    assert (plain(line.text()), plain(line.text("en"))) == (text_nb, text_en)
    assert q.amount_by_year() == {int(start[:4]): D(total)}


# --- a period spanning two rates is split ----------------------------------------------------------


def test_per_hour_split_at_a_rate_change():
    price = rates(("2026-10-01", "65.00"), ("2026-01-01", "60.00"))  # given out of order on purpose
    q = hours_quote("2026-08-17", "2026-11-06", price=price)

    first, second = q.lines
    assert (first.rate, first.valid_from, first.period_start, first.period_end) == (
        D("60.00"),
        date(2026, 1, 1),
        date(2026, 8, 17),
        date(2026, 9, 30),
    )
    assert (second.rate, second.valid_from, second.period_start, second.period_end) == (
        D("65.00"),
        date(2026, 10, 1),
        date(2026, 10, 1),
        date(2026, 11, 6),
    )
    assert (first.teaching_days, first.quantity, first.amount) == (33, D("52.8"), D("3168.00"))
    assert (second.teaching_days, second.quantity, second.amount) == (27, D("43.2"), D("2808.00"))
    assert q.total == first.amount + second.amount == D("5976.00")
    assert [plain(s) for s in q.breakdown()] == [
        "17.08.2026–30.09.2026: 52,8 t × kr 60,00 = kr 3 168,00",
        "01.10.2026–06.11.2026: 43,2 t × kr 65,00 = kr 2 808,00",
        "Sum eks. mva.: kr 5 976,00",
    ]


def test_per_week_split_prices_each_week_at_its_first_teaching_day():
    # The new rate starts on Thursday 1 October; that week's first teaching day (28 September) has the old one.
    price = rates(("2026-01-01", "1500"), ("2026-10-01", "1600"))
    q = quote(
        "per_week", price, start=date(2026, 9, 14), end=date(2026, 10, 16), seats=2, schedule=Schedule(D("8"))
    )

    assert [(line.rate, line.quantity, line.period_start, line.period_end, line.amount) for line in q.lines] == [
        (D("1500"), D(3), date(2026, 9, 14), date(2026, 10, 4), D("9000.00")),
        (D("1600"), D(2), date(2026, 10, 5), date(2026, 10, 16), D("6400.00")),
    ]
    assert q.total == D("15400.00")
    assert plain(q.lines[0].text()) == "3 uker × 2 plasser × kr 1 500,00 = kr 9 000,00"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # February is priced on 1 February (old rate) even though the new rate starts mid-month.
        ("2026-01-15", "2026-03-01", [(D("4000"), D(2), "8000.00"), (D("4200"), D(1), "4200.00")]),
        # Starting after the change: February is priced on the start date.
        ("2026-02-20", "2026-03-10", [(D("4200"), D(2), "8400.00")]),
    ],
)
def test_per_month_split_prices_each_month_at_its_first_day_in_the_period(start, end, expected):
    price = rates(("2026-01-01", "4000"), ("2026-02-15", "4200"))
    q = quote("per_month", price, start=date.fromisoformat(start), end=date.fromisoformat(end))

    assert [(line.rate, line.quantity, str(line.amount)) for line in q.lines] == expected
    assert q.total == sum(line.amount for line in q.lines)


# --- amounts per calendar year ---------------------------------------------------------------------


def test_amount_by_year_reconciles_rounding_to_the_line():
    # 13 teaching days in 2026 (25 December is skipped), 10 in 2027 (1 January is skipped); 1.4 h a day.
    q = hours_quote("2026-12-14", "2027-01-15", hours_per_week="7", price=rates(("2026-01-01", "33.33")))

    assert q.total == D("1073.23")  # 32.2 h × 33.33 = 1073.226
    # Exact shares 606.606 and 466.62 floor to 1073.22; the missing øre goes to the larger fraction (2026).
    assert q.amount_by_year() == {2026: D("606.61"), 2027: D("466.62")}
    assert [d for d, _ in q.holidays_skipped] == [date(2026, 12, 25), date(2027, 1, 1)]


@pytest.mark.parametrize(
    ("unit", "start", "end", "seats", "expected"),
    [
        # ISO week 53 of 2026 (28 December – 3 January) belongs to 2026: its first teaching day is 28 December.
        ("per_week", "2026-12-28", "2027-01-08", 1, {2026: "1500.00", 2027: "1500.00"}),
        ("per_week", "2026-12-31", "2027-01-08", 1, {2026: "1500.00", 2027: "1500.00"}),
        ("per_month", "2026-12-15", "2027-01-10", 2, {2026: "3000.00", 2027: "3000.00"}),
        ("per_seat", "2026-12-15", "2027-06-10", 1, {2026: "1500.00"}),
    ],
)
def test_amount_by_year_by_unit(unit, start, end, seats, expected):
    q = quote(
        unit,
        rates(("2026-01-01", "1500")),
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        seats=seats,
        schedule=Schedule(D("8")),
    )
    assert q.amount_by_year() == {year: D(amount) for year, amount in expected.items()}
    assert sum(q.amount_by_year().values()) == q.total


@pytest.mark.parametrize("seats", [1, 3, 7])
@pytest.mark.parametrize(
    ("hours_per_week", "weekdays", "price"),
    [
        ("7", MON_FRI, rates(("2026-01-01", "33.33"))),
        ("8", (0, 2, 4), rates(("2026-01-01", "33.33"), ("2027-03-03", "41.07"))),
        ("7.5", (1, 3), rates(("2026-01-01", "19.99"), ("2027-12-30", "20.01"))),
    ],
)
def test_amount_by_year_adds_up_and_each_year_is_within_one_ore_of_its_exact_share(
    hours_per_week, weekdays, price, seats
):
    q = hours_quote("2026-11-16", "2028-01-14", hours_per_week, weekdays, seats, price)
    by_year = q.amount_by_year()

    assert list(by_year) == [2026, 2027, 2028]
    assert sum(by_year.values()) == q.total
    assert all(amount == round_money(amount) for amount in by_year.values())
    # Independent oracle with exact fractions: every teaching day's cost, added up per year.
    exact: dict[int, Fraction] = {}
    per_day = Fraction(D(hours_per_week)) / len(weekdays)
    by_from = sorted(price, key=lambda r: r.valid_from)
    holiday_dates = {d for d, _ in q.holidays_skipped}
    day = date(2026, 11, 16)
    while day <= date(2028, 1, 14):
        if day.weekday() in weekdays and day not in holiday_dates:
            rate = [r for r in by_from if r.valid_from <= day][-1].amount
            exact[day.year] = exact.get(day.year, Fraction(0)) + per_day * Fraction(rate) * seats
        day = date.fromordinal(day.toordinal() + 1)
    for year, amount in by_year.items():
        assert abs(Fraction(amount) - exact[year]) <= Fraction(1, 100) * len(q.lines)


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "given", "first_sellable", "expected"),
    [
        ("per_hour", [("2026-01-01", "60")], "2026-01-01", set()),
        ("per_hour", [("2026-01-01", "60.000")], "2026-03-01", set()),  # the value is in whole øre
        ("per_hour", [("2026-01-01", "0")], "2026-01-01", {"rates[0].amount"}),
        ("per_week", [("2026-01-01", "-60")], "2026-01-01", {"rates[0].amount"}),
        ("per_hour", [("2026-01-01", "60.125")], "2026-01-01", {"rates[0].amount"}),
        ("per_seat", [("2026-01-01", "1000000000000")], "2026-01-01", {"rates[0].amount"}),
        ("per_seat", [("2026-01-01", str(MONEY_MAX))], "2026-01-01", set()),  # the largest Numeric(14, 2)
        ("per_hour", [("2026-01-01", "60"), ("2026-01-01", "65")], "2026-01-01", {"rates[1].valid_from"}),
        ("per_hour", [("2026-02-01", "60")], "2026-01-15", {"rates[0].valid_from"}),
        ("per_hour", [("2026-03-01", "65"), ("2026-02-01", "60")], "2026-01-15", {"rates[1].valid_from"}),
        ("per_hour", [], "2026-01-15", {"rates"}),
        ("per_day", [("2026-01-01", "60")], "2026-01-01", {"unit"}),
        ("per_hour", [("2026-01-01", "0"), ("2026-01-01", "60.001")], "2026-01-01",
         {"rates[0].amount", "rates[1].amount", "rates[1].valid_from"}),
    ],
)
def test_validate_rates(unit, given, first_sellable, expected):
    errors = validate_rates(unit, rates(*given), date.fromisoformat(first_sellable))

    assert {e.field for e in errors} == expected
    assert all(e.message_nb and e.message_en for e in errors)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (Rate(date(2026, 1, 1), 60.0), "rates[0].amount"),  # type: ignore[arg-type]
        (Rate(date(2026, 1, 1), D("NaN")), "rates[0].amount"),
        (Rate(datetime(2026, 1, 1, 12), D("60")), "rates[0].valid_from"),
    ],
)
def test_validate_rates_refuses_floats_and_datetimes(bad, field):
    assert [e.field for e in validate_rates("per_hour", [bad], date(2026, 1, 1))] == [field]


def test_coverage_message_tells_what_to_do():
    [error] = validate_rates("per_hour", rates(("2026-02-01", "60")), date(2026, 1, 15))
    assert "01.02.2026" in error.message_nb and "15.01.2026" in error.message_nb
    assert error.message_en.startswith("The first rate starts on 01.02.2026")


VALID_HOURS = dict(unit="per_hour", start="2026-08-17", end="2026-11-06", seats=1, price=RATE_60, schedule=True)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"seats": 0}, {"seats"}),
        ({"seats": 1001}, {"seats"}),
        ({"seats": True}, {"seats"}),
        ({"end": "2026-08-16"}, {"end"}),
        ({"schedule": False}, {"schedule"}),
        ({"unit": "per_week", "schedule": False}, {"schedule"}),
        ({"price": rates(("2026-09-01", "60"))}, {"start"}),  # no rate in force on the first teaching day
        ({"price": rates(("2026-01-01", "1000000000000"))}, {"rates[0].amount"}),
        ({"price": rates(("2026-01-01", "60"), ("2026-01-01", "61"))}, {"rates[1].valid_from"}),
        ({"price": []}, {"rates"}),
        ({"unit": "per_seat", "seats": 2, "price": rates(("2026-01-01", str(MONEY_MAX)))}, {"total"}),
        ({"unit": "per_week", "seats": 1000, "price": rates(("2026-01-01", "1000000000"))}, {"total"}),
        ({"start": "2026-01-01", "end": "2031-01-01", "unit": "per_month"}, {"end"}),  # more than 5 years
        ({"start": "2026-12-25", "end": "2026-12-27"}, {"period"}),  # Christmas Day and a weekend
        ({"seats": 0, "end": "2026-08-01", "unit": "per_fortnight"}, {"seats", "end", "unit"}),
    ],
)
def test_quote_refuses_bad_input_with_field_names(change, expected):
    args = {**VALID_HOURS, **change}
    with pytest.raises(PricingError) as excinfo:
        quote(
            args["unit"],
            args["price"],
            start=date.fromisoformat(args["start"]),
            end=date.fromisoformat(args["end"]),
            seats=args["seats"],
            schedule=Schedule(D("8")) if args["schedule"] else None,
        )
    assert fields_of(excinfo) == expected


def test_per_seat_needs_no_schedule_and_a_period_of_exactly_five_years_is_allowed():
    q = quote("per_seat", RATE_60, start=date(2026, 1, 1), end=date(2030, 12, 31))
    assert q.total == D("60.00")
    assert q.holidays_skipped == ()


@pytest.mark.parametrize(
    ("hours", "weekdays", "field"),
    [
        (D("0"), MON_FRI, "schedule.hours_per_week"),
        (D("-8"), MON_FRI, "schedule.hours_per_week"),
        (D("60.01"), MON_FRI, "schedule.hours_per_week"),
        (D("7.125"), MON_FRI, "schedule.hours_per_week"),
        (8.0, MON_FRI, "schedule.hours_per_week"),
        (D("8"), (), "schedule.teaching_weekdays"),
        (D("8"), (0, 0), "schedule.teaching_weekdays"),
        (D("8"), (7,), "schedule.teaching_weekdays"),
        (D("8"), (-1,), "schedule.teaching_weekdays"),
    ],
)
def test_schedule_refuses_bad_values(hours, weekdays, field):
    with pytest.raises(PricingError) as excinfo:
        Schedule(hours, weekdays)
    assert fields_of(excinfo) == {field}


def test_schedule_accepts_whole_hours_as_int_and_sorts_weekdays():
    schedule = Schedule(8, (4, 0, 2))  # type: ignore[arg-type]
    assert (schedule.hours_per_week, schedule.teaching_weekdays) == (D("8"), (0, 2, 4))
    assert isinstance(schedule.hours_per_week, Decimal)
    assert Schedule(D("60")).hours_per_week == D("60")


# --- text --------------------------------------------------------------------------------------------


def test_english_breakdown():
    price = rates(("2026-01-01", "60"), ("2026-03-30", "62.50"))
    q = hours_quote("2026-03-16", "2026-04-10", seats=2, price=price)

    assert [plain(s) for s in q.breakdown("en")] == [
        "16.03.2026–29.03.2026: 8 h/week × 2 weeks × 2 seats × kr 60,00 = kr 1 920,00",
        "30.03.2026–10.04.2026: 11,2 h × 2 seats × kr 62,50 = kr 1 400,00",
        "Total excl. VAT: kr 3 320,00",
        "Public holidays without teaching: 02.04.2026 (Maundy Thursday), 03.04.2026 (Good Friday), "
        "06.04.2026 (Easter Monday)",
    ]
    assert plain(q.breakdown("nb")[1]) == "30.03.2026–10.04.2026: 11,2 t × 2 plasser × kr 62,50 = kr 1 400,00"


def test_amounts_use_non_breaking_spaces_and_unknown_locales_are_refused():
    line = hours_quote("2026-08-17", "2026-11-06").lines[0]
    assert "kr\u00a05\u00a0760,00" in line.text("nb_NO")
    assert line.text("nb") == line.text("no")
    with pytest.raises(ValueError):
        line.text("de")


# --- a stored breakdown is put into words when shown, in the reader's language -------------------------


@pytest.mark.parametrize("locale", ["nb", "en"])
@pytest.mark.parametrize(
    "make",
    [
        lambda: hours_quote("2026-03-16", "2026-04-10", seats=2, price=rates(("2026-01-01", "60"), ("2026-03-30", "62.50"))),
        lambda: hours_quote("2026-08-17", "2026-11-06"),
        lambda: quote(PriceUnit.per_month, RATE_60, start=date(2026, 1, 15), end=date(2026, 3, 2), seats=3),
        lambda: quote(PriceUnit.per_seat, RATE_60, start=date(2026, 1, 15), end=date(2026, 3, 2), seats=1),
    ],
)
def test_a_stored_breakdown_reads_as_the_live_one_after_a_json_round_trip(make, locale):
    import json

    from contracts_app.courses.pricing import render_breakdown

    q = make()
    stored = json.loads(json.dumps(q.breakdown_record()))
    assert render_breakdown(stored, locale) == q.breakdown(locale)


@pytest.mark.parametrize(
    ("stored", "english"),
    [
        ("16.03.2026–29.03.2026: 8 t/uke × 2 uker × 2 plasser × kr 60,00 = kr 1 920,00",
         "16.03.2026–29.03.2026: 8 h/week × 2 weeks × 2 seats × kr 60,00 = kr 1 920,00"),
        ("30.03.2026–10.04.2026: ca. 11,33 t × 1 plass × kr 62,50 = kr 708,33",
         "30.03.2026–10.04.2026: approx. 11,33 h × 1 seat × kr 62,50 = kr 708,33"),
        ("01.01.2026–31.03.2026: 4 uker × kr 60,00 = kr 240,00", "01.01.2026–31.03.2026: 4 weeks × kr 60,00 = kr 240,00"),
        ("01.01.2026–31.03.2026: 3 måneder × 1 måned × kr 60,00 = kr 180,00",
         "01.01.2026–31.03.2026: 3 months × 1 month × kr 60,00 = kr 180,00"),
        ("Sum eks. mva.: kr 3 320,00", "Total excl. VAT: kr 3 320,00"),
        ("Helligdager uten undervisning: 02.04.2026 (Skjærtorsdag), 06.04.2026 (Andre påskedag)",
         "Public holidays without teaching: 02.04.2026 (Maundy Thursday), 06.04.2026 (Easter Monday)"),
        ("En linje skrevet for hånd", "En linje skrevet for hånd"),
    ],
)
def test_bokmal_lines_stored_before_are_put_into_english_and_kept_in_bokmal(stored, english):
    from contracts_app.courses.pricing import render_breakdown

    nbsp = stored.replace(" t", NBSP + "t").replace(" u", NBSP + "u").replace(" p", NBSP + "p").replace(" m", NBSP + "m") \
        if "×" in stored else stored
    assert plain(render_breakdown([nbsp], "en")[0]) == english
    assert render_breakdown([nbsp], "nb") == [nbsp]
    assert render_breakdown(None, "en") == []
