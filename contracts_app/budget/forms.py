from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..choices import options
from ..formbase import FlaskForm, Form
from ..purchases.states import PurchaseStatus
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..fields import DecimalNumberField, IntField
from ..organisations.models import Side
from .models import StopMode


class BudgetForm(FlaskForm):
    year = IntField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    line = StringField(_l("Budget line"), validators=[DataRequired(), Length(max=120)], description=_l("For example: Tiltaksmidler opplæring"))
    side = SelectField(_l("Which side of the office spends it"), choices=Side.choices)
    amount = StringField(_l("Amount (NOK)"), validators=[DataRequired(), Length(max=30)])
    warning_pct = DecimalNumberField(_l("Warning level (% used)"), default=85, validators=[InputRequired(), NumberRange(min=1, max=100)])
    stop_mode = SelectField(_l("When the money runs out"), choices=StopMode.choices)


class StopForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the budget stop"), validators=[DataRequired(), Length(min=5, max=2000)])
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("Until (empty: until lifted)"), validators=[Optional()])


class LiftForm(FlaskForm):
    reason = TextAreaField(_l("Why the stop is lifted"), validators=[DataRequired(), Length(min=5, max=2000)])


class CommitmentFilterForm(Form):
    """The budget page's list of purchases, from the query string (a GET form, no CSRF token): which status (by
    default the open ones, confirmed or awaiting an override) and part of the course title. A value that is no
    choice, too long or holds control characters is a message on its field and that filter is not applied."""

    status = SelectField(_l("Status"), default="", choices=lambda: options(
        [("", _l("Open (confirmed or awaiting override)"))]) + PurchaseStatus.choices())
    course = StringField(_l("Course (title contains)"), validators=[Optional(), Length(max=120)])

    def filters(self) -> dict[str, str]:
        self.validate()
        return {name: "" if self[name].errors else (self[name].data or "").strip() for name in ("status", "course")}
