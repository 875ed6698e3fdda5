"""The forms of the purchase page (actual cost, cancel, override decision): refused input is shown again with what
was typed and a message on the field, and nothing is written; done, the page says so (the months of the line are
tests/budget/test_periods.py's)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contracts_app.budget.models import Budget, BudgetEntry, BudgetMonth
from contracts_app.purchases.models import PurchaseStatus, SeatPurchase

from ..support import login


def _ledger(db, world):
    db.expire_all()
    budget = db.get(Budget, world.budget.id)
    return (db.get(SeatPurchase, world.purchase.id).status, budget.committed, budget.spent,
            db.scalar(select(func.count()).select_from(BudgetEntry)), db.scalar(select(func.sum(BudgetMonth.committed_ore))))


def _field_tag(html: str, field: str) -> str:
    return re.search(rf'<(?:input|textarea)[^>]*\bid="{field}"[^>]*>', html).group(0)


@pytest.mark.parametrize("action, field, typed, message", [
    ("actual-cost", "actual_amount", "abc", "Skriv inn et beløp i kroner"),
    ("actual-cost", "actual_amount", "12,345", "høyst to desimaler"),
    ("actual-cost", "actual_amount", "-5", "Beløpet må være større enn null"),
    ("actual-cost", "actual_amount", "9" * 20, "for stort"),
    ("actual-cost", "actual_amount", "", "Dette feltet er påkrevd"),
    ("cancel", "reason", "x", "mellom 3 og 2000 tegn"),
    ("cancel", "reason", "  ", "Dette feltet er påkrevd"),
])
def test_a_refused_form_on_the_purchase_page_keeps_what_was_typed(client, db, world, action, field, typed, message):
    login(client, world.users["budget_owner"].email)
    before = _ledger(db, world)
    response = client.post(f"/purchases/{world.purchase.id}/{action}", data={field: typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="error-summary"' in html and message in html, html[html.find("error-summary"):][:600]
    tag = _field_tag(html, field)
    assert 'aria-invalid="true"' in tag
    if field == "reason":
        assert re.search(rf'id="reason"[^>]*>\s*{re.escape(typed.strip())}</textarea>', html)
    else:
        assert f'value="{typed}"' in tag
    assert _ledger(db, world) == before


def test_the_actual_cost_moves_the_commitment_to_spent(client, db, world):
    login(client, world.users["budget_owner"].email)
    response = client.post(f"/purchases/{world.purchase.id}/actual-cost", data={"actual_amount": "7 000,50"})
    assert response.status_code == 302
    status, committed, spent, *_ = _ledger(db, world)
    assert (status, committed, spent) == (PurchaseStatus.completed, Decimal("0.00"), Decimal("7000.50"))
    page = client.get(response.location).get_data(as_text=True)
    assert "Den faktiske kostnaden er registrert." in page


def test_a_refusal_that_is_no_field_is_told_on_the_page(client, db, world):
    """Registering a cost on a cancelled purchase: no field is wrong, the purchase is; the page says so."""
    login(client, world.users["budget_owner"].email)
    assert client.post(f"/purchases/{world.purchase.id}/cancel", data={"reason": "Fikk jobb"}).status_code == 302
    response = client.post(f"/purchases/{world.purchase.id}/actual-cost", data={"actual_amount": "100"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Faktisk kostnad kan bare registreres på et bekreftet kjøp." in response.get_data(as_text=True)
    assert _ledger(db, world)[:3] == (PurchaseStatus.cancelled, Decimal("0.00"), Decimal("0.00"))
