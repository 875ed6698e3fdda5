"""Wizard and action forms. Input shape only: the services validate the content (dates, options, org numbers,
percentages) and their field errors are put back on these fields."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..formbase import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, DateField, FieldList, FormField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField,
)
from wtforms.widgets import HiddenInput
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..choices import options
from ..fields import INT_MAX, IntField, coerce_required_id
from ..formbase import Form
from ..vocab import MeasureCode
from ..rulecheck.labels import VERDICTS
from ..organisations.models import LegalType, Side
from .labels import ACTIVITY_BASES, OPTION_SCHEMES, PRICING, PRIVATE_ADVANTAGED, PROJECTION_REASONS, SECTIONS as SECTION_LABELS
from .models import AgreementKind, PartyRole
from .states import AgreementStatus


def kind_choices():
    return AgreementKind.choices()


def tri():
    return options([("", _l("Unknown")), ("yes", _l("Yes")), ("no", _l("No"))])


def legal_type_choices():
    return options([("", _l("Unknown"))]) + LegalType.choices()


def any_of(enum_cls):
    """A list filter's choices: "Any", then the values of ``enum_cls``."""
    return lambda: options([("", _l("Any"))]) + enum_cls.choices()


class PartyField(StringField):
    """A registered unit or legal person, found by what is typed (a searchable field: ``static/combobox.js`` asks
    ``agreements.party_search`` for suggestions; without script the text alone is resolved). ``data`` keeps the
    text as typed; validation sets :attr:`key` ("u:<unit id>", "e:<legal entity id>", or "" for an organisation
    typed in below) from the text and the form's hidden ``who_key`` (:func:`party_lookup.resolve`), or a message
    for a text that names no party or several."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.key = ""

    def pre_validate(self, form):
        from ..db import get_session
        from . import party_lookup

        hidden = form["who_key"] if "who_key" in form else None
        try:
            self.key = party_lookup.resolve(get_session(), self.data or "", hidden.data if hidden is not None else None)
        except party_lookup.Unresolved as exc:
            self.key = ""
            if hidden is not None:
                hidden.data = ""
            if exc.candidates:
                raise ValidationError(_("Several registered parties fit: %(names)s. Choose one from the suggestions or type its "
                                        "organisation number.", names="; ".join(exc.candidates))) from None
            raise ValidationError(_("No registered unit or organisation fits. Type a name, an organisation number or a "
                                    "municipality, or leave the field empty and fill in the organisation below.")) from None
        if hidden is not None:
            hidden.data = self.key


class PartyForm(Form):
    who = PartyField(_l("Registered unit or organisation"), validators=[Length(max=200)], default="",
                     description=_l("Type a name, an organisation number or a municipality and choose from the suggestions. "
                                    "Leave it empty for an organisation that is not registered, and fill in the fields below."))
    who_key = HiddenField(default="")  # the key picked from the suggestions (set by the script and by the server)
    nav_side = SelectField(_l("For a Nav office: which side is party"),
                           choices=lambda: options([("", _l("Not a Nav office"))]) + Side.choices(), default="")
    role = SelectField(_l("Role in the agreement"), choices=PartyRole.choices, default="partner")
    name = StringField(_l("Name (if not registered)"), validators=[Optional(), Length(max=200)])
    org_number = StringField(_l("Organisation number (if not registered)"), validators=[Optional(), Length(max=20)])
    legal_type = SelectField(_l("Legal type (if not registered)"), choices=legal_type_choices, default="")
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    contact_email = StringField(_l("Contact e-mail"), validators=[Optional(), Length(max=200)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])


class NewAgreementForm(FlaskForm):
    action = StringField()  # the button pressed: "add_party" adds a row, anything else creates the draft
    kind = SelectField(_l("Kind of agreement"), choices=kind_choices)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    parties = FieldList(FormField(PartyForm), label=_l("Parties"), min_entries=2, max_entries=10)


class StepForm(FlaskForm):
    """A wizard step. ``lock_version`` is the version the user opened (a newer one saved since is a conflict)."""

    lock_version = IntField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=INT_MAX)])
    action = StringField()  # the button pressed: "next", "save" or "add_party"


class PartiesForm(StepForm):
    kind = SelectField(_l("Kind of agreement"), choices=kind_choices)
    parties = FieldList(FormField(PartyForm), label=_l("Parties"), min_entries=2, max_entries=10)
    # the service checks each unit against the buying parties; the choices are the registered units
    covered_unit_ids = SelectMultipleField(
        _l("Further units covered"), coerce=coerce_required_id, validate_choice=False,
        description=_l("Units beyond the parties' own whose purchases the agreement covers, e.g. the Nav offices a "
                       "county-wide agreement is for. Each must belong to a party that buys under the agreement."))


def measure_choices():
    return options([("", _l("None / not a Nav measure"))]) + MeasureCode.choices()


class SubjectForm(StepForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    subject = TextAreaField(_l("Subject: what the agreement is about"), validators=[Optional(), Length(max=10000)])
    cpv_codes = StringField(_l("CPV codes"), validators=[Optional(), Length(max=300)],
                            description=_l("From the education and training list (80…), comma-separated, e.g. 80580000-3."))
    measure_code = SelectField(_l("Nav measure"), choices=measure_choices, default="")
    procurement_case_ref = StringField(_l("Procurement case number"), validators=[Optional(), Length(max=80)],
                                       description=_l("For an agreement after a procurement."))
    procurement_notice_ref = StringField(_l("Notice reference (Doffin)"), validators=[Optional(), Length(max=80)])
    parent_id = SelectField(_l("Made under the agreement"), choices=[], validate_choice=False, default="",
                            description=_l("A call-off is made under a framework or purchase agreement that is signed or active."))


class PeriodForm(StepForm):
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date (base period)"), validators=[Optional()],
                         description=_l("Leave empty with 2+1 or 1+1+1 to have it computed from the start date."))
    option_scheme = SelectField(_l("Options"), choices=lambda: options(OPTION_SCHEMES.items()), default="none")
    custom_options = StringField(_l("Custom options: length of each option in months"), validators=[Optional(), Length(max=100)],
                                 description=_l("For example 12, 6."))
    max_duration_months = StringField(_l("Maximum duration in months, options included"), validators=[Optional(), Length(max=10)])
    # shown when the whole period lies in the past: saving it then needs this deliberate confirmation
    confirm_past = BooleanField(_l("Yes, the agreement has already ended: register it anyway"), default=False)


class ValueForm(StepForm):
    estimated_value = StringField(_l("Estimated value for the base period (NOK excl. VAT)"), validators=[Optional(), Length(max=30)],
                                  description=_l("An amount greater than zero."))
    options_value = StringField(_l("Value of all options (NOK excl. VAT)"), validators=[Optional(), Length(max=30)],
                                description=_l("Only when the agreement has options; leave empty when it has none."))
    price_terms = TextAreaField(_l("Price terms"), validators=[Optional(), Length(max=10000)])


class CoopPartyForm(Form):
    statutory_task = TextAreaField(_l("Statutory public task in the cooperation"), validators=[Optional(), Length(max=5000)])
    contributions = TextAreaField(_l("Concrete contributions (one per line: staff, premises, teachers, work placements …)"),
                                  validators=[Optional(), Length(max=5000)])
    payment_only = SelectField(_l("Contributes only money"), choices=tri, default="")
    open_market_share_pct = StringField(_l("Share of the activity sold on the open market (%)"), validators=[Optional(), Length(max=10)])


class CooperationForm(StepForm):
    parties = FieldList(FormField(CoopPartyForm), label=_l("Parties"), min_entries=0, max_entries=10)
    common_objectives = TextAreaField(_l("Common objectives"), validators=[Optional(), Length(max=10000)])
    governance = TextAreaField(_l("Governance and joint strategy"), validators=[Optional(), Length(max=10000)])
    cost_sharing = TextAreaField(_l("Cost sharing"), validators=[Optional(), Length(max=10000)])
    pricing = SelectField(_l("Pricing between the parties"), choices=lambda: options([("", _l("Unknown")), *PRICING.items()]), default="")
    activity_basis = SelectField(_l("Basis for the market shares"), choices=lambda: options([("", _l("Unknown")), *ACTIVITY_BASES.items()]),
                                 default="")
    projection_reason = SelectField(_l("Why projections are used for the market shares"),
                                    choices=lambda: options([("", _l("Unknown")), *PROJECTION_REASONS.items()]), default="",
                                    description=_l("Projections count only for a new entity, a new activity or a reorganisation."))
    market_share_monitoring = TextAreaField(_l("How the market shares are monitored"), validators=[Optional(), Length(max=5000)])
    public_interest_only = SelectField(_l("Governed only by public-interest considerations"), choices=tri, default="")
    private_operator_advantaged = SelectField(_l("Is a private operator placed in a better position than its competitors?"),
                                              choices=lambda: options([("", _l("Not assessed")), *PRIVATE_ADVANTAGED.items()]), default="")
    third_party_subcontracting = SelectField(_l("Core service subcontracted to a third party"), choices=tri, default="")
    subcontracting_note = TextAreaField(_l("Subcontracting"), validators=[Optional(), Length(max=5000)])
    review_and_exit = TextAreaField(_l("Review and exit"), validators=[Optional(), Length(max=5000)])


STEP_FORMS = {"parties": PartiesForm, "subject": SubjectForm, "period": PeriodForm, "value": ValueForm, "cooperation": CooperationForm}


class ReviewForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=lambda: options([
        ("approve", _l("Approve")), ("changes", _l("Request changes")),
    ]))
    reviewer_verdict = SelectField(_l("Your conclusion"), choices=lambda: options([("", _l("As the rules engine"))] + list(VERDICTS.items())),
                                   default="")
    reasoning = TextAreaField(_l("Legal reasoning (required when you depart from the engine)"), validators=[Optional(), Length(max=10000)])
    note = TextAreaField(_l("Note to the drafters"), validators=[Optional(), Length(max=5000)])


class CommentForm(FlaskForm):
    section = SelectField(_l("Section"), choices=lambda: options(SECTION_LABELS.items()))
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)])
    parent_id = HiddenField()


class ResolveForm(FlaskForm):
    reopen = HiddenField()  # "1" reopens a resolved thread


class SignatureForm(FlaskForm):
    party_id = SelectField(_l("Party"), coerce=lambda v: int(v) if v not in (None, "", "None") else None)
    signer_name = StringField(_l("Signed by"), validators=[DataRequired(), Length(max=200)])
    signer_role = StringField(_l("Signer's role"), validators=[DataRequired(), Length(max=200)])
    signed_on = DateField(_l("Date signed"), validators=[DataRequired()])
    pdf = FileField(_l("Signed PDF"), description=_l(
        "Optional when you sign for your own unit's party; required when you record another party's signature on paper."))


class TerminateForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the termination"), validators=[DataRequired(), Length(max=5000)])
    terminated_on = DateField(_l("Ends on"), validators=[DataRequired()])


class FilterForm(FlaskForm):
    """The agreement list's search; an unknown value of a field is read as "any" (see :meth:`filters`).
    A FlaskForm for WTForms' own messages in the reader's language; no CSRF token on a GET search."""

    class Meta:
        csrf = False

    q = StringField(_l("Party (name or organisation number)"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=any_of(AgreementStatus), default="")
    kind = SelectField(_l("Kind"), choices=any_of(AgreementKind), default="")
    verdict = SelectField(_l("Verdict"), choices=lambda: options([("", _l("Any"))] + list(VERDICTS.items())), default="")
    expiring = SelectField(_l("Expiry"), choices=lambda: options([("", _l("Any")), ("90", _l("Expiring within 90 days"))]), default="")

    def filters(self) -> dict[str, str]:
        """The valid filters as plain values (an invalid field counts as not given)."""
        self.validate()
        return {name: ("" if self[name].errors else (self[name].data or "").strip())
                for name in ("q", "status", "kind", "verdict", "expiring")}


class PartySearchForm(FlaskForm):
    """The party field's suggestions: what was typed so far (no CSRF token on a GET search)."""

    class Meta:
        csrf = False

    q = StringField(validators=[Optional(), Length(max=200)])
