"""Purchase forms, and filling the seat form that the purchase page and the capacity request share."""
from __future__ import annotations

import datetime as dt
import re

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..formbase import FlaskForm
from wtforms import BooleanField, DateField, FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import clock, formats
from ..formbase import Form
from ..budget.models import Budget
from ..choices import options
from ..fields import IntField, coerce_id
from ..courses.models import CEFR_LEVELS
from .services import ParticipantInput


_ROW = re.compile(r"-(\d+)-$")


class ParticipantForm(Form):
    reference = StringField(_l("Participant reference"), validators=[Optional(), Length(max=40)],
                            description=_l("Your own pseudonymous reference. Never a name or a national identity number."))
    cefr_level = SelectField(_l("CEFR level"), choices=lambda: options([("", _l("Unknown"))] + [(c, c) for c in CEFR_LEVELS]), default="")
    consent = BooleanField(_l("Has consented to information sharing between the services"))
    consent_date = DateField(_l("Date of consent"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        """WTForms' own messages on a row (too long, not a valid date, not a valid choice) name the row as the
        services' do ("Deltaker 3: …"): in the error summary equal messages of several rows said nothing."""
        ok = super().validate(extra_validators)
        row = participant_row(self._prefix)
        if not ok and row is not None:
            for f in self:
                f.errors = [_("Participant %(n)d: %(message)s", n=row, message=m) for m in f.errors]
        return ok


def participant_row(prefix: str) -> int | None:
    """The 1-based row of a participant sub-form from its prefix (``participants-2-`` → 3)."""
    match = _ROW.search(prefix or "")
    return int(match.group(1)) + 1 if match else None


class PurchaseForm(FlaskForm):
    seats = IntField(_l("Seats"), default=1, validators=[InputRequired(), NumberRange(min=1, max=50)])
    start_date = DateField(_l("From"), validators=[DataRequired()])
    end_date = DateField(_l("To"), validators=[DataRequired()])
    budget_id = SelectField(_l("Budget line"), coerce=coerce_id)
    side = SelectField(_l("Which side of the Nav office buys"), choices=lambda: options([
        ("", _l("As the budget line")), ("state", _l("The state side (Arbeids- og velferdsetaten)")), ("municipal", _l("The municipal side")),
    ]), default="")
    # Labels given, so WTForms does not translate made-up ones on every form (the rows are shown under the
    # page's own legend, the row's label is never shown).
    participants = FieldList(FormField(ParticipantForm, ""), _l("Participants"), min_entries=1, max_entries=50)
    override_reason = TextAreaField(_l("Why the purchase cannot wait (for a budget-stop override)"), validators=[Optional(), Length(max=2000)])
    # Shown when the start date is in the past (services.check_start): the buyer confirms it is no typo.
    confirm_past_start = BooleanField(_l("The start date is in the past, and that is right"))
    # One-time token (purchases/form_tokens.py): a confirmation sent twice buys once.
    form_token = HiddenField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=2000)])


class ActualCostForm(FlaskForm):
    actual_amount = StringField(_l("Actual cost (NOK)"), validators=[DataRequired(), Length(max=30)])


class OverrideDecisionForm(FlaskForm):
    # Sent by the button pressed ("Approve the override" / "Refuse the override"); anything else is refused.
    decision = SelectField(_l("Decision"), choices=lambda: options([("approve", _l("Approve the override")), ("refuse", _l("Refuse the override"))]))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


def fill_seat_form(form, budgets: list[Budget], *, first: dt.date, last: dt.date, labelled: bool = True) -> None:
    """What the purchase form and the capacity request form share: the budget choices (with what remains when
    someone will see them), on GET a period from ``first`` to the end of its year (at most ``last``) with the
    budget line of that year, and one participant row per seat."""
    if labelled:
        labels = [(b.id, _("%(line)s %(year)s — remaining %(amount)s", line=b.line, year=b.year, amount=formats.money(b.remaining))) for b in budgets]
    else:  # the choices only validate the posted id (the page is not shown)
        labels = [(b.id, b.line) for b in budgets]
    form.budget_id.choices = options(labels or [(None, _("No budget lines"))])
    if request.method == "GET":
        start = max(first, clock.today())
        form.start_date.data = start
        form.end_date.data = min(last, dt.date(start.year, 12, 31))
        same_year = [b for b in budgets if b.year == start.year]
        form.budget_id.data = same_year[0].id if same_year else (budgets[0].id if budgets else None)
    seats = form.seats.data if isinstance(form.seats.data, int) and 1 <= form.seats.data <= 50 else 1
    while len(form.participants.entries) < seats:
        form.participants.append_entry()


def participant_inputs(form) -> list[ParticipantInput]:
    """One participant per seat from the form's rows."""
    return [
        ParticipantInput(
            reference=(e.reference.data or "").strip(), cefr_level=e.cefr_level.data or None,
            consent=bool(e.consent.data), consent_date=e.consent_date.data,
        )
        for e in form.participants.entries[: form.seats.data or 0]
    ]
