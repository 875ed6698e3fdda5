"""Form fields for a municipality or a county: people type a name ("Oslo", "hattfjelldal", a unique start of a
name) or a number, pick from the browser's suggestions (a ``<datalist>`` of "Name (number)", no script), and the
field's ``data`` is the number the records store (:mod:`.places`).

An unknown or ambiguous place is a message on the field, with the input kept. A number already stored on the
record being edited stays valid although the list does not know it (an invented demo place, a municipality
merged away since): the view passes it as ``field.keep``. Resolution happens when the form validates (the view
sets ``keep`` after building the form)."""
from __future__ import annotations

import functools

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import StringField
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from ..boundary import has_control_characters
from . import places

SHOWN_CANDIDATES = 5


@functools.cache
def _options(kind: str) -> Markup:
    items = places.municipalities() if kind == "municipality" else places.counties()
    return Markup("".join(f'<option value="{escape(p.label)}"></option>' for p in items))


class PlaceInput(TextInput):
    """A text input with its list of suggestions right after it."""

    def __call__(self, field, **kwargs):
        list_id = f"{field.id}-places"
        kwargs.setdefault("list", list_id)
        kwargs.setdefault("autocomplete", "off")  # the browser's own history would hide the official names
        kwargs.setdefault("spellcheck", "false")
        return Markup(f'{super().__call__(field, **kwargs)}<datalist id="{list_id}">{_options(field.place_kind)}</datalist>')


class _PlaceField(StringField):
    widget = PlaceInput()
    place_kind = "municipality"

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.keep: set[str] = set()
        self.typed: str | None = None

    def process_formdata(self, valuelist):
        if valuelist:
            self.typed = valuelist[0] if isinstance(valuelist[0], str) else ""
            self.data = self.typed.strip() or None

    def pre_validate(self, form):
        text = (self.typed or "").strip()
        if self.typed is None or not text:
            if self.typed is not None:
                self.data = None
            return
        if has_control_characters(text):
            return  # formbase's first validator says so, with its one message
        try:
            self.data = self._find(text, keep={k for k in self.keep if k})
        except places.PlaceAmbiguous as exc:
            self.data = None
            raise ValidationError(self._ambiguous(text, exc.candidates)) from exc
        except places.PlaceWrongLength as exc:
            self.data = None
            raise ValidationError(self._wrong_length()) from exc
        except places.PlaceNotFound as exc:
            self.data = None
            raise ValidationError(self._unknown(_shorten(text))) from exc

    def _value(self):
        if self.typed is not None and (self.errors or self.process_errors):
            return self.typed  # as it was typed, beside its message
        return self._label(self.data) if self.data else ""

    @staticmethod
    def _candidates(candidates) -> str:
        names = ", ".join(p.label for p in candidates[:SHOWN_CANDIDATES])
        if len(candidates) > SHOWN_CANDIDATES:
            return _("%(names)s and %(n)d more", names=names, n=len(candidates) - SHOWN_CANDIDATES)
        return names


class MunicipalityField(_PlaceField):
    place_kind = "municipality"

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label or _l("Municipality"), validators, **kwargs)

    def _find(self, text, keep):
        return places.find_municipality(text, keep=keep)

    def _label(self, number):
        return places.municipality_label(number)

    def _wrong_length(self):
        return _("A municipality number has 4 digits.")

    def _unknown(self, text):
        return _("No municipality is called or numbered “%(text)s”. Choose one from the list.", text=text)

    def _ambiguous(self, text, candidates):
        return _("“%(text)s” fits several municipalities: %(names)s. Write more of the name, or the number.",
                 text=_shorten(text), names=self._candidates(candidates))


class CountyField(_PlaceField):
    place_kind = "county"

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label or _l("County"), validators, **kwargs)

    def _find(self, text, keep):
        return places.find_county(text, keep=keep)

    def _label(self, number):
        return places.county_label(number)

    def _wrong_length(self):
        return _("A county number has 2 digits.")

    def _unknown(self, text):
        return _("No county is called or numbered “%(text)s”. Choose one from the list.", text=text)

    def _ambiguous(self, text, candidates):
        return _("“%(text)s” fits several counties: %(names)s. Write more of the name, or the number.",
                 text=_shorten(text), names=self._candidates(candidates))


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
