"""Language: Flask-Babel set-up, the user's language, and the Jinja filters of :mod:`contracts_app.formats`
(amounts ``kr 12 345,50`` and dates ``12.01.2026`` in both languages)."""
from __future__ import annotations

import functools

import flask
from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel
from flask_login import current_user

from . import formats
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
    formats.set_timezone(app.config["TIMEZONE"])
    app.jinja_env.filters.update(money=formats.money, number=formats.number, date=formats.date,
                                 datetime=formats.datetime, period=formats.period, percent=formats.percent,
                                 clock_time=formats.clock_time)
