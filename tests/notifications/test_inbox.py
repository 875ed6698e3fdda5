"""The inbox at national scale (issue 22): paged in the database, newest first, with its count ("Viser 1–25 av N"),
and the same number of SQL statements with one notice as with a page full of them."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from contracts_app import clock
from contracts_app.notifications.services import notify_users

from ..support import login

#: user and session (1), the header's unread count (1), the page's count and rows (2)
INBOX_STATEMENTS = 4


def _notify(db, user, n: int) -> None:
    """``n`` notices for ``user``, the i-th made i minutes after the first (so the newest has the highest number)."""
    start = clock.now()
    for i in range(n):
        notify_users(db, [user.id], "capacity.request_withdrawn", {"unit": f"Enhet {i + 1}", "course": "Norsk A2", "seats": "1"},
                     link=None, now=start + dt.timedelta(minutes=i))
    db.commit()


def _range(html: str) -> str:
    found = re.search(r'id="inbox-range">([^<]*)<', html)
    assert found, html
    return " ".join(found.group(1).split())


def _units(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"Enhet (\d+)", html)]


@pytest.mark.parametrize("query, shown, first, rows", [
    ("", "Viser 1–25 av 30", 30, 25),
    ("?page=2", "Viser 26–30 av 30", 5, 5),
    ("?page=9", "Viser 26–30 av 30", 5, 5),  # past the end: the last page
    ("?page=abc", "Viser 1–25 av 30", 30, 25),
    ("?per_page=10&page=2", "Viser 11–20 av 30", 20, 10),
    ("?per_page=1000", "Viser 1–25 av 30", 30, 25),
])
def test_the_inbox_pages_newest_first_and_says_how_many(client, db, world, query, shown, first, rows):
    user = world.users["advisor"]
    _notify(db, user, 30)
    login(client, user.email)
    response = client.get(f"/inbox{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _range(html) == shown
    units = _units(html)
    assert len(units) == rows
    assert units == list(range(first, first - rows, -1))  # newest first


def test_the_inbox_runs_the_same_statements_with_one_notice_as_with_thirty(client, db, world, count_statements):
    user = world.users["advisor"]
    _notify(db, user, 1)
    login(client, user.email)
    db.expunge_all()
    with count_statements() as few:
        assert client.get("/inbox").status_code == 200
    assert len(few) <= INBOX_STATEMENTS, "\n".join(few)
    _notify(db, user, 29)
    db.expunge_all()
    with count_statements() as many:
        html = client.get("/inbox").get_data(as_text=True)
    assert len(many) == len(few), "\n".join(many)
    assert _range(html) == "Viser 1–25 av 30"
    assert "Side 1 av 2" in html


def test_an_empty_inbox_says_so_without_a_range(client, db, world):
    login(client, world.users["advisor"].email)
    html = client.get("/inbox").get_data(as_text=True)
    assert "Ingenting nytt." in html
    assert 'id="inbox-range"' not in html
