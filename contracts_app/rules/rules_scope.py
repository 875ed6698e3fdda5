"""SCOPE-01…03: is there a public contract at all?

Decisions (documented in docs/rules.md):

* ``buyer.is_contracting_authority = false`` → the procurement rules do not bind the buyer: verdict
  ``exempt`` with reason SCOPE-01 (outside the rules; no exemption document is required).
* ``contract.pecuniary = false`` → no contract for pecuniary interest, so no public contract: verdict
  ``exempt`` with reason SCOPE-01.
* Either unknown → the contract is presumed public (burden of proof), and the unknown fact is listed
  in ``missing_facts`` when the verdict ends as ``procurement_required``/``needs_assessment``.
"""

from __future__ import annotations

from .context import Context
from .facts import Facts, Party
from .registry import INFO, MET, NOT_MET, UNKNOWN, Finding, Rule, register
from .vocab import LegalType, Pricing

PUBLIC_LEGAL_TYPES = frozenset({LegalType.state, LegalType.municipality, LegalType.county_municipality, LegalType.public_body})
COST_BASED_PRICING = frozenset({Pricing.cost_reimbursement})  # own_costs_each means no payment at all


def is_public(party: Party) -> bool:
    """A public body for SCOPE-02/03: a contracting authority or a public legal type."""
    return party.is_contracting_authority is True or party.legal_type in PUBLIC_LEGAL_TYPES


@register
class SCOPE01(Rule):
    rule_id = "SCOPE-01"
    family = "SCOPE"
    title = "Public contract = contract for pecuniary interest with a contracting authority"
    citation = "anskaffelsesloven § 2; direktiv 2014/24/EU art. 2 nr. 1 (5); C-796/18 ISE"
    messages = {
        "not_authority": (
            MET,
            "Kjøperen er ikke en offentlig oppdragsgiver: anskaffelsesregelverket gjelder ikke for kjøpet.",
            "The buyer is not a contracting authority: the procurement rules do not apply to the purchase.",
        ),
        "not_pecuniary": (
            MET,
            "Avtalen er ikke gjensidig bebyrdende (ingen vederlag i penger, naturalytelser eller gjensidige ytelser): det er ingen offentlig kontrakt.",
            "The agreement is not for pecuniary interest (no consideration in money, in kind or by mutual provision): there is no public contract.",
        ),
        "public_contract": (
            NOT_MET,
            "En offentlig oppdragsgiver kjøper fra en annen juridisk person mot vederlag (penger, naturalytelser eller gjensidige ytelser): avtalen er en offentlig kontrakt.",
            "A contracting authority buys from another legal person for consideration (money, in kind or mutual provision): the agreement is a public contract.",
        ),
        "presumed": (
            UNKNOWN,
            "Det er ukjent om kjøperen er offentlig oppdragsgiver eller om avtalen er gjensidig bebyrdende; avtalen behandles som en offentlig kontrakt til dette er avklart.",
            "It is unknown whether the buyer is a contracting authority or whether the agreement is for pecuniary interest; it is treated as a public contract until this is settled.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        authority = facts.buyer.is_contracting_authority
        if authority is False:
            return self.finding("not_authority", decision="outside")
        pecuniary = facts.contract.pecuniary
        if pecuniary is False:
            return self.finding("not_pecuniary", decision="outside")
        if authority is None or pecuniary is None:
            missing = tuple(
                path
                for path, known in (("buyer.is_contracting_authority", authority), ("contract.pecuniary", pecuniary))
                if known is None
            )
            return self.finding("presumed", missing=missing, decision="unknown")
        return self.finding("public_contract")


@register
class SCOPE02(Rule):
    rule_id = "SCOPE-02"
    family = "SCOPE"
    title = "A contract between two public bodies is in principle a public contract"
    citation = "veileder kap. 4.1; C-107/98 Teckal; direktiv 2014/24/EU fortale 31"
    messages = {
        "public_public": (
            INFO,
            "Begge parter er offentlige, men de er ulike juridiske personer: avtalen er i utgangspunktet en offentlig kontrakt med mindre et unntak gjelder.",
            "Both parties are public, but they are separate legal persons: the agreement is in principle a public contract unless an exemption applies.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if ctx.same_entity or not (is_public(facts.buyer) and is_public(facts.supplier)):
            return None
        return self.finding("public_public")


@register
class SCOPE03(Rule):
    rule_id = "SCOPE-03"
    family = "SCOPE"
    title = "Public entities can be economic operators; cost-only payment is still pecuniary"
    citation = "C-159/11 Azienda Sanitaria Locale di Lecce (19.12.2012)"
    messages = {
        "cost_based": (
            INFO,
            "Vederlaget dekker bare kostnader, men avtalen er likevel gjensidig bebyrdende, og et offentlig organ kan være leverandør (markedsaktør).",
            "The payment only covers costs, but the agreement is still for pecuniary interest, and a public body can be a supplier (economic operator).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        coop = facts.cooperation
        if coop is None or coop.pricing not in COST_BASED_PRICING or not is_public(facts.supplier):
            return None
        return self.finding("cost_based")
