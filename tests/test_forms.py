"""Form markup every page shares (templates/_macros.html)."""
from __future__ import annotations

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
