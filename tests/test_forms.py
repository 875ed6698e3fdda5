"""Form markup every page shares (templates/_macros.html)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from .support import login


@pytest.mark.parametrize("path, user", [
    ("/login", None), ("/regelsjekk", "legal@test.no"), ("/budgets/new", "budget@test.no"),
    ("/courses/new", "coordinator@test.no"),
])
def test_form_fields_are_described_only_by_elements_that_exist(client, world, path, user):
    if user:
        login(client, user)
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'aria-describedby="None"' not in html and 'aria-describedby=""' not in html
    for described in {part for chunk in html.split('aria-describedby="')[1:] for part in chunk.split('"', 1)[0].split()}:
        assert f'id="{described}"' in html, described


@pytest.mark.parametrize("form_path, field, value, allowed", [
    ("purchases.forms:PurchaseForm", "seats", "0", False),
    ("purchases.forms:PurchaseForm", "seats", "tre", False),
    ("capacity.forms:OfferForm", "seats_offered", "0", False),
    ("capacity.forms:RequestForm", "seats", "0", False),
    ("courses.forms:CourseForm", "total_seats", "0", True),  # a course may be set up before its seats are known
    ("courses.forms:CourseForm", "hours_per_week", "0", True),
    ("budget.forms:BudgetForm", "year", "1999", False),
])
def test_a_number_that_was_typed_is_never_called_missing(app, form_path, field, value, allowed):
    import importlib

    module, name = form_path.split(":")
    form_class = getattr(importlib.import_module(f"contracts_app.{module}"), name)
    with app.test_request_context(method="POST", data={field: value}):
        form = form_class(meta={"csrf": False})
        form[field].validate(form)  # the field alone: some forms fill their select choices in the view
        messages = [str(m) for m in form[field].errors]
    assert (messages == []) is allowed, messages
    assert not any("required" in m.lower() or "påkrevd" in m.lower() for m in messages), messages


# --- numbers and money (contracts_app/fields.py) ---------------------------------------------------------

NUMBER_FIELDS = [
    ("purchases.forms:PurchaseForm", "seats"), ("capacity.forms:OfferForm", "seats_offered"),
    ("capacity.forms:RequestForm", "seats"), ("capacity.forms:MoveForm", "position"),
    ("capacity.forms:OfferSearchForm", "min_seats"), ("courses.forms:CourseForm", "total_seats"),
    ("courses.forms:CourseSearchForm", "min_free"), ("budget.forms:BudgetForm", "year"),
    ("rulecheck.forms:RulesCheckForm", "duration_months"), ("rulecheck.forms:RulesCheckForm", "scenario_id"),
    ("agreements.forms:StepForm", "lock_version"),
]
DECIMAL_FIELDS = [
    ("capacity.forms:OfferSearchForm", "max_price"), ("courses.forms:CourseForm", "hours_per_week"),
    ("courses.forms:CourseForm", "total_hours"), ("budget.forms:BudgetForm", "warning_pct"),
    ("rulecheck.forms:RulesCheckForm", "base_nok"), ("rulecheck.forms:RulesCheckForm", "supplier_activity_pct"),
]
NOT_A_NUMBER = {"Må være et tall.", "Must be a number."}


def _field_errors(app, form_path, field, value):
    import importlib

    module, name = form_path.split(":")
    form_class = getattr(importlib.import_module(f"contracts_app.{module}"), name)
    with app.test_request_context(method="POST", data={field: value}):
        form = form_class(meta={"csrf": False})
        form[field].validate(form)
        return form[field].data, [str(m) for m in form[field].errors]


@pytest.mark.parametrize("form_path, field", NUMBER_FIELDS + DECIMAL_FIELDS)
@pytest.mark.parametrize("value", ["tre", "12abc", "0x10", "NaN", "sNaN", "inf", "-Infinity", "1e5", "1e999999999", "٣"])
def test_letters_in_a_number_field_say_it_must_be_a_number(app, form_path, field, value):
    data, messages = _field_errors(app, form_path, field, value)
    assert data is None
    assert messages and messages[0] in NOT_A_NUMBER, messages
    assert len(messages) == 1, messages  # not also "must be at least 1"


@pytest.mark.parametrize("form_path, field", NUMBER_FIELDS + DECIMAL_FIELDS)
@pytest.mark.parametrize("value", ["9" * 400, "-" + "9" * 400, "9" * 20, "1" + "0" * 15])
def test_huge_numbers_are_a_field_error(app, form_path, field, value):
    _data, messages = _field_errors(app, form_path, field, value)
    assert messages, (field, value)


@pytest.mark.parametrize("value, expected", [
    ("12 500,50", "12500.50"), ("12500.50", "12500.50"), ("0", "0.00"), ("999999999999,99", "999999999999.99"),
    ("\u00a01\u00a0000 ", "1000.00"),
])
def test_money_field_reads_norwegian_and_english_amounts(app, value, expected):
    from decimal import Decimal

    data, messages = _field_errors(app, "rulecheck.forms:RulesCheckForm", "base_nok", value)
    assert messages == [] and data == Decimal(expected)


@pytest.mark.parametrize("value, message", [
    ("1,234", {"Høyst to desimaler.", "At most two decimals."}),
    ("1000000000000", {"Beløpet er for stort.", "The amount is too large."}),
    ("1e999999999", NOT_A_NUMBER), ("sNaN", NOT_A_NUMBER), ("Infinity", NOT_A_NUMBER), ("1.2.3", NOT_A_NUMBER),
])
def test_money_field_refuses_what_is_not_an_amount(app, value, message):
    data, messages = _field_errors(app, "rulecheck.forms:RulesCheckForm", "base_nok", value)
    assert data is None and messages and messages[0] in message, messages


@pytest.mark.parametrize("value, ok", [("1", True), ("1 000", True), ("+3", True), ("1.5", False), ("2147483648", False)])
def test_int_field_reads_whole_numbers(app, value, ok):
    from contracts_app.fields import IntField
    from wtforms import Form

    class F(Form):
        n = IntField()

    from flask import request

    with app.test_request_context(method="POST", data={"n": value}):
        form = F(formdata=request.form)
        form.validate()
    assert (form.n.errors == []) is ok, form.n.errors


@pytest.mark.parametrize("form_path, field", [
    (path, name) for path, name in NUMBER_FIELDS + DECIMAL_FIELDS if name not in ("lock_version",)
])
def test_every_number_field_has_explicit_bounds(app, form_path, field):
    import importlib

    from wtforms.validators import NumberRange

    module, name = form_path.split(":")
    form_class = getattr(importlib.import_module(f"contracts_app.{module}"), name)
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
        ranges = [v for v in form[field].validators if isinstance(v, NumberRange)]
    assert ranges and ranges[0].min is not None and ranges[0].max is not None


def test_every_integer_and_decimal_field_in_the_app_is_ours(app):
    """No plain IntegerField/DecimalField/FloatField left: they take sNaN, exponents and thousands of digits."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1] / "contracts_app"
    offenders = [
        f"{path.relative_to(root)}:{n}" for path in root.rglob("*.py") for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\b(IntegerField|DecimalField|FloatField|IntegerRangeField|DecimalRangeField)\(", line)
    ]
    assert offenders == []


@pytest.mark.parametrize("text, expected", [
    ("12 500,50", (Decimal("12500.50"), None)), ("1e999999999", (None, "too_large")), ("-1e999999999", (None, "too_large")),
    ("1e-999999999", (None, "too_many_decimals")), ("sNaN", (None, "not_a_number")), ("-5", (None, "negative")),
])
def test_parse_amount_never_traps_on_an_exponent(text, expected):
    from contracts_app.money import parse_amount

    assert parse_amount(text) == expected


def test_the_control_character_message_is_plain_text_views_can_join(app):
    from wtforms.validators import StopValidation

    from contracts_app.boundary import no_control_characters

    class Field:
        raw_data, errors = ["a\x00b"], []

    with app.test_request_context("/"), pytest.raises(StopValidation) as refused:
        no_control_characters(None, Field())
    assert isinstance(refused.value.args[0], str) and " ".join([refused.value.args[0], "x"])
