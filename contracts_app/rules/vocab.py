"""The rules engine's vocabulary: every enumerated value of the facts, the findings and the assessment,
each with its label in Norwegian bokmål and English.

One place for each value list: :mod:`.schema` validates against these enums, the rules compare with
their members, and the assessment carries their values (plain strings in the output). A member is a
``str`` (``Verdict.exempt == "exempt"``), so facts parsed from JSON compare equal to it and hash the
same; its labels travel with it, the way Indico's ``RichEnum`` carries titles::

    >>> Verdict.exempt.label("en")
    'Exempt from the procurement rules'
    >>> LegalType("municipality").nb
    'Kommune'

Pure: no Flask, no Babel. The app's pages will take their labels from here (a later step); until then
the wording matches the app's form choices and its bokmål catalogue.
"""

from __future__ import annotations

from enum import StrEnum


class Term(StrEnum):
    """A value with its labels. Members are declared as ``name = "value", "bokmål", "English"``."""

    nb: str  # label in Norwegian bokmål (the product's default language)
    en: str  # label in English

    def __new__(cls, value: str, nb: str, en: str) -> Term:
        member = str.__new__(cls, value)
        member._value_ = value
        member.nb = nb
        member.en = en
        return member

    def label(self, locale: str = "nb") -> str:
        """The label in ``locale``: English for ``en``/``en_GB``/…, bokmål otherwise (the default)."""
        return self.en if locale[:2] == "en" else self.nb

    @classmethod
    def values(cls) -> frozenset[str]:
        """Every value as a plain string (what the schema accepts)."""
        return frozenset(member.value for member in cls)


# --- the assessment -------------------------------------------------------------------------------


class Verdict(Term):
    """The engine's conclusion (``assessment["verdict"]``)."""

    below_scope = "below_scope", "Under den nedre beløpsgrensen i anskaffelsesloven", "Below the lower limit of the Procurement Act"
    procurement_required = "procurement_required", "Anskaffelsesregelverket gjelder", "The procurement rules apply"
    exempt = "exempt", "Unntatt fra anskaffelsesregelverket", "Exempt from the procurement rules"
    not_procurement_grant = "not_procurement_grant", "Tilskudd, ikke anskaffelse", "A grant, not a procurement"
    needs_assessment = "needs_assessment", "Krever juridisk vurdering", "Needs a legal assessment"


class Regime(Term):
    """Which parts of the procurement regulation (FOA) apply (``assessment["regime"]``, THR-03…09)."""

    part_I = "part_I", "FOA del I", "FOA part I"
    part_I_II = "part_I_II", "FOA del I og II (nasjonal kunngjøring i Doffin)", "FOA parts I and II (national announcement on Doffin)"
    part_I_III = "part_I_III", "FOA del I og III (EØS-prosedyre)", "FOA parts I and III (EEA procedure)"
    part_I_II_plus_III_special = (
        "part_I_II_plus_III_special",
        "FOA del I og II, pluss reglene i del III for særlige tjenester",
        "FOA parts I and II plus the part III rules for special services",
    )
    part_I_VI = "part_I_VI", "FOA del I og VI (helse- og sosialtjenester)", "FOA parts I and VI (health and social services)"


class ExemptionBasis(Term):
    """Why a contract is ``exempt`` (the engine's ``exempt_by``, read by OBL-05)."""

    INH = "INH", "Egenregi i samme rettssubjekt", "In-house within one legal entity"
    VERT = "VERT", "Utvidet egenregi", "Extended in-house"
    HOR = "HOR", "Samarbeid mellom oppdragsgivere", "Horizontal cooperation"
    COMP = "COMP", "Overføring av myndighet", "Transfer of competences"
    SCOPE = "SCOPE", "Utenfor anskaffelsesregelverket", "Outside the procurement rules"


# --- findings and the steps of the decision order ---------------------------------------------------


class Outcome(Term):
    """What a finding says about its rule's condition (decides where the engine puts it)."""

    met = "met", "Oppfylt", "Met"  # established by known facts
    not_met = "not_met", "Ikke oppfylt", "Not met"  # a known fact makes the condition fail
    unknown = "unknown", "Uavklart", "Unknown"  # turns on unknown facts (Finding.missing)
    judgment = "judgment", "Krever skjønn", "Needs a judgment"  # checkable conditions hold; case-by-case
    info = "info", "Til informasjon", "For information"  # an explanation, warning or duty


class ClaimStatus(Term):
    """The result of one exemption family (EXC-*) for one set of facts."""

    established = "established", "Fastslått", "Established"  # every condition met
    judgment = "judgment", "Krever skjønn", "Needs a judgment"  # a case-by-case question remains
    unknown = "unknown", "Uavklart", "Unknown"  # no known fact fails, some are unknown
    failed = "failed", "Ikke oppfylt", "Not met"  # a known fact fails a condition
    not_claimed = "not_claimed", "Ikke påberopt", "Not claimed"


class GrantStatus(Term):
    """The result of the grant test (GRANT-01…03)."""

    grant = "grant", "Tilskudd", "Grant"
    procurement = "procurement", "Anskaffelse", "Procurement"
    judgment = "judgment", "Krever skjønn", "Needs a judgment"
    unknown = "unknown", "Uavklart", "Unknown"
    not_claimed = "not_claimed", "Ikke påberopt", "Not claimed"


class ThresholdStatus(Term):
    """A row of the threshold table or a version of the law: in force, or announced but not yet."""

    active = "active", "Gjeldende", "Active"
    pending = "pending", "Varslet", "Pending"


# --- the facts (schema version 1) -------------------------------------------------------------------


class LegalType(Term):
    """``buyer.legal_type`` / ``supplier.legal_type``."""

    state = "state", "Staten", "The State"
    municipality = "municipality", "Kommune", "Municipality"
    county_municipality = "county_municipality", "Fylkeskommune", "County municipality"
    public_body = "public_body", "Annet offentlig organ", "Other public body"
    mixed_company = "mixed_company", "Selskap med offentlige og private eiere", "Company with public and private owners"
    foundation = "foundation", "Stiftelse", "Foundation"
    private = "private", "Privat selskap", "Private company"


class Control(Term):
    """``relationship.control``: the buyer's control over the supplier (``unknown`` is read as null)."""

    none = "none", "Ingen", "None"
    sole = "sole", "Enekontroll", "Sole control"
    sole_indirect = "sole_indirect", "Enekontroll, indirekte", "Sole, indirect control"
    joint = "joint", "Felles kontroll med andre oppdragsgivere", "Joint control with other authorities"
    partial = "partial", "Delvis kontroll", "Partial control"
    unknown = "unknown", "Ukjent", "Unknown"


class Category(Term):
    """``contract.category``: what is bought."""

    goods = "goods", "Varer", "Goods"
    services_ordinary = "services_ordinary", "Andre tjenester", "Other services"
    special_services = (
        "special_services",
        "Særlige tjenester (undervisning og opplæring, for eksempel kurs)",
        "Special services (education and training, e.g. courses)",
    )
    health_social_services = "health_social_services", "Helse- og sosialtjenester", "Health and social services"
    works = "works", "Bygge- og anleggsarbeider", "Building and construction works"


class Pricing(Term):
    """``cooperation.pricing``: how the parties of a cooperation pay each other."""

    own_costs_each = "own_costs_each", "Hver part dekker egne kostnader", "Each party bears its own costs"
    cost_reimbursement = "cost_reimbursement", "Refusjon av kostnader", "Reimbursement of costs"
    market_price_margin = "market_price_margin", "Markedspris med påslag", "Market price with a margin"


class ActivityBasis(Term):
    """``supplier.activity_basis`` / ``cooperation.activity_basis``: how the 80 %/20 % shares are measured."""

    avg_turnover_3y = "avg_turnover_3y", "Gjennomsnittlig omsetning de siste tre årene", "Average turnover, last three years"
    alt_measure_3y = "alt_measure_3y", "Annet aktivitetsmål de siste tre årene", "Other activity measure, last three years"
    projection = "projection", "Prognose for virksomheten", "Business projection"


class ProjectionReason(Term):
    """``*.projection_reason``: why projections replace the three-year figures (EXC-VERT-05, EXC-HOR-05)."""

    new_entity = "new_entity", "En ny enhet (mindre enn tre års tall)", "A new entity (less than three years of figures)"
    new_activity = "new_activity", "En ny virksomhet", "A new activity"
    reorganisation = "reorganisation", "En omorganisering", "A reorganisation"
    none = "none", "Ingen av disse: det finnes tall for tre år", "None of these: three years of figures exist"


class Advantaged(Term):
    """``cooperation.private_operator_advantaged`` (null is read as ``unknown``)."""

    no = "no", "Nei", "No"
    yes = "yes", "Ja", "Yes"
    unknown = "unknown", "Ukjent – krever juridisk vurdering", "Unknown — needs a legal assessment"


class Initiative(Term):
    """``grant.initiative``: who took the initiative to the activity (GRANT-02)."""

    recipient = "recipient", "Mottakeren", "The recipient"
    authority = "authority", "Oppdragsgiveren", "The contracting authority"


class Sanction(Term):
    """``grant.sanction``: what happens when the activity is not carried out (GRANT-02)."""

    repayment = "repayment", "Tilbakebetaling", "Repayment"
    contract_remedies = "contract_remedies", "Kontraktsrettslige sanksjoner", "Contract remedies"


class ContractingSide(Term):
    """``nav.contracting_side``: which side of the Nav office buys (NAV-01)."""

    state = "state", "Den statlige delen (Arbeids- og velferdsetaten)", "The state side (Arbeids- og velferdsetaten)"
    municipal = "municipal", "Den kommunale delen", "The municipal side"


class NavMode(Term):
    """``nav.mode``: a single seat or a group."""

    enkeltplass = "enkeltplass", "Enkeltplass", "Single seat"
    gruppe = "gruppe", "Gruppe", "Group"


class PriceType(Term):
    """``nav.price_type``: how Nav pays (GRANT-03)."""

    anskaffelse = "anskaffelse", "Anskaffelse", "Purchase"
    tilskudd = "tilskudd", "Tilskudd til ledig studieplass", "Grant for an available study place"
    ingen_kostnader = "ingen_kostnader", "Ingen kostnader", "No costs"


class IntegrationStatus(Term):
    """``participant.integration.status``: the participant's position under the Integration Act (INT-*)."""

    right_and_duty = "right_and_duty", "Rett og plikt", "Right and duty"
    duty_only = "duty_only", "Bare plikt", "Duty only"
    collective_protection = "collective_protection", "Midlertidig kollektiv beskyttelse", "Temporary collective protection"
    none = "none", "Ingen", "None"
