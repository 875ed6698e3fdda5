"""Language and Norwegian formats: Flask-Babel set-up and the Jinja filters for money and dates.

Amounts are shown the Norwegian way (``kr 12 345,50``) and dates as ``12.01.2026`` in both languages,
because the figures are Norwegian public money and Norwegian legal dates.
"""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import flask

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, parse_pattern
from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel
from flask_login import current_user

from .config import LOCALES

babel = Babel()
NB = "nb_NO"


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    # Deliberately not the browser's Accept-Language: many Norwegian offices run English-language browsers,
    # and the product's language is bokmål unless the user picks English in the header.
    return current_app.config["DEFAULT_LOCALE"]


# Parsed once (Babel parses a pattern or locale name given as a string on every call; every page formats money).
_MONEY = parse_pattern("¤\xa0#,##0.00")
_NB = Locale.parse(NB)


def money(value: Decimal | int | str | None) -> str:
    """``kr 12 345,50`` (non-breaking spaces), or an empty string for no amount."""
    if value is None or value == "":
        return ""
    return format_currency(Decimal(value), "NOK", format=_MONEY, locale=_NB, currency_digits=False)


def number(value, digits: int = 0) -> str:
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(Decimal(value), format=pattern, locale=NB)


def date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # an ISO date as stored in JSON (an assessment's ruleset, a law version)
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.timezone.utc).astimezone(_oslo()).date()
    return format_date(value, "dd.MM.yyyy", locale=NB)


def datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "dd.MM.yyyy HH:mm", tzinfo=_oslo(), locale=NB)


def _oslo():
    from .clock import OSLO

    return OSLO


class Request(flask.Request):
    """Flask's request, with WTForms' own messages (``required``, ``not a valid choice`` …) in the request's
    language taken from a per-process cache. Flask-WTF looks for ``request.wtforms_translations`` and, when
    it is missing, parses WTForms' ``.mo`` file again on every request that builds a form."""

    @functools.cached_property
    def wtforms_translations(self):
        from flask_babel import get_locale

        return _wtforms_translations(str(get_locale()))


@functools.lru_cache(maxsize=8)
def _wtforms_translations(locale: str):
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.request_class = Request
    app.jinja_env.filters.update(money=money, number=number, date=date, datetime=datetime)
