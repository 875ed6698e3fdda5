"""The guided rules check form (Regelsjekk). Every field is optional except the reference date: an empty
field means "unknown", which the engine never treats as false."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..formbase import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..choices import options
from ..fields import INT_MAX, DecimalNumberField, IntField
from ..money import MONEY_MAX

MONEY = [Optional(), NumberRange(min=0, max=MONEY_MAX)]
PCT = [Optional(), NumberRange(min=0, max=100)]


def Select(label, **kwargs) -> SelectField:
    """A select whose empty answer means unknown; a missing value (API clients, old pages) is unknown too."""
    kwargs.setdefault("default", "")
    return SelectField(label, **kwargs)


def tri():
    return options([("", _l("Unknown")), ("yes", _l("Yes")), ("no", _l("No"))])


def activity_bases():
    return options([
        ("", _l("Unknown")), ("avg_turnover_3y", _l("Average turnover, last three years")),
        ("alt_measure_3y", _l("Other activity measure, last three years")), ("projection", _l("Business projection")),
    ])


def projection_reasons():
    """EXC-VERT-05 / EXC-HOR-05: projections count only for a new entity, a new activity or a reorganisation."""
    return options([
        ("", _l("Unknown")), ("new_entity", _l("A new entity (less than three years of figures)")),
        ("new_activity", _l("A new activity")), ("reorganisation", _l("A reorganisation")),
        ("none", _l("None of these: three years of figures exist")),
    ])


def legal_types():
    return options([
        ("", _l("Unknown")), ("state", _l("The State")), ("municipality", _l("Municipality")),
        ("county_municipality", _l("County municipality")), ("public_body", _l("Other public body")),
        ("mixed_company", _l("Company with public and private owners")), ("foundation", _l("Foundation")),
        ("private", _l("Private company")),
    ])


def _party(prefix: str, label):
    """``{prefix}_entity`` picks a registered legal entity (or "other"); the manual fields describe any other."""
    return {
        f"{prefix}_entity": Select(label, coerce=str, validate_choice=False),
        f"{prefix}_name": StringField(_l("Name"), validators=[Optional(), Length(max=200)]),
        f"{prefix}_entity_id": StringField(_l("Organisation number or other identifier"), validators=[Optional(), Length(max=40)]),
        f"{prefix}_legal_type": Select(_l("Legal type"), choices=legal_types),
        f"{prefix}_is_ca": Select(_l("Contracting authority"), choices=tri),
        f"{prefix}_is_central": Select(_l("Central government"), choices=tri),
    }


class RulesCheckForm(FlaskForm):
    # What the buttons ask for, the facts the form has no field for (kept from an import), and the scenario.
    action = HiddenField(default="assess")
    extra_facts = HiddenField()
    scenario_id = IntField(validators=[Optional(), NumberRange(min=1, max=INT_MAX)])
    scenario_name = StringField(validators=[Optional(), Length(max=200)])
    reference_date = DateField(
        _l("Reference date"), validators=[DataRequired()],
        description=_l("When the value is estimated or the procurement starts; it selects the thresholds in force."),
    )
    locals().update(_party("buyer", _l("Buyer")))
    locals().update(_party("supplier", _l("Supplier")))
    control = Select(_l("The buyer's control over the supplier"), choices=lambda: options([
        ("", _l("Unknown")), ("none", _l("None")), ("sole", _l("Sole control")), ("sole_indirect", _l("Sole, indirect control")),
        ("joint", _l("Joint control with other authorities")), ("partial", _l("Partial control")),
    ]))
    joint_representation_all = Select(_l("All controlling authorities are represented in the supplier's bodies"), choices=tri)
    joint_decisive_influence = Select(_l("They jointly have decisive influence"), choices=tri)
    joint_no_contrary_interests = Select(_l("The supplier pursues no interests contrary to theirs"), choices=tri)
    inverse_or_sister = Select(_l("The supplier controls the buyer, or both are controlled by the same authority"), choices=tri)
    supplier_activity_pct = DecimalNumberField(_l("Share of the supplier's activity performed for its controllers (%)"), validators=PCT)
    supplier_activity_basis = Select(_l("Basis for the supplier's activity share"), choices=activity_bases)
    supplier_projection_reason = Select(_l("Why projections are used for the supplier's activity share"), choices=projection_reasons)
    supplier_private_capital = Select(_l("Direct private capital in the supplier"), choices=tri)
    supplier_private_capital_by_law = Select(_l("Only non-controlling private capital required by law"), choices=tri)

    pecuniary = Select(_l("For payment (money, in kind or mutual provision)"), choices=tri)
    category = Select(_l("What is bought"), choices=lambda: options([
        ("", _l("Unknown")), ("special_services", _l("Special services (education and training, e.g. courses)")),
        ("health_social_services", _l("Health and social services")), ("services_ordinary", _l("Other services")),
        ("goods", _l("Goods")), ("works", _l("Building and construction works")),
    ]))
    cpv = StringField(_l("CPV codes"), validators=[Optional(), Length(max=200)], description=_l("Comma-separated, e.g. 80580000-3."))
    base_nok = DecimalNumberField(_l("Value for the fixed term (NOK excl. VAT)"), validators=MONEY)
    options_nok = DecimalNumberField(_l("Value of all options (NOK)"), validators=MONEY)
    extensions_nok = DecimalNumberField(_l("Value of possible extensions (NOK)"), validators=MONEY)
    monthly_nok = DecimalNumberField(_l("Monthly value, when no total is stated (NOK)"), validators=MONEY)
    duration_months = IntField(_l("Duration in months"), validators=[Optional(), NumberRange(min=1, max=1200)], description=_l("Empty for an indefinite term."))
    framework_max_nok = DecimalNumberField(_l("Framework agreement: maximum of all call-offs (NOK)"), validators=MONEY)
    related_purchases = TextAreaField(
        _l("Earlier purchases of the same kind by the same unit"), validators=[Optional(), Length(max=20000)],
        description=_l("One per line: date; amount; same need (yes/no). Example: 2026-01-15; 60000; yes"),
    )

    cooperation_claimed = BooleanField(_l("A cooperation between public authorities is claimed (horizontal cooperation)"))
    buyer_task = StringField(_l("Buyer: its statutory public task in the cooperation"), validators=[Optional(), Length(max=500)])
    buyer_contributions = StringField(_l("Buyer: what it contributes (comma-separated)"), validators=[Optional(), Length(max=500)])
    buyer_payment_only = Select(_l("Buyer contributes only money"), choices=tri)
    buyer_market_pct = DecimalNumberField(_l("Buyer: share of the activity sold on the open market (%)"), validators=PCT)
    supplier_task = StringField(_l("Supplier: its statutory public task in the cooperation"), validators=[Optional(), Length(max=500)])
    supplier_contributions = StringField(_l("Supplier: what it contributes (comma-separated)"), validators=[Optional(), Length(max=500)])
    supplier_payment_only = Select(_l("Supplier contributes only money"), choices=tri)
    supplier_market_pct = DecimalNumberField(_l("Supplier: share of the activity sold on the open market (%)"), validators=PCT)
    common_objectives = Select(_l("Common objectives are documented"), choices=tri)
    public_interest_only = Select(_l("Governed only by public-interest considerations"), choices=tri)
    private_party = Select(_l("A private party is party to the agreement"), choices=tri)
    pricing = Select(_l("Pricing between the parties"), choices=lambda: options([
        ("", _l("Unknown")), ("own_costs_each", _l("Each party bears its own costs")),
        ("cost_reimbursement", _l("Reimbursement of costs")), ("market_price_margin", _l("Market price with a margin")),
    ]))
    coop_activity_basis = Select(_l("Basis for the market shares"), choices=activity_bases)
    coop_projection_reason = Select(_l("Why projections are used for the market shares"), choices=projection_reasons)
    private_advantaged = Select(_l("Is a private operator placed in a better position than its competitors?"), choices=lambda: options([
        ("", _l("Not assessed")), ("no", _l("No")), ("yes", _l("Yes")), ("unknown", _l("Unknown — needs a legal assessment")),
    ]))
    subcontracting = Select(_l("Core service subcontracted to a third party"), choices=tri)

    nav_buyer = BooleanField(_l("The buyer is a Nav office"))
    nav_side = Select(_l("Which side of the Nav office buys"), choices=lambda: options([
        ("", _l("Unknown")), ("state", _l("The state side (Arbeids- og velferdsetaten)")), ("municipal", _l("The municipal side")),
    ]))
    nav_measure = Select(_l("Measure"), choices=lambda: options([
        ("", _l("Unknown")), ("NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV", _l("Norwegian training, basic skills, FOV")),
        ("ARBEIDSMARKEDSOPPLAERING", _l("Labour-market training (AMO)")),
        ("GRUPPE_ARBEIDSMARKEDSOPPLAERING", _l("Group AMO")), ("HOYERE_YRKESFAGLIG_UTDANNING", _l("Higher vocational education")),
    ]))
    nav_mode = Select(_l("Single seat or group"), choices=lambda: options([("", _l("Unknown")), ("enkeltplass", _l("Single seat")), ("gruppe", _l("Group"))]))
    nav_price_type = Select(_l("Price type"), choices=lambda: options([
        ("", _l("Unknown")), ("anskaffelse", _l("Purchase")), ("tilskudd", _l("Grant for an available study place")), ("ingen_kostnader", _l("No costs")),
    ]))
    nav_needs_assessment = Select(_l("Needs assessment done"), choices=tri)
    nav_labour_market_need = Select(_l("Labour-market need documented"), choices=tri)

    participant_status = Select(_l("Participant's status under the Integration Act"), choices=lambda: options([
        ("", _l("Unknown")), ("right_and_duty", _l("Right and duty")), ("duty_only", _l("Duty only")),
        ("collective_protection", _l("Temporary collective protection")), ("none", _l("None")),
    ]))
    participant_right_start = DateField(_l("Date the right arose"), validators=[Optional()])
    participant_upper_secondary = Select(_l("Has upper-secondary education or higher"), choices=tri)
    participant_min_level = Select(_l("Has reached the minimum level in Norwegian"), choices=tri)
    participant_age = IntField(_l("Participant's age"), validators=[Optional(), NumberRange(min=0, max=120)])

    # Grant or transfer of competences: both are claims (rules_grant.py, EXC-COMP-01). Unticked, the block is not
    # sent and the engine asks nothing about it; ticked, each unknown answer is left out (never "no").
    grant_claimed = BooleanField(_l("The payment is claimed to be a grant, not a procurement"))
    grant_initiative = Select(_l("Who took the initiative to the activity"), choices=lambda: options([
        ("", _l("Unknown")), ("authority", _l("The contracting authority")), ("recipient", _l("The recipient")),
    ]))
    grant_reciprocal = Select(_l("The recipient takes on an obligation in return for the payment"), choices=tri)
    grant_specifies_detail = Select(_l("The authority specifies the content of the service in detail"), choices=tri)
    grant_proportional = Select(_l("The payment is proportional to what is delivered"), choices=tri)
    grant_sanction = Select(_l("If the activity is not carried out"), choices=lambda: options([
        ("", _l("Unknown")), ("repayment", _l("The grant is repaid")), ("contract_remedies", _l("Contract remedies apply")),
    ]))
    grant_standard_terms = Select(_l("Offered on standard terms open to all who qualify"), choices=tri)
    transfer_claimed = BooleanField(_l("A transfer of competences (the task with powers and funds) is claimed"))
    transfer_powers = Select(_l("The receiver obtains the power to organise the task and its framework"), choices=tri)
    transfer_independence = Select(_l("The receiver is financially independent"), choices=tri)
    transfer_relinquishes = Select(_l("The transferring authority gives up its responsibility for the task"), choices=tri)

    doc_protocol = Select(_l("Procurement protocol written"), choices=tri)
    doc_exemption = Select(_l("Exemption assessment written"), choices=tri)
    doc_coop_agreement = Select(_l("Written cooperation agreement"), choices=tri)


class DayField(DateField):
    """A date from an ``<input type="date">``; one that cannot be read gets the product's wording."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Enter a date as dd.mm.yyyy."))) from None


class ThresholdPeriodForm(FlaskForm):
    """A new threshold period (the service checks the figure, the key, the status and the dates)."""

    key = StringField()
    value_nok = StringField()
    status = StringField()
    effective_from = DayField(validators=[Optional()])
    last_verified = DayField(validators=[Optional()])
    source = StringField()
    note = StringField()


class ActivationForm(FlaskForm):
    """Activating a pending period: its date, and its figure and source when it was announced without them."""

    effective_from = DayField(validators=[Optional()])
    value_nok = StringField()
    source = StringField()


class VerificationForm(FlaskForm):
    """A legal reviewer's note of what they checked a figure or a law version against."""

    note = StringField()


class ScenarioForm(FlaskForm):
    name = StringField(_l("Scenario name"), validators=[DataRequired(), Length(max=200)])


class ImportForm(FlaskForm):
    facts_file = FileField(_l("Facts file (JSON)"))
    facts_text = TextAreaField(_l("…or paste the facts JSON"), validators=[Optional(), Length(max=200000)])
