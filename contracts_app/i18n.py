"""Language: Flask-Babel set-up, the user's language, and the Jinja filters of :mod:`contracts_app.formats`
(amounts ``kr 12 345,50`` and dates ``12.01.2026`` in both languages)."""
from __future__ import annotations

import functools

import flask
from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, Domain
from flask_login import current_user

from . import formats

# The interface languages, each named in itself (the header's switch and its form's choices).
LANGUAGES = (("nb", "Norsk bokmål"), ("en", "English"))
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


# WTForms' own bokmål catalogue (3.x) leaves these empty or fuzzy (a fuzzy entry is not compiled), so they
# reached Norwegian pages in English. Keys as in a compiled catalogue: a msgid, or (singular msgid, plural index).
_WTFORMS_NB_COMPLETION = {
    ("Field must be exactly %(max)d character long.", 0): "Feltet må være nøyaktig %(max)d tegn langt.",
    ("Field must be exactly %(max)d character long.", 1): "Feltet må være nøyaktig %(max)d tegn langt.",
    ("'%(value)s' is not a valid choice for this field.", 0): "«%(value)s» er ikke et gyldig valg for dette feltet.",
    ("'%(value)s' is not a valid choice for this field.", 1): "«%(value)s» er ikke gyldige valg for dette feltet.",
    "This field cannot be edited.": "Dette feltet kan ikke endres.",
    "This field is disabled and cannot have a value.": "Dette feltet er deaktivert og kan ikke ha en verdi.",
    "Choices cannot be None.": "Valgene kan ikke være tomme.",
    "Not a valid time value.": "Ikke et gyldig klokkeslett.",
    "Not a valid week value.": "Ikke en gyldig uke.",
}


@functools.lru_cache(maxsize=8)
def _wtforms_translations(locale: str):
    from babel import support
    from wtforms.i18n import messages_path

    translations = support.Translations.load(messages_path(), [locale], domain="wtforms")
    if locale.split("_")[0] in ("nb", "no") and isinstance(translations, support.Translations):
        translations._catalog.update(_WTFORMS_NB_COMPLETION)
    return translations


def form_translations():
    """WTForms' messages in the request's language (None outside a request: WTForms' English)."""
    if not has_request_context():
        return None
    return getattr(flask.request, "wtforms_translations", None)


class _RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's translations looked up once per request and locale.

    Flask-Babel finds the catalogue anew on every ``gettext`` (the babel context three times over ``flask.g``, the
    locale, its identifier string, the per-process cache): ~10 µs a string, and a page translates hundreds (the
    navigation's and the audit log's labels are lazy strings). This keeps the catalogue beside the request's locale
    on Flask-Babel's per-request context; a changed locale (``refresh()``, ``force_locale()``) is another object
    and looks it up again."""

    def get_translations(self):
        try:
            ctx = flask.g._flask_babel  # Flask-Babel's per-request context (created by its first lookup)
        except (AttributeError, RuntimeError):  # not created yet, or outside an app context
            return super().get_translations()
        cached = getattr(ctx, "contracts_translations", None)
        if cached is not None and cached[0] is getattr(ctx, "babel_locale", None):
            return cached[1]
        translations = super().get_translations()
        ctx.contracts_translations = (getattr(ctx, "babel_locale", None), translations)
        return translations


def _translations():
    """The request's catalogue, straight from the domain (Flask-Babel's ``get_translations()`` first finds the
    domain through its per-request context on ``flask.g``: ~5 µs of a template's ~15 µs per ``_()``)."""
    return babel.domain_instance.get_translations()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    babel.domain_instance = _RequestDomain()  # replaces Flask-Babel's default domain ("messages"), see above
    # Templates translate through the domain directly (Flask-Babel installs the same four callables, each looking
    # the domain up first); a page calls them a hundred times and more.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.request_class = Request
    formats.set_timezone(app.config["TIMEZONE"])
    app.jinja_env.filters.update(money=formats.money, number=formats.number, date=formats.date,
                                 datetime=formats.datetime, period=formats.period, percent=formats.percent,
                                 clock_time=formats.clock_time, price_breakdown=_price_breakdown)


def _price_breakdown(stored) -> list[str]:
    """A purchase's stored price breakdown in the reader's language (``{{ purchase.breakdown|price_breakdown }}``)."""
    from flask_babel import get_locale

    from .courses.pricing import render_breakdown

    return render_breakdown(stored, str(get_locale() or "nb"))
