from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FieldList, Form, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..choices import options
from ..courses.models import CEFR_LEVELS


class ParticipantForm(Form):
    reference = StringField(_l("Participant reference"), validators=[Optional(), Length(max=40)],
                            description=_l("Your own pseudonymous reference. Never a name or a national identity number."))
    cefr_level = SelectField(_l("CEFR level"), choices=lambda: options([("", _l("Unknown"))] + [(c, c) for c in CEFR_LEVELS]), default="")
    consent = BooleanField(_l("Has consented to information sharing between the services"))
    consent_date = DateField(_l("Date of consent"), validators=[Optional()])


class PurchaseForm(FlaskForm):
    seats = IntegerField(_l("Seats"), default=1, validators=[DataRequired(), NumberRange(min=1, max=50)])
    start_date = DateField(_l("From"), validators=[DataRequired()])
    end_date = DateField(_l("To"), validators=[DataRequired()])
    budget_id = SelectField(_l("Budget line"), coerce=lambda v: int(v) if v not in (None, "", "None") else None)
    side = SelectField(_l("Which side of the Nav office buys"), choices=lambda: options([
        ("", _l("As the budget line")), ("state", _l("The state side (Arbeids- og velferdsetaten)")), ("municipal", _l("The municipal side")),
    ]), default="")
    # Labels given, so WTForms does not translate made-up ones on every form (the rows are shown under the
    # page's own legend, the row's label is never shown).
    participants = FieldList(FormField(ParticipantForm, ""), _l("Participants"), min_entries=1, max_entries=50)
    override_reason = TextAreaField(_l("Why the purchase cannot wait (for a budget-stop override)"), validators=[Optional(), Length(max=2000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=2000)])


class ActualCostForm(FlaskForm):
    actual_amount = StringField(_l("Actual cost (NOK)"), validators=[DataRequired(), Length(max=30)])


class OverrideDecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=lambda: options([("approve", _l("Approve the override")), ("refuse", _l("Refuse"))]))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
