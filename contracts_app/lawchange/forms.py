"""Marking a moved verdict handled: a note is required."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..formbase import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class HandledForm(FlaskForm):
    note = TextAreaField(
        _l("What was done or decided"), validators=[DataRequired(), Length(min=3, max=2000)],
        description=_l("E.g. «Procurement no longer needed; the buyer is told» or «The agreement is reviewed again»."),
    )
