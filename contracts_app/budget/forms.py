from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..choices import options


class BudgetForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    line = StringField(_l("Budget line"), validators=[DataRequired(), Length(max=120)], description=_l("For example: Tiltaksmidler opplæring"))
    side = SelectField(_l("Which side of the office spends it"), choices=lambda: options([
        ("state", _l("The state side (Arbeids- og velferdsetaten)")), ("municipal", _l("The municipal side")),
    ]))
    amount = StringField(_l("Amount (NOK)"), validators=[DataRequired(), Length(max=30)])
    warning_pct = DecimalField(_l("Warning level (% used)"), default=85, validators=[DataRequired(), NumberRange(min=1, max=100)], places=None)
    stop_mode = SelectField(_l("When the money runs out"), choices=lambda: options([
        ("hard", _l("Hard stop: refuse purchases at 100 %")), ("warn", _l("Warn only")),
    ]))


class StopForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the budget stop"), validators=[DataRequired(), Length(min=5, max=2000)])
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("Until (empty: until lifted)"), validators=[Optional()])


class LiftForm(FlaskForm):
    reason = TextAreaField(_l("Why the stop is lifted"), validators=[DataRequired(), Length(min=5, max=2000)])
