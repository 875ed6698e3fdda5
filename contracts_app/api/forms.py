"""The API token form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..choices import options
from ..fields import coerce_id
from ..formbase import FlaskForm
from .tokens import NAME_MAX, SCOPES


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)],
                       description=_l("What the token is for, for example the system that uses it."))
    unit_id = SelectField(_l("Unit"), coerce=coerce_id, validators=[DataRequired()],
                          description=_l("The token acts as you, with the roles you have at this unit: choose a unit "
                                         "where you have a role."))
    scopes = SelectMultipleField(_l("Scopes"), choices=lambda: options(SCOPES.items()), validators=[DataRequired()])
    expires_on = DateField(_l("Valid until"), validators=[DataRequired()])


class RevokeForm(FlaskForm):
    token_id = HiddenField(validators=[Optional()])
