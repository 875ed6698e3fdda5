"""Language: every user-facing string has a bokmål translation; Norwegian number and date formats."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from contracts_app import formats

ROOT = Path(__file__).resolve().parent.parent
NB_PO = ROOT / "contracts_app" / "translations" / "nb" / "LC_MESSAGES" / "messages.po"


def test_every_user_facing_string_has_a_bokmal_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "-o", str(pot), "--no-location", "-q", "."],
        cwd=ROOT, check=False, capture_output=True,
    )
    if not pot.exists():  # older Babel without -q
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
             "lazy_gettext", "-o", str(pot), "--no-location", "."],
            cwd=ROOT, check=True, capture_output=True,
        )
    with pot.open("rb") as fh:
        extracted = {m.id for m in read_po(fh) if m.id}
    with NB_PO.open("rb") as fh:
        catalogue = {m.id: m for m in read_po(fh) if m.id}
    assert len(extracted) > 100
    untranslated = sorted(
        str(i) for i in extracted
        if i not in catalogue
        or not (catalogue[i].string if isinstance(catalogue[i].string, str) else all(catalogue[i].string))
        or catalogue[i].fuzzy
    )
    assert untranslated == [], "add bokmål translations (make extract-messages, then edit nb/messages.po): " + repr(untranslated[:10])


@pytest.mark.parametrize(
    "value,expected",
    [
        (Decimal("12345.5"), "kr\xa012\xa0345,50"),
        (Decimal("0"), "kr\xa00,00"),
        (Decimal("1000000"), "kr\xa01\xa0000\xa0000,00"),
        ("60", "kr\xa060,00"),
        (None, ""),
    ],
)
def test_money_is_shown_the_norwegian_way(value, expected):
    assert formats.money(value) == expected


def test_dates_are_shown_as_dd_mm_yyyy_in_oslo_time():
    assert formats.date(dt.date(2026, 1, 12)) == "12.01.2026"
    # 23:30 UTC on 31 December is already 1 January in Oslo
    assert formats.date(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.timezone.utc)) == "01.01.2026"
    assert formats.datetime(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone.utc)) == "01.06.2026 12:00"
    assert formats.date("2026-07-01") == "01.07.2026" and formats.date(None) == ""


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "01.01.2026–31.12.2026"),
        (dt.date(2026, 1, 1), None, "01.01.2026–"),
        (None, None, ""),
    ],
)
def test_periods_are_two_dates_with_a_dash(start, end, expected):
    assert formats.period(start, end) == expected


@pytest.mark.parametrize(
    "value, expected",
    [(Decimal("80"), "80\xa0%"), (Decimal("80.10"), "80,1\xa0%"), (Decimal("12.5"), "12,5\xa0%")],
)
def test_percentages_are_shown_the_norwegian_way(value, expected):
    assert formats.percent(value) == expected


def test_the_last_second_of_a_norwegian_day_is_stored_in_utc():
    # 9 March 2026 is winter time (UTC+1); 9 June summer time (UTC+2).
    assert formats.end_of_day(dt.date(2026, 3, 9)) == dt.datetime(2026, 3, 9, 22, 59, 59, tzinfo=dt.timezone.utc)
    assert formats.end_of_day(dt.date(2026, 6, 9)) == dt.datetime(2026, 6, 9, 21, 59, 59, tzinfo=dt.timezone.utc)
    assert formats.start_of_day(dt.date(2026, 6, 9)) == dt.datetime(2026, 6, 8, 22, 0, tzinfo=dt.timezone.utc)


def test_pages_are_bokmal_by_default_and_english_on_request(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="nb"' in page and "Logg inn" in page
    client.post("/language", data={"locale": "en", "back": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Log in" in page
