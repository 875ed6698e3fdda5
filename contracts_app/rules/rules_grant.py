"""GRANT-01…03: grant (tilskudd) or procurement?

Decisions (documented in docs/rules.md):

* GRANT-02 scores the five procurement indicators of the ``grant`` block. Unknown indicators are not
  counted either way: with ``P`` known procurement indicators and ``U`` unknown ones, the score lies in
  ``P … P+U``. Grant when even the highest possible score is ≤ 1; procurement when the lowest is ≥ 3;
  ``needs_assessment`` (ambiguous) when the score is exactly 2 with nothing unknown; otherwise the
  grant is not established and the unknown indicators are missing facts.
* GRANT-03: Nav's price type ``tilskudd`` is a grant when the place is an ordinary, generally available
  place on standard terms (``grant.standard_terms_open_to_all = true``), unless the known indicators
  say otherwise (substance over form, GRANT-01).
* ``ingen_kostnader`` (Nav pays nothing): not a grant question. With no value given, the contract's
  value is 0 and the purchase is ``below_scope``; a stated value > 0 contradicts the price type and
  gives a GRANT-03 warning (the stated value is used).
"""

from __future__ import annotations

from dataclasses import dataclass

from .context import Context
from .facts import Facts
from .registry import INFO, JUDGMENT, MET, NOT_MET, UNKNOWN, Finding, Rule, register
from .vocab import GrantStatus, Initiative, PriceType, Sanction


@dataclass(slots=True, frozen=True)
class GrantResult:
    """The outcome of the grant test (catalog §10 step 2)."""

    status: GrantStatus
    reasons: tuple[Finding, ...]
    missing: tuple[str, ...]


NOT_CLAIMED = GrantResult(GrantStatus.not_claimed, (), ())


@register
class GRANT01(Rule):
    rule_id = "GRANT-01"
    family = "GRANT"
    title = "Substance over form"
    citation = "DFØ «Tilskudd eller anskaffelse?» (dfo.no)"
    messages = {
        "label_grant_is_procurement": (
            NOT_MET,
            "Betalingen er kalt tilskudd, men realiteten er en anskaffelse. Det er realiteten som avgjør; å bruke tilskudd når det i realiteten er en anskaffelse er en ulovlig direkte anskaffelse.",
            "The payment is labelled a grant, but in substance it is a procurement. Substance decides; using a grant where the reality is a procurement is an illegal direct award.",
        ),
        "label_procurement_is_grant": (
            MET,
            "Betalingen er registrert som anskaffelse, men realiteten er et tilskudd. Det er realiteten som avgjør.",
            "The payment is recorded as a procurement, but in substance it is a grant. Substance decides.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        nav = facts.nav
        if nav is None or nav.price_type is None:
            return None
        result = GRANT02.evaluate(facts, ctx)
        if result is None:
            return None
        if nav.price_type == PriceType.tilskudd and result.decision == "procurement":
            return self.finding("label_grant_is_procurement")
        if nav.price_type == PriceType.anskaffelse and result.decision == "grant":
            return self.finding("label_procurement_is_grant")
        return None


_INDICATORS = (
    ("grant.reciprocal_obligation", lambda g: g.reciprocal_obligation),
    ("grant.initiative", lambda g: None if g.initiative is None else g.initiative == Initiative.authority),
    ("grant.authority_specifies_detail", lambda g: g.authority_specifies_detail),
    ("grant.payment_proportional_to_delivery", lambda g: g.payment_proportional_to_delivery),
    ("grant.sanction", lambda g: None if g.sanction is None else g.sanction == Sanction.contract_remedies),
)


@register
class GRANT02(Rule):
    rule_id = "GRANT-02"
    family = "GRANT"
    title = "Indicators (DFØ / NFD): mutuality, initiative, steering, proportional payment, sanctions"
    citation = "DFØ, referat nettverk tilskudd 15.11.2017; DFØ «Tilskudd eller offentlig anskaffelse?»"
    messages = {
        "grant": (
            MET,
            "Samlet vurdering av indikatorene: {score} av 5 peker mot anskaffelse (høyst 1): betalingen er et tilskudd.",
            "Overall assessment of the indicators: {score} of 5 point to procurement (at most 1): the payment is a grant.",
        ),
        "procurement": (
            NOT_MET,
            "Samlet vurdering av indikatorene: {score} av 5 peker mot anskaffelse (gjensidige forpliktelser, oppdragsgivers initiativ, detaljstyring, betaling per leveranse, kontraktsrettslige sanksjoner): behandles som anskaffelse.",
            "Overall assessment of the indicators: {score} of 5 point to procurement (reciprocal obligations, the authority's initiative, detailed steering, payment per delivery, contractual remedies): treated as a procurement.",
        ),
        "ambiguous": (
            JUDGMENT,
            "Juridisk vurdering kreves: 2 av 5 indikatorer peker mot anskaffelse og 3 mot tilskudd. Avgjør ut fra en helhetsvurdering om betalingen er et tilskudd eller en anskaffelse (gjensidighet, initiativ, styring, sammenheng mellom betaling og leveranse, sanksjoner).",
            "Legal judgment required: 2 of 5 indicators point to procurement and 3 to a grant. Decide on an overall assessment whether the payment is a grant or a procurement (mutuality, initiative, steering, link between payment and delivery, sanctions).",
        ),
        "unknown": (
            UNKNOWN,
            "Tilskudd er ikke godtgjort: {known} av 5 indikatorer peker mot anskaffelse, og {unknown} er ukjente.",
            "A grant is not established: {known} of 5 indicators point to procurement, and {unknown} are unknown.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        grant = facts.grant
        if grant is None:
            return None
        procurement = 0
        unknown: list[str] = []
        for path, read in _INDICATORS:
            value = read(grant)
            if value is True:
                procurement += 1
            elif value is None:
                unknown.append(path)
        highest = procurement + len(unknown)
        if highest <= 1:
            return self.finding("grant", score=procurement, decision="grant")
        if procurement >= 3:
            return self.finding("procurement", score=procurement, decision="procurement")
        if not unknown:
            return self.finding("ambiguous", missing=(), decision="ambiguous")
        return self.finding("unknown", known=procurement, unknown=len(unknown), missing=tuple(unknown), decision="unknown")


@register
class GRANT03(Rule):
    rule_id = "GRANT-03"
    family = "GRANT"
    title = "Nav enkeltplass price types: Anskaffelse / Tilskudd / Ingen kostnader"
    citation = "Navs enkeltplass-rutine (pristyper Anskaffelse, Tilskudd, Ingen kostnader)"
    cites = ("GRANT-01",)
    messages = {
        "standard_place": (
            MET,
            "Nav betaler dokumenterte standardutgifter (skolepenger, semesteravgift, eksamensgebyr o.l.) for en ordinær, allment tilgjengelig studie- eller skoleplass på standardvilkår: tilskudd, ikke anskaffelse.",
            "Nav pays documented standard fees (school fees, semester fee, exam fee etc.) for an ordinary, generally available study place on standard terms: a grant, not a procurement.",
        ),
        "commissioned": (
            NOT_MET,
            "Plassen er ikke en allment tilgjengelig plass på standardvilkår: når Nav bestiller en plass eller et kurs etter egen spesifikasjon, er det en anskaffelse selv om det kalles tilskudd.",
            "The place is not a generally available place on standard terms: when Nav commissions a place or course to its own specification, it is a procurement even if called a grant.",
        ),
        "terms_unknown": (
            UNKNOWN,
            "Pristypen er tilskudd, men det er ukjent om plassen er en allment tilgjengelig plass på standardvilkår; tilskudd er derfor ikke godtgjort.",
            "The price type is a grant, but it is unknown whether the place is generally available on standard terms; a grant is therefore not established.",
        ),
        "no_cost": (
            INFO,
            "Pristype «ingen kostnader»: Nav betaler ikke for plassen, så kontraktens verdi er 0.",
            "Price type 'no costs': Nav does not pay for the place, so the contract value is 0.",
        ),
        "no_cost_with_value": (
            INFO,
            "Pristypen er «ingen kostnader», men det er oppgitt en verdi på {value}. Oppgitt verdi er brukt; kontroller pristypen.",
            "The price type is 'no costs', but a value of {value} is given. The stated value is used; check the price type.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        nav = facts.nav
        if nav is None:
            return None
        if nav.price_type == PriceType.tilskudd:
            grant = facts.grant
            terms = grant.standard_terms_open_to_all if grant is not None else None
            if terms is True:
                return self.finding("standard_place", decision="grant")
            if terms is False:
                return self.finding("commissioned", decision="procurement")
            return self.finding("terms_unknown", missing=("grant.standard_terms_open_to_all",), decision="unknown")
        if nav.price_type == PriceType.ingen_kostnader:
            value = ctx.estimate.value
            if ctx.estimate.method == "GRANT-03":
                return self.finding("no_cost", decision="no_cost")
            if value is not None and value > 0:
                return self.finding("no_cost_with_value", value=value, decision="inconsistent")
        return None


def assess_grant(facts: Facts, ctx: Context) -> GrantResult:
    """Grant or procurement (catalog §10 step 2); see the module docstring for the decision table."""
    nav = facts.nav
    price_type = nav.price_type if nav is not None else None
    by_indicators = GRANT02.evaluate(facts, ctx)
    if price_type == PriceType.tilskudd:
        by_price_type = GRANT03.evaluate(facts, ctx)
        assert by_price_type is not None
        label = GRANT01.evaluate(facts, ctx)
        indicated = by_indicators.decision if by_indicators is not None else None
        if indicated == "procurement":
            reasons = tuple(f for f in (by_price_type, by_indicators, label) if f is not None)
            return GrantResult(GrantStatus.procurement, reasons, ())
        if indicated == "ambiguous":
            assert by_indicators is not None
            return GrantResult(GrantStatus.judgment, (by_price_type, by_indicators), ())
        if by_price_type.decision == "grant":
            return GrantResult(GrantStatus.grant, (by_price_type,), ())
        if by_price_type.decision == "procurement":
            return GrantResult(GrantStatus.procurement, (by_price_type,), ())
        if indicated == "grant":
            assert by_indicators is not None
            return GrantResult(GrantStatus.grant, (by_indicators,), ())
        missing = by_price_type.missing + (by_indicators.missing if by_indicators is not None else ())
        reasons = tuple(f for f in (by_price_type, by_indicators) if f is not None)
        return GrantResult(GrantStatus.unknown, reasons, missing)
    if by_indicators is None:
        return NOT_CLAIMED
    decision = by_indicators.decision
    if decision == "grant":
        label = GRANT01.evaluate(facts, ctx)
        return GrantResult(GrantStatus.grant, tuple(f for f in (by_indicators, label) if f is not None), ())
    if decision == "procurement":
        return GrantResult(GrantStatus.procurement, (by_indicators,), ())
    if decision == "ambiguous":
        return GrantResult(GrantStatus.judgment, (by_indicators,), ())
    return GrantResult(GrantStatus.unknown, (by_indicators,), by_indicators.missing)
