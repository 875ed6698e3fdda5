"""Input shape for courses, rates and the course search."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..formbase import FlaskForm
from wtforms import (
    BooleanField, DateField, FieldList, FormField, SelectField,
    SelectMultipleField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..choices import options
from ..fields import DecimalNumberField, IntField, MoneyField, NotBefore
from ..formbase import Form
from ..money import MONEY_MAX
from ..organisations.place_fields import MunicipalityField
from .models import CEFR_LEVELS, MAX_TOTAL_HOURS, CourseFormat, CourseKind
from .pricing import PriceUnit


# The search forms of capacity offers and layout.py's labels still call these two; they can go when those
# take CourseKind.choices() / CourseFormat.choices() and ``member.label`` directly.
def kind_choices():
    return CourseKind.choices()


def format_choices():
    return CourseFormat.choices()


def price_unit_choices():
    """The usual units first."""
    return PriceUnit.choices([PriceUnit.per_hour, PriceUnit.per_week, PriceUnit.per_month, PriceUnit.per_seat])


def cefr_choices(empty_label):
    return lambda: options([("", empty_label)] + [(c, c) for c in CEFR_LEVELS])


def weekday_choices():
    return options([
        ("0", _l("Monday")), ("1", _l("Tuesday")), ("2", _l("Wednesday")), ("3", _l("Thursday")),
        ("4", _l("Friday")), ("5", _l("Saturday")), ("6", _l("Sunday")),
    ])


class RateForm(Form):
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    amount = MoneyField(_l("Rate (NOK excl. VAT)"), validators=[Optional(), NumberRange(min=0, max=MONEY_MAX)])


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of course"), choices=CourseKind.choices, validators=[DataRequired()])
    cefr_min = SelectField(_l("Lowest entry level (CEFR)"), choices=cefr_choices(_l("No requirement")), default="")
    cefr_max = SelectField(_l("Highest entry level (CEFR)"), choices=cefr_choices(_l("No upper limit")), default="")
    format = SelectField(_l("Format"), choices=CourseFormat.choices, validators=[DataRequired()])
    municipality_number = MunicipalityField(description=_l("Name or number, for example Oslo or 0301."))
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[DataRequired()])
    rolling_start = BooleanField(_l("Rolling start (participants may start any teaching day)"))
    hours_per_week = DecimalNumberField(_l("Teaching hours per week"), validators=[InputRequired(), NumberRange(min=0, max=60)])
    total_hours = DecimalNumberField(_l("Total teaching hours"), validators=[Optional(), NumberRange(min=0, max=MAX_TOTAL_HOURS)])
    teaching_weekdays = SelectMultipleField(_l("Teaching days"), choices=weekday_choices, default=["0", "1", "2", "3", "4"])
    part_time = BooleanField(_l("Part-time: can be combined with work or work practice"))
    total_seats = IntField(_l("Total seats"), validators=[InputRequired(), NumberRange(min=0, max=10000)])
    price_unit = SelectField(_l("Price per"), choices=price_unit_choices, validators=[DataRequired()])
    rates = FieldList(FormField(RateForm), min_entries=3, max_entries=10, label=_l("Rates"))
    target_groups = TextAreaField(_l("Target groups"), validators=[Optional(), Length(max=2000)])
    language_support = StringField(_l("Language support"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    is_active = BooleanField(_l("Open for purchases"), default=True)


class CourseSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind of course"), choices=lambda: options([("", _l("All"))]) + CourseKind.choices(), default="")
    level = SelectField(_l("Participant's level (CEFR)"), choices=cefr_choices(_l("Any")), default="")
    municipality = MunicipalityField()
    format = SelectField(_l("Format"), choices=lambda: options([("", _l("All"))]) + CourseFormat.choices(), default="")
    part_time = BooleanField(_l("Only part-time"))
    start_from = DateField(_l("Starts on or after"), validators=[Optional()])
    start_to = DateField(_l("Starts on or before"), validators=[Optional(), NotBefore("start_from")])
    min_free = IntField(_l("At least this many free seats"), validators=[Optional(), NumberRange(min=0, max=10000)])
