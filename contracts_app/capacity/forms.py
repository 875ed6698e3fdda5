"""Input shape for offers, the offer search, requests and answers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..formbase import FlaskForm
from wtforms import BooleanField, DateField, FieldList, FormField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..choices import options
from ..courses.forms import cefr_choices, format_choices, kind_choices
from ..fields import IntField, MoneyField, NotBefore, coerce_id, coerce_required_id
from ..organisations.place_fields import CountyField, MunicipalityField
from ..purchases.forms import ParticipantForm


def visibility_choices():
    return options([("all_public", _l("All public services in the portal, and the open list of free seats")), ("named", _l("Only the organisations named below"))])


class OfferForm(FlaskForm):
    seats_offered = IntField(_l("Free seats offered"), validators=[InputRequired(), NumberRange(min=1, max=1000)])
    period_start = DateField(_l("Seats can be used from"), validators=[DataRequired()])
    period_end = DateField(_l("Seats can be used until"), validators=[DataRequired()])
    request_deadline = DateField(_l("Last day to request"), validators=[DataRequired()])
    unit_price = StringField(_l("Offer price per price unit (NOK excl. VAT)"), validators=[Optional(), Length(max=30)],
                             description=_l("Leave empty to use the course's price. The offer price may be lower, never higher."))
    visibility = SelectField(_l("Who may request the seats"), choices=visibility_choices, default="all_public")
    entity_ids = SelectMultipleField(_l("Organisations that may request"), coerce=coerce_required_id, validators=[Optional()],
                                     description=_l("Only used when the offer is for named organisations. Hold Ctrl (or Cmd) to choose several."))
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=200)])
    contact_email = StringField(_l("Contact e-mail"), validators=[DataRequired(), Length(max=200)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    notes = TextAreaField(_l("Notes for requesters"), validators=[Optional(), Length(max=4000)])


class OfferSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind of course"), choices=lambda: options([("", _l("All"))]) + kind_choices(), default="")
    level = SelectField(_l("Participant's level (CEFR)"), choices=cefr_choices(_l("Any")), default="")
    county = CountyField()
    municipality = MunicipalityField()
    format = SelectField(_l("Format"), choices=lambda: options([("", _l("All"))]) + format_choices(), default="")
    part_time = SelectField(_l("Part-time"), choices=lambda: options([("", _l("All")), ("1", _l("Only part-time"))]), default="")
    start_from = DateField(_l("Start at the earliest"), validators=[Optional()])
    start_to = DateField(_l("Start at the latest"), validators=[Optional(), NotBefore("start_from")])
    max_price = MoneyField(_l("Highest price per seat for the offer period (NOK)"),
                             validators=[Optional(), NumberRange(min=0, max=100_000_000)])
    min_seats = IntField(_l("At least this many free seats"), validators=[Optional(), NumberRange(min=1, max=1000)])
    sort = SelectField(_l("Sort by"), choices=lambda: options([("start", _l("Start date")), ("price", _l("Price"))]), default="start")


class RequestForm(FlaskForm):
    seats = IntField(_l("Seats"), default=1, validators=[InputRequired(), NumberRange(min=1, max=50)])
    start_date = DateField(_l("Wanted start"), validators=[DataRequired()])
    end_date = DateField(_l("Until"), validators=[DataRequired()])
    budget_id = SelectField(_l("Budget line"), coerce=coerce_id)
    side = SelectField(_l("Which side of the Nav office buys"), choices=lambda: options([
        ("", _l("As the budget line")), ("state", _l("The state side (Arbeids- og velferdsetaten)")), ("municipal", _l("The municipal side")),
    ]), default="")
    participants = FieldList(FormField(ParticipantForm), _l("Participants"), min_entries=1, max_entries=50)
    message = TextAreaField(_l("Message to the provider"), validators=[Optional(), Length(max=2000)])
    # Asked only when the service needs them (requests.request_errors): a start in the past, too few free seats.
    confirm_past_start = BooleanField(_l("The start date is in the past, and that is right"))
    join_waiting_list = BooleanField(_l("Put the request on the waiting list"))


class AcceptForm(FlaskForm):
    # One-time token (purchases/form_tokens.py): an accept sent twice confirms one purchase and shows it again.
    form_token = HiddenField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=2000)])


class MoveForm(FlaskForm):
    position = IntField(_l("New place in the list"), validators=[InputRequired(), NumberRange(min=1, max=10000)])
    reason = TextAreaField(_l("Why the order changes"), validators=[DataRequired(), Length(min=10, max=2000)])


class StatusForm(FlaskForm):
    action = SelectField(_l("Action"), choices=lambda: options([("pause", _l("Pause")), ("resume", _l("Publish again")), ("withdraw", _l("Withdraw"))]))
    reason = TextAreaField(_l("Reason (needed to withdraw)"), validators=[Optional(), Length(max=2000)])
