"""The budget pages: the list of a unit's budget lines in pages, and a bad page number that is no error."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from contracts_app.formats import money

from ..support import login
from ..factories import make_budget


def _lines(html: str) -> list[str]:
    return re.findall(r">(Linje \d{2}) 2026</a>", html)


def test_the_budget_lines_come_in_pages_with_the_rest_on_the_next(client, db, world):
    for i in range(30):
        make_budget(db, world.nav_office, line=f"Linje {i:02d}")
    db.commit()
    login(client, world.users["budget_owner"].email)
    first = client.get("/budgets/").get_data(as_text=True)
    second = client.get("/budgets/?page=2").get_data(as_text=True)
    assert "Side 1 av 2" in first and '<span aria-current="page">Side 2 av 2</span>' in second
    assert len(_lines(first)) + len(_lines(second)) == 30 and not set(_lines(first)) & set(_lines(second))
    assert client.get("/budgets/?page=x").status_code == 200


def test_the_budget_page_shows_the_consumption_and_commitments(client, db, world):
    login(client, world.users["budget_owner"].email)
    html = client.get(f"/budgets/{world.budget.id}").get_data(as_text=True)
    assert world.course.title in html and "kr\xa07\xa0104,00" in html


def test_the_commitments_come_newest_first_in_pages_and_filter_by_status_and_course(client, db, world):
    from ..test_statement_budgets import clone_purchases

    clone_purchases(db, world.purchase, 60)  # 61 open commitments on the line
    login(client, world.users["budget_owner"].email)
    first = client.get(f"/budgets/{world.budget.id}").get_data(as_text=True)
    last = client.get(f"/budgets/{world.budget.id}?page=3").get_data(as_text=True)
    assert "Viser 1–25 av 61" in first and "Viser 51–61 av 61" in last
    assert first.index("kr\xa01\xa0059,00") < first.index("kr\xa01\xa0058,00")  # the newest clone first
    assert "kr\xa07\xa0104,00" in last  # the world's purchase, the oldest, on the last page
    assert "Ingen kjøp passer" in client.get(f"/budgets/{world.budget.id}?status=cancelled").get_data(as_text=True)
    assert "Ingen kjøp passer" in client.get(f"/budgets/{world.budget.id}?course=zzz").get_data(as_text=True)
    assert "Viser 1–25 av 61" in client.get(f"/budgets/{world.budget.id}?course=NORSKKURS").get_data(as_text=True)


@pytest.mark.parametrize("query", ["status=no_such_status", f"course={'x' * 121}"])
def test_a_bad_commitment_filter_is_a_message_and_the_list_still_shows(client, db, world, query):
    login(client, world.users["budget_owner"].email)
    response = client.get(f"/budgets/{world.budget.id}?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="ds-validation-message"' in html and world.course.title in html


def test_the_months_count_every_open_commitment_not_only_the_page(client, db, world):
    from ..test_statement_budgets import clone_purchases

    clone_purchases(db, world.purchase, 60)
    login(client, world.users["budget_owner"].email)
    html = client.get(f"/budgets/{world.budget.id}").get_data(as_text=True)
    total = Decimal("7104.00") + sum(Decimal("1000.00") + i for i in range(60))
    assert money(total) in html  # "Used, cumulative" at December: every commitment, though 25 are listed
