"""The two base classes every form in the app derives from: ``FlaskForm`` for a page's form (CSRF) and ``Form``
for subforms (a participant row, a rate, a party) and query-string forms (page, filters).

Both bind their fields the same way (WTForms' documented ``Meta`` hook, no change to the library's classes):
every text field refuses control characters first (tab, newline and CR allowed in text areas), one bokmål message
at one place; and both take WTForms' built-in messages in the reader's language (Flask-WTF only does that for a
``FlaskForm``; a plain ``wtforms.Form`` would show them in English).
"""
from __future__ import annotations

import flask_wtf
import wtforms
from wtforms import StringField

from .boundary import no_control_characters
from .i18n import form_translations


class _BindMeta:
    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField):
            field.validators = [no_control_characters, *field.validators]
        return field

    def get_translations(self, form):
        return form_translations()


class Form(wtforms.Form):
    class Meta(_BindMeta):
        """A subform's or query form's binding: WTForms' DefaultMeta with the two rules above."""


class FlaskForm(flask_wtf.FlaskForm):
    class Meta(_BindMeta):
        """A page form's binding: Flask-WTF's Meta (CSRF) with the two rules above."""
