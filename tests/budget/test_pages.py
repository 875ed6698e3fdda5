"""The budget pages: the list of a unit's budget lines in pages, and a bad page number that is no error."""
from __future__ import annotations

import re

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
