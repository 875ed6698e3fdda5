"""Wording on the main pages: no code of the program shows through (raw enum values, snake_case keys, step names),
counts read with proper plural forms (no "plass(er)"), amounts and dates the Norwegian way."""
from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.capacity import requests as capacity_requests
from contracts_app.audit import Actor

from .agreements.helpers import make_agreement, move
from .factories import make_budget, make_offer, request_input
from .support import login

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
SCREAMING = re.compile(r"\b[A-Z]+_[A-Z_]+\b")  # a Nav measure code and the like
OPTIONAL_PLURAL = re.compile(r"\w\((s|er|e)\)")  # seat(s), plass(er)


class _Text(HTMLParser):
    """The text a reader sees: everything but code, preformatted JSON, scripts, styles and what users typed."""

    SKIP = {"code", "pre", "script", "style", "textarea"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def code_showing_through(html: str) -> list[str]:
    text = visible_text(html).replace("\u00a0", " ")
    text = re.sub(r"\S+@\S+", "", text)  # e-mail addresses may hold underscores
    return sorted(set(SNAKE.findall(text)) | set(SCREAMING.findall(text)) | set(m.group(0) for m in OPTIONAL_PLURAL.finditer(text)))


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ("<p>Status: in_review</p>", ["in_review"]),
        ("<p>Tiltak: NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV</p>", ["NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV"]),
        ("<li>3 plass(er)</li>", ["s(er)"]),
        ("<p>Til behandling <code>in_review</code></p><pre>{\"open_market\": 1}</pre>", []),
        ('<a href="/x?step=cost_sharing" class="ds_link">Kostnadsdeling</a> ola_n@nav.no', []),
    ],
)
def test_the_check_finds_code_in_the_text_and_only_there(html, found):
    assert code_showing_through(html) == found


@pytest.fixture
def agreement(db, world):
    return make_agreement(db, world)


def _get(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, url
    return r.get_data(as_text=True)


@pytest.mark.parametrize("state", [S.draft, S.in_review, S.active])
def test_the_agreement_page_shows_words_not_codes(client, db, world, state):
    a = make_agreement(db, world, state=state)
    login(client, world.users["legal_reviewer" if state == S.in_review else "provider_coordinator"].email)
    html = _get(client, f"/agreements/{a.id}")
    assert code_showing_through(html) == []
    text = visible_text(html)
    assert "Veiledere, Praksisplasser" in text and "Veiledere ," not in text  # one contribution per line, joined
    assert "Norskopplæring, grunnleggende ferdigheter og FOV" in text  # the Nav measure by its label
    assert "kr 800 000,00" in text.replace("\u00a0", " ") and "01.08.2026" in text


def test_the_versions_page_names_each_change_and_shows_values_the_norwegian_way(client, db, world, agreement):
    login(client, world.users["provider_coordinator"].email)
    html = _get(client, f"/agreements/{agreement.id}/versions?a=1&b={agreement.version}")
    assert code_showing_through(html) == []
    text = visible_text(html).replace("\u00a0", " ")
    # the "What" column: the step saved, by its label
    for said in ("Opprettet", "Gjenstand endret", "Periode og opsjoner endret", "Samarbeid endret"):
        assert said in text, said
    # values: dates dd.mm.yyyy, amounts in kroner, coded answers and yes/no in words, percentages
    for shown in ("01.08.2026", "kr 800 000,00", "Norskopplæring, grunnleggende ferdigheter og FOV", "Hver part dekker egne kostnader",
                  "Ja", "5 %"):
        assert shown in text, shown
    for raw in ("2026-08-01", "800000.00", "own_costs_each", "avg_turnover_3y", "True"):
        assert raw not in text, raw


@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        ("start_date", "2026-08-01", "01.08.2026"),
        ("estimated_value", "800000.00", "kr\u00a0800\u00a0000,00"),
        ("kind", "cooperation", None),
        ("option_scheme", "2+1", None),
        ("option_plan", [12, 6], "12 + 6 måneder"),
        ("max_duration_months", 1, "1 måned"),
        ("max_duration_months", 36, "36 måneder"),
        ("public_interest_only", True, "Ja"),
        ("parties[1].payment_only", False, "Nei"),
        ("parties[0].open_market_share_pct", "5.00", "5\u00a0%"),
        ("parties[0].role", "partner", None),
        ("measure_code", "ARBEIDSMARKEDSOPPLAERING", "Arbeidsmarkedsopplæring (AMO)"),
        ("cpv_codes", ["80580000-3", "80400000-8"], "80580000-3, 80400000-8"),
        ("covered_unit_ids", [7, 8], "Nav Testvik, nr. 8"),
        ("parties[0].unit_id", None, "—"),
        ("subject", "", "—"),
    ],
)
def test_each_value_of_a_version_is_shown_in_words(app, path, value, shown):
    from flask_babel import force_locale

    from contracts_app.agreements.labels import field_value

    with app.test_request_context(), force_locale("nb"):
        got = field_value(path, value, {("unit", 7): "Nav Testvik"})
    if shown is None:  # a code: its label, never the code itself
        assert got and got != value and not SNAKE.search(got)
    else:
        assert got == shown


@pytest.mark.parametrize(
    ("note", "nb", "en"),
    [
        ("created", "Opprettet", "Created"),
        ("cooperation", "Samarbeid endret", "Cooperation changed"),
        ("option 2", "Opsjon 2 utløst", "Option 2 exercised"),
        ("option 1 undone", "Opsjon 1 angret", "Option 1 undone"),
        ("hand-written", "hand-written", "hand-written"),
    ],
)
def test_what_a_version_records_is_said_in_both_languages(app, note, nb, en):
    from flask_babel import force_locale

    from contracts_app.agreements.labels import version_note

    with app.test_request_context():
        with force_locale("nb"):
            assert version_note(note) == nb
        with force_locale("en"):
            assert version_note(note) == en


@pytest.fixture
def market(db, world):
    offer = make_offer(db, world.course, world.users["provider_coordinator"], seats=3)
    budget = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal")
    db.commit()
    return offer, budget


def _advisor(world) -> Actor:
    u = world.users["advisor"]
    return Actor(user_id=u.id, unit_id=world.nav_office.id)


@pytest.mark.parametrize(("seats", "nb_words"), [(1, "1 plass"), (2, "2 plasser")])
def test_capacity_pages_count_seats_with_plural_forms(app, client, db, world, clock, market, seats, nb_words):
    offer, budget = market
    capacity_requests.request_seats(db, request_input(offer, budget, seats=seats), actor=_advisor(world), now=clock.now())
    db.commit()
    login(client, world.users["advisor"].email)
    for url in ("/capacity", f"/capacity/offers/{offer.id}", f"/capacity/offers/{offer.id}/request"):
        assert code_showing_through(_get(client, url)) == [], url
    mine = visible_text(_get(client, f"/capacity/offers/{offer.id}"))
    assert f"{nb_words} fra 09.03.2026" in mine
    client = app.test_client()
    login(client, world.users["provider_coordinator"].email)
    html = _get(client, f"/capacity/offers/{offer.id}")
    assert code_showing_through(html) == []
    # the provider manages the offer with one button per action, not a drop-down and "Carry out"
    assert 'name="action" value="pause"' in html and 'name="action" value="withdraw"' in html and "Utfør" not in html
    inbox = _get(client, "/inbox")
    assert code_showing_through(inbox) == []
    assert f"ber om {nb_words} på" in visible_text(inbox)


def test_the_offer_buttons_pause_and_withdraw(client, db, world, market):
    offer, _ = market
    login(client, world.users["provider_coordinator"].email)
    html = _get(client, f"/capacity/offers/{offer.id}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    data = {"csrf_token": token.group(1)} if token else {}
    assert client.post(f"/capacity/offers/{offer.id}/status", data={**data, "action": "pause"}).status_code == 302
    db.refresh(offer)
    assert offer.status.value == "paused"
    html = _get(client, f"/capacity/offers/{offer.id}")
    assert 'name="action" value="resume"' in html and 'value="pause"' not in html
