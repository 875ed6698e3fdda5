"""NAV-01…08: the Nav office as two legal persons, and Nav's conditions for training measures.

``nav.measure_code`` is free text in the contract (Nav's codes change: chapter 7 of tiltaksforskriften
was rewritten from 1 July 2025), so the sets below are data, upper-cased on input, and unknown codes
simply do not trigger the measure-specific warnings.

NAV-06 (duration limits) is data-driven: :data:`DURATION_LIMITS` holds the one rule the catalog could
confirm — the pre-2025 limit for enkeltplass fag- og yrkesopplæring (3 years, + 1 year for special
reasons). The post-2025 limits are **not confirmed** (catalog §13 item 5) and are deliberately absent:
no row, no warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .context import Context
from .facts import Facts
from .registry import INFO, Finding, Reference, Rule, register
from .vocab import ContractingSide, LegalType, NavMode, PriceType

#: Organisation number of Arbeids- og velferdsetaten (the State side of every Nav office).
NAV_STATE_ORG_NO = "889640782"

#: Measure codes of arbeidsmarkedsopplæring (AMO), new (2025) and old (Arena) names.
AMO_CODES = frozenset(
    {
        "ARBEIDSMARKEDSOPPLAERING",
        "GRUPPE_ARBEIDSMARKEDSOPPLAERING",
        "ENKELTPLASS_ARBEIDSMARKEDSOPPLAERING",
        "GRUPPEAMO",
        "ENKELAMO",
    }
)


@dataclass(slots=True, frozen=True)
class DurationLimit:
    """One row of the NAV-06 duration table: a limit for some measure codes in a period."""

    codes: frozenset[str]
    mode: NavMode | None  # None = any mode
    limit_months: int
    extension_months: int  # extra months allowed for special reasons
    effective_from: date | None
    effective_to: date | None
    source: str
    confidence: str


DURATION_LIMITS: tuple[DurationLimit, ...] = (
    DurationLimit(
        codes=frozenset({"ENKFAGYRKE", "FAG_OG_YRKESOPPLAERING", "ENKELTPLASS_FAG_OG_YRKESOPPLAERING"}),
        mode=NavMode.enkeltplass,
        limit_months=36,
        extension_months=12,
        effective_from=None,
        effective_to=date(2025, 6, 30),
        source="Nav tiltaksbeskrivelse (regler før 1.7.2025): inntil tre år, ett års forlengelse ved særlige grunner",
        confidence="medium",
    ),
)


def duration_limit(code: str, mode: str | None, on: date) -> DurationLimit | None:
    """The NAV-06 row for a measure on a date, or ``None`` when no confirmed limit is known."""
    for row in DURATION_LIMITS:
        if code not in row.codes:
            continue
        if row.mode is not None and mode is not None and row.mode != mode:
            continue
        if row.effective_from is not None and on < row.effective_from:
            continue
        if row.effective_to is not None and on > row.effective_to:
            continue
        return row
    return None


@register
class NAV01(Rule):
    rule_id = "NAV-01"
    family = "NAV"
    title = "The Nav office is a partnership of two legal persons"
    citation = "NAV-loven §§ 13–14; veileder til partnerskapsavtalen"
    messages = {
        "municipal_side": (
            INFO,
            "Kjøpet gjøres av den kommunale delen av Nav-kontoret; kjøperen er kommunen.",
            "The purchase is made by the municipal part of the Nav office; the buyer is the municipality.",
        ),
        "state_side": (
            INFO,
            "Kjøpet gjøres av den statlige delen av Nav-kontoret; kjøperen er Arbeids- og velferdsetaten (staten).",
            "The purchase is made by the State part of the Nav office; the buyer is the Labour and Welfare Administration (the State).",
        ),
        "inconsistent": (
            INFO,
            "Kontroller hvilken juridisk person som kjøper: {problems}. Det avgjør hvilke regler som gjelder.",
            "Check which legal person buys: {problems}. That decides which rules apply.",
        ),
    }
    _STATE_NOT_STATE = (
        "nav.contracting_side er statlig, men kjøperen er ikke staten",
        "nav.contracting_side is state, but the buyer is not the State",
    )
    _STATE_NOT_CENTRAL = (
        "nav.contracting_side er statlig, men kjøperen er ikke markert som statlig myndighet",
        "nav.contracting_side is state, but the buyer is not marked as central government",
    )
    _MUNICIPAL_NOT_MUNICIPALITY = (
        "nav.contracting_side er kommunal, men kjøperen er ikke en kommune",
        "nav.contracting_side is municipal, but the buyer is not a municipality",
    )
    _MUNICIPAL_IS_NAV_STATE = (
        "nav.contracting_side er kommunal, men kjøperen har organisasjonsnummeret til Arbeids- og velferdsetaten",
        "nav.contracting_side is municipal, but the buyer has the organisation number of the Labour and Welfare Administration",
    )
    _MUNICIPAL_CENTRAL = (
        "nav.contracting_side er kommunal, men kjøperen er markert som statlig myndighet",
        "nav.contracting_side is municipal, but the buyer is marked as central government",
    )

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        """The side identification, as a reason when it decides (the municipal side buying in-house)."""
        nav = facts.nav
        if nav is None or nav.contracting_side is None or not ctx.same_entity:
            return None
        return self.finding("municipal_side" if nav.contracting_side == ContractingSide.municipal else "state_side")

    def consistency(self, facts: Facts) -> Finding | None:
        """Warning when ``nav.contracting_side`` and the buyer's legal type contradict each other."""
        nav = facts.nav
        if nav is None or nav.contracting_side is None:
            return None
        buyer = facts.buyer
        problems = []
        if nav.contracting_side == ContractingSide.state:
            if buyer.legal_type is not None and buyer.legal_type != LegalType.state:
                problems.append(self._STATE_NOT_STATE)
            if buyer.is_central_government is False:
                problems.append(self._STATE_NOT_CENTRAL)
        else:
            if buyer.legal_type is not None and buyer.legal_type != LegalType.municipality:
                problems.append(self._MUNICIPAL_NOT_MUNICIPALITY)
            if buyer.entity_key == NAV_STATE_ORG_NO:
                problems.append(self._MUNICIPAL_IS_NAV_STATE)
            if buyer.is_central_government is True:
                problems.append(self._MUNICIPAL_CENTRAL)
        if not problems:
            return None
        return self.finding(
            "inconsistent",
            problems=("; ".join(p[0] for p in problems), "; ".join(p[1] for p in problems)),
        )


@register
class NAV02(Reference):
    rule_id = "NAV-02"
    family = "NAV"
    title = "A municipality cannot tender to itself; the State buying from it is a contract"
    citation = "veileder kap. 4.1–4.2; C-15/13 TUHH"


@register
class NAV03(Reference):
    rule_id = "NAV-03"
    family = "NAV"
    title = "Training measures in tiltaksforskriften chapter 7 (from 1 July 2025)"
    citation = "tiltaksforskriften (FOR-2015-12-11-1598) kap. 7; rundskriv R76-12-01"


@register
class NAV04(Rule):
    rule_id = "NAV-04"
    family = "NAV"
    title = "General conditions for any measure (tiltaksforskriften § 1-3)"
    citation = "tiltaksforskriften §§ 1-2 og 1-3"
    messages = {
        "conditions": (
            INFO,
            "Vilkår for tiltak: {problems}.",
            "Conditions for measures: {problems}.",
        ),
    }
    _NO_NEEDS = (
        "behovs- eller arbeidsevnevurdering er ikke gjort (nav.needs_assessment_done er false)",
        "no needs or work-ability assessment has been made (nav.needs_assessment_done is false)",
    )

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        problems = []
        nav = facts.nav
        if nav is not None and nav.needs_assessment_done is False:
            problems.append(self._NO_NEEDS)
        participant = facts.participant
        if participant is not None and participant.age is not None and participant.age < 16:
            problems.append(
                (
                    f"deltakeren er {participant.age} år; nedre aldersgrense for tiltak er 16 år",
                    f"the participant is {participant.age}; the minimum age for measures is 16",
                )
            )
        if not problems:
            return None
        return self.finding(
            "conditions", problems=("; ".join(p[0] for p in problems), "; ".join(p[1] for p in problems))
        )


@register
class NAV05(Rule):
    rule_id = "NAV-05"
    family = "NAV"
    title = "Training must be labour-market oriented"
    citation = "Navs tiltaksbeskrivelse for arbeidsmarkedsopplæring (AMO)"
    cites = ("NAV-03",)
    messages = {
        "undocumented": (
            INFO,
            "Arbeidsmarkedsopplæring skal kvalifisere til ledige jobber; behovet i arbeidsmarkedet er ikke dokumentert (nav.labour_market_need_documented er false).",
            "Labour-market training must qualify participants for vacant jobs; the labour-market need is not documented (nav.labour_market_need_documented is false).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        nav = facts.nav
        if nav is None or nav.labour_market_need_documented is not False or nav.measure_code not in AMO_CODES:
            return None
        return self.finding("undocumented")


@register
class NAV06(Rule):
    rule_id = "NAV-06"
    family = "NAV"
    title = "Duration limits per measure (data-driven)"
    citation = "tiltaksforskriften kap. 7 (varighet; regler før 1.7.2025)"
    cites = ("NAV-03",)
    messages = {
        "extension": (
            INFO,
            "Varigheten {months} måneder er over grensen på {limit} måneder for dette tiltaket; forlengelse med inntil {extension} måneder krever særlige grunner.",
            "The duration of {months} months exceeds the limit of {limit} months for this measure; an extension of up to {extension} months requires special reasons.",
        ),
        "over_maximum": (
            INFO,
            "Varigheten {months} måneder er over høyeste tillatte varighet for tiltaket ({maximum} måneder inkludert forlengelse).",
            "The duration of {months} months exceeds the maximum for this measure ({maximum} months including extension).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        nav = facts.nav
        months = facts.contract.value.duration_months
        if nav is None or nav.measure_code is None or months is None:
            return None
        row = duration_limit(nav.measure_code, nav.mode, facts.reference_date)
        if row is None or months <= row.limit_months:
            return None
        maximum = row.limit_months + row.extension_months
        if months <= maximum:
            return self.finding("extension", months=months, limit=row.limit_months, extension=row.extension_months)
        return self.finding("over_maximum", months=months, maximum=maximum)


@register
class NAV07(Rule):
    rule_id = "NAV-07"
    family = "NAV"
    title = "Enkeltplass paid as 'anskaffelse' is a procurement"
    citation = "Navs rutine for anskaffelse av enkeltplasser; anskaffelsesloven § 2"
    messages = {
        "procurement": (
            INFO,
            "Enkeltplass med pristype «anskaffelse»: Nav betaler en leverandør for en plass den bestiller, så kjøpet er en offentlig kontrakt. Følg Navs rutine for anskaffelse av enkeltplasser.",
            "Single seat with price type 'anskaffelse': Nav pays a provider for a seat it commissions, so the purchase is a public contract. Follow Nav's routine for buying single seats.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        nav = facts.nav
        if nav is None or nav.price_type != PriceType.anskaffelse or nav.mode == NavMode.gruppe:
            return None
        if facts.cooperation is not None and nav.mode != NavMode.enkeltplass:
            return None  # a cooperation agreement is not Nav commissioning a single seat
        return self.finding("procurement")


@register
class NAV08(Reference):
    rule_id = "NAV-08"
    family = "NAV"
    title = "Municipal/county providers may bid in Nav competitions and must be treated equally"
    citation = "C-159/11 Lecce; anskaffelsesloven § 4"
