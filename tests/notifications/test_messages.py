"""Notice texts: counts choose the plural form in the reader's language; notices stored before keep rendering."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from contracts_app.notifications.messages import KIND_LABELS, MESSAGES, Plural, render
from contracts_app.notifications.models import OutboxStatus

PARAMS = {
    "unit": "Nav Testvik", "course": "Norsk A2", "until": "10.03.2026 12:00", "reason": "Fullt", "who": "Kari", "note": "OK",
    "line": "Tiltak", "year": "2026", "total": "1200.00", "title": "Samarbeid", "end": "2026-12-31", "start": "2026-01-01",
    "deadline": "2026-06-30", "date": "2026-05-01", "option": "1", "months": "12", "version": "2", "name": "Ola",
    "party": "Testvik kommune", "pct": "85", "warning": "80", "remaining": "5000", "buyer": "Nav", "supplier": "VO",
    "need": "norwegian_training", "threshold_name": "national", "threshold": "1000.00", "moved": "2",
}


@pytest.mark.parametrize(
    ("kind", "count", "locale", "expected"),
    [
        ("capacity.request_received", "1", "nb", "Nav Testvik ber om 1 plass på Norsk A2. Plassen holdes av til 10.03.2026 12:00."),
        ("capacity.request_received", "3", "nb", "Nav Testvik ber om 3 plasser på Norsk A2. Plassene holdes av til 10.03.2026 12:00."),
        ("capacity.request_received", "1", "en", "Nav Testvik requests 1 seat on Norsk A2. The seat is held until 10.03.2026 12:00."),
        ("capacity.request_received", "3", "en", "Nav Testvik requests 3 seats on Norsk A2. The seats are held until 10.03.2026 12:00."),
        ("capacity.request_accepted", 1, "nb", "Forespørselen din om 1 plass på Norsk A2 er godtatt: kjøpet er bekreftet."),
        ("capacity.request_withdrawn", 2, "en", "Nav Testvik withdrew its request for 2 seats on Norsk A2."),
    ],
)
def test_seat_counts_choose_the_plural_form(app, kind, count, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert render(kind, {**PARAMS, "seats": count}) == expected


@pytest.mark.parametrize(("days", "nb"), [("1", "om 1 dag."), ("60", "om 60 dager.")])
def test_day_counts_choose_the_plural_form(app, days, nb):
    with app.test_request_context(), force_locale("nb"):
        assert render("budget.runout_soon", {**PARAMS, "days": days}).endswith(nb)


@pytest.mark.parametrize("locale", ["nb", "en"])
@pytest.mark.parametrize("kind", sorted(MESSAGES))
def test_every_kind_renders_filled_in_with_no_optional_plural(app, kind, locale):
    with app.test_request_context(), force_locale(locale):
        text = render(kind, {**PARAMS, "seats": "2", "days": "7"})
    assert "%(" not in text and "(s)" not in text and "(er)" not in text and text != kind


@pytest.mark.parametrize(
    ("params", "expected_start"),
    [
        ({"course": "Norsk A2"}, "%(unit)s ber om %(seats)s plasser"),  # stored before its parameters changed: unfilled, plural
        ({**PARAMS, "seats": "mange"}, "Nav Testvik ber om mange plasser"),  # a count that is no number reads as plural
        (None, "%(unit)s ber om"),
    ],
)
def test_notices_stored_with_other_parameters_still_render(app, params, expected_start):
    with app.test_request_context(), force_locale("nb"):
        assert render("capacity.request_received", params).startswith(expected_start)


def test_an_unknown_kind_renders_as_its_name_and_every_kind_has_a_label(app):
    with app.test_request_context():
        assert render("no.such_kind", {}) == "no.such_kind"
    assert all(isinstance(m, Plural) or hasattr(m, "_args") for m in MESSAGES.values())
    assert set(KIND_LABELS) <= set(MESSAGES)


@pytest.mark.parametrize(("locale", "label"), [("nb", "Lagret her, ikke sendt (ingen SMTP-server)"),
                                               ("en", "Kept here, not sent (no SMTP server)")])
def test_the_outbox_sink_is_said_in_words(app, locale, label):
    with app.test_request_context(), force_locale(locale):
        assert OutboxStatus.sink.label == label
