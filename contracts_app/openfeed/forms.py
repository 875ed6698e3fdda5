"""The public feed's filters: a GET form (no CSRF), every value checked, a message per field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from ..choices import options
from ..courses.forms import cefr_choices, format_choices
from ..formbase import Form
from ..organisations.place_fields import MunicipalityField


class FeedFilterForm(Form):
    municipality = MunicipalityField()
    level = SelectField(_l("Participant's level (CEFR)"), choices=cefr_choices(_l("Any")), default="")
    format = SelectField(_l("Format"), choices=lambda: options([("", _l("All"))]) + format_choices(), default="")
