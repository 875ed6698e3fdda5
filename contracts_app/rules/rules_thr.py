"""THR-01…11: dated thresholds and the regime (which parts of the regulation apply).

All figures come from the :class:`~.thresholds.ThresholdSet` in force on the reference date
(THR-11); comparisons are "equal to or above" (``>=``), as in the regulation ("lik eller overstiger").
The regime rules THR-03…09 each test their own category/value band; exactly one of them applies
to a value in scope, so :func:`regime_finding` asks them in order.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .context import Context
from .facts import Facts
from .registry import INFO, MET, NOT_MET, UNKNOWN, Finding, Reference, Rule, register
from .thresholds import KEY_RULES, ThresholdSet
from .vocab import Category, Regime

#: EU thresholds for 2026-2027 apply from this date (Commission Delegated Regulation (EU) 2025/2152);
#: Norway's NOK values change only when FOA § 5-3 is amended (THR-10). Used only to warn.
EU_REVISION_2026 = date(2026, 1, 1)

GOODS_SERVICES = frozenset({Category.goods, Category.services_ordinary})


class MissingThreshold(Exception):
    """The threshold table has no active row for ``key`` on the reference date."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key
        self.rule_id = KEY_RULES.get(key, key)


def need(ts: ThresholdSet, key: str) -> Decimal:
    """The value of ``key`` in force, or :class:`MissingThreshold` (never a guessed figure)."""
    value = getattr(ts, key)
    if value is None:
        raise MissingThreshold(key)
    return value


class _LowerLimit(Rule):
    """Shared test of THR-01/THR-02: the value against the lower limit of the Act."""

    __slots__ = ()

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        ts = ctx.thresholds
        value = ctx.aggregate.value
        if ts.lower_limit_rule != self.rule_id or value is None:
            return None
        limit = need(ts, "lower_limit")  # the figure of the row in force; that row names this rule
        key = "below" if value < limit else "in_scope"
        # The finding depends only on the threshold set: render it once per set.
        memo_key = (self.rule_id, key)
        found = ts.memo.get(memo_key)
        if found is None:
            since = ts.period_start.get("lower_limit", ts.on)
            found = ts.memo[memo_key] = self.finding(
                key, limit=limit, since=since, decision="below_scope" if key == "below" else "in_scope"
            )
        return found


@register
class THR01(_LowerLimit):
    rule_id = "THR-01"
    family = "THR"
    title = "Lower limit of the Act (anskaffelsesloven § 2)"
    citation = "anskaffelsesloven (LOV-2016-06-17-73) § 2; veileder til reglene om offentlige anskaffelser kap. 5.1–5.2.1"
    messages = {
        "below": (
            MET,
            "Verdien er under nedre grense {limit} i anskaffelsesloven § 2: anskaffelsesregelverket gjelder ikke.",
            "The value is below the lower limit {limit} of the Procurement Act § 2: the procurement rules do not apply.",
        ),
        "in_scope": (
            NOT_MET,
            "Verdien er lik eller over nedre grense {limit}: anskaffelsesloven og forskriften del I gjelder.",
            "The value is equal to or above the lower limit {limit}: the Procurement Act and part I of the regulation apply.",
        ),
    }


@register
class THR02(_LowerLimit):
    rule_id = "THR-02"
    family = "THR"
    title = "Lower limit of the amended Act (Prop. 147 L (2024–2025))"
    citation = "anskaffelsesloven § 2 som endret ved lov (Prop. 147 L (2024–2025), Innst. 38 L (2025–2026))"
    messages = {
        "below": (
            MET,
            "Verdien er under nedre grense {limit} i anskaffelsesloven § 2 som endret med virkning fra {since}: anskaffelsesregelverket gjelder ikke.",
            "The value is below the lower limit {limit} of the Procurement Act § 2 as amended with effect from {since}: the procurement rules do not apply.",
        ),
        "in_scope": (
            NOT_MET,
            "Verdien er lik eller over nedre grense {limit} i anskaffelsesloven § 2 som endret med virkning fra {since}: anskaffelsesloven og forskriften del I gjelder.",
            "The value is equal to or above the lower limit {limit} of the Procurement Act § 2 as amended with effect from {since}: the Procurement Act and part I of the regulation apply.",
        ),
    }


def _eea_goods(ts: ThresholdSet) -> tuple[Decimal, Decimal]:
    return need(ts, "eea_goods_services_central"), need(ts, "eea_goods_services_other")


@register
class THR03(Rule):
    rule_id = "THR-03"
    family = "THR"
    title = "National threshold (nasjonal terskelverdi) → part II"
    citation = "anskaffelsesforskriften (FOR-2016-08-12-974) § 5-1; veileder kap. 5.1; FOR-2018-04-04-533"
    messages = {
        "part_I": (
            MET,
            "Verdien er under nasjonal terskelverdi {national}: bare forskriften del I gjelder.",
            "The value is below the national threshold {national}: only part I of the regulation applies.",
        ),
        "part_I_II": (
            MET,
            "Verdien er lik eller over nasjonal terskelverdi {national} og under EØS-terskelverdien {eea}: del I og II gjelder.",
            "The value is equal to or above the national threshold {national} and below the EEA threshold {eea}: parts I and II apply.",
        ),
        "category_unknown": (
            UNKNOWN,
            "Verdien er lik eller over nasjonal terskelverdi {national}, men kontraktstypen (varer, tjenester, særlige tjenester, helse- og sosialtjenester, bygg og anlegg) er ukjent, så regimet kan ikke fastsettes.",
            "The value is equal to or above the national threshold {national}, but the contract category is unknown, so the regime cannot be determined.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        value = ctx.aggregate.value
        category = facts.contract.category
        if value is None or category == Category.health_social_services or category == Category.special_services:
            return None  # THR-08 and THR-09 give the regime of these categories
        ts = ctx.thresholds
        national = need(ts, "national")
        if value < national:
            return self.finding("part_I", national=national, decision=Regime.part_I)
        if category is None:
            return self.finding("category_unknown", national=national, missing=("contract.category",))
        if category in GOODS_SERVICES:
            central = facts.buyer.is_central_government
            eea_c, eea_o = _eea_goods(ts)
            eea = eea_c if central is True else eea_o if central is False else min(eea_c, eea_o)
            if value < eea:
                return self.finding("part_I_II", national=national, eea=eea, decision=Regime.part_I_II)
        return None


@register
class THR04(Rule):
    rule_id = "THR-04"
    family = "THR"
    title = "EEA threshold, central government goods/services"
    citation = "anskaffelsesforskriften § 5-3; regjeringen.no «Nye terskelverdier» (id3030686)"
    messages = {
        "part_I_III": (
            MET,
            "Kjøperen er en statlig myndighet og verdien er lik eller over EØS-terskelverdien {eea} for varer og tjenester: del I og III gjelder.",
            "The buyer is a central government authority and the value is equal to or above the EEA threshold {eea} for goods and services: parts I and III apply.",
        ),
        "part_I_III_either": (
            MET,
            "Verdien er lik eller over EØS-terskelverdien for varer og tjenester både for statlige ({eea_c}) og andre oppdragsgivere ({eea_o}): del I og III gjelder.",
            "The value is equal to or above the EEA threshold for goods and services both for central government ({eea_c}) and other authorities ({eea_o}): parts I and III apply.",
        ),
        "central_unknown": (
            UNKNOWN,
            "Verdien ligger mellom EØS-terskelverdien for statlige myndigheter ({eea_c}) og for andre oppdragsgivere ({eea_o}); det er ukjent om kjøperen er en statlig myndighet.",
            "The value lies between the EEA threshold for central government ({eea_c}) and for other authorities ({eea_o}); it is unknown whether the buyer is central government.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        value = ctx.aggregate.value
        if value is None or facts.contract.category not in GOODS_SERVICES:
            return None
        central = facts.buyer.is_central_government
        if central is False:
            return None
        eea_c, eea_o = _eea_goods(ctx.thresholds)
        if central is True:
            if value >= eea_c:
                return self.finding("part_I_III", eea=eea_c, decision=Regime.part_I_III)
            return None
        if value >= max(eea_c, eea_o):
            return self.finding("part_I_III_either", eea_c=eea_c, eea_o=eea_o, decision=Regime.part_I_III)
        if value >= min(eea_c, eea_o):
            return self.finding(
                "central_unknown", eea_c=eea_c, eea_o=eea_o, missing=("buyer.is_central_government",)
            )
        return None


@register
class THR05(Rule):
    rule_id = "THR-05"
    family = "THR"
    title = "EEA threshold, other contracting authorities goods/services"
    citation = "anskaffelsesforskriften § 5-3; KS Advokatene «Nye EØS-terskelverdier for 2024–2026»"
    messages = {
        "part_I_III": (
            MET,
            "Kjøperen er ikke en statlig myndighet og verdien er lik eller over EØS-terskelverdien {eea} for varer og tjenester: del I og III gjelder.",
            "The buyer is not central government and the value is equal to or above the EEA threshold {eea} for goods and services: parts I and III apply.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        value = ctx.aggregate.value
        if value is None or facts.contract.category not in GOODS_SERVICES or facts.buyer.is_central_government is not False:
            return None
        eea = need(ctx.thresholds, "eea_goods_services_other")
        if value >= eea:
            return self.finding("part_I_III", eea=eea, decision=Regime.part_I_III)
        return None


@register
class THR06(Rule):
    rule_id = "THR-06"
    family = "THR"
    title = "EEA threshold, works"
    citation = "anskaffelsesforskriften § 5-3; KS Advokatene 2024; anskaffelser.no «Terskelverdier»"
    messages = {
        "part_I_II": (
            MET,
            "Bygge- og anleggskontrakt: lik eller over nasjonal terskelverdi {national} og under EØS-terskelverdien {eea}: del I og II gjelder.",
            "Works contract: equal to or above the national threshold {national} and below the EEA threshold {eea}: parts I and II apply.",
        ),
        "part_I_III": (
            MET,
            "Bygge- og anleggskontrakt: lik eller over EØS-terskelverdien {eea}: del I og III gjelder.",
            "Works contract: equal to or above the EEA threshold {eea}: parts I and III apply.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        value = ctx.aggregate.value
        if value is None or facts.contract.category != Category.works:
            return None
        ts = ctx.thresholds
        national = need(ts, "national")
        if value < national:
            return None
        eea = need(ts, "eea_works")
        if value >= eea:
            return self.finding("part_I_III", eea=eea, decision=Regime.part_I_III)
        return self.finding("part_I_II", national=national, eea=eea, decision=Regime.part_I_II)


@register
class THR07(Reference):
    rule_id = "THR-07"
    family = "THR"
    title = "EEA threshold, special services and health/social services"
    citation = "anskaffelsesforskriften § 5-3; direktiv 2014/24/EU art. 4 bokstav d"


@register
class THR08(Rule):
    rule_id = "THR-08"
    family = "THR"
    title = "Regime for special services (særlige tjenester), e.g. AMO and Norwegian courses"
    citation = "anskaffelsesforskriften §§ 5-1 og 5-3; direktiv 2014/24/EU art. 74–77 og vedlegg XIV; anskaffelser.no «Terskelverdier»"
    cites = ("THR-07",)
    messages = {
        "part_I": (
            MET,
            "Særlige tjenester (f.eks. opplæring) under nasjonal terskelverdi {national}: bare del I gjelder.",
            "Special services (e.g. training) below the national threshold {national}: only part I applies.",
        ),
        "part_I_II": (
            MET,
            "Særlige tjenester: lik eller over nasjonal terskelverdi {national} og under EØS-terskelverdien {eea} for særlige tjenester: del I og II gjelder.",
            "Special services: equal to or above the national threshold {national} and below the EEA threshold {eea} for special services: parts I and II apply.",
        ),
        "part_I_II_plus_III_special": (
            MET,
            "Særlige tjenester: lik eller over EØS-terskelverdien {eea}: del I og II gjelder, i tillegg til bestemmelsene i del III for særlige tjenester (bl.a. kunngjøring i EØS).",
            "Special services: equal to or above the EEA threshold {eea}: parts I and II apply plus the part III provisions for special services (incl. EEA announcement).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        value = ctx.aggregate.value
        if value is None or facts.contract.category != Category.special_services:
            return None
        ts = ctx.thresholds
        national = need(ts, "national")
        if value < national:
            return self.finding("part_I", national=national, decision=Regime.part_I)
        eea = need(ts, "eea_special_health_social")
        if value < eea:
            return self.finding("part_I_II", national=national, eea=eea, decision=Regime.part_I_II)
        return self.finding(
            "part_I_II_plus_III_special", eea=eea, decision=Regime.part_I_II_plus_III_special
        )


@register
class THR09(Rule):
    rule_id = "THR-09"
    family = "THR"
    title = "Regime for health and social services (helse- og sosialtjenester)"
    citation = "anskaffelsesforskriften del VI (§ 30-1 flg.); anskaffelsesloven § 7a; anskaffelser.no «Terskelverdier»"
    cites = ("THR-07",)
    messages = {
        "part_I": (
            MET,
            "Helse- og sosialtjenester under EØS-terskelverdien {eea}: bare del I gjelder (ingen kunngjøringsplikt etter del II).",
            "Health and social services below the EEA threshold {eea}: only part I applies (no part II announcement).",
        ),
        "part_I_VI": (
            MET,
            "Helse- og sosialtjenester: lik eller over EØS-terskelverdien {eea}: del I og VI gjelder.",
            "Health and social services: equal to or above the EEA threshold {eea}: parts I and VI apply.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        value = ctx.aggregate.value
        if value is None or facts.contract.category != Category.health_social_services:
            return None
        eea = need(ctx.thresholds, "eea_special_health_social")
        if value < eea:
            return self.finding("part_I", eea=eea, decision=Regime.part_I)
        return self.finding("part_I_VI", eea=eea, decision=Regime.part_I_VI)


@register
class THR10(Rule):
    rule_id = "THR-10"
    family = "THR"
    title = "EU thresholds 2026–2027 and the pending Norwegian NOK update"
    citation = "Kommisjonens delegerte forordning (EU) 2025/2152; C/2026/1934 (EFTA-terskelverdier i NOK)"
    messages = {
        "pending_update": (
            INFO,
            "Verdien er lik eller over EØS-terskelverdien {eea} som gjelder fra {since}. EUs terskelverdier for 2026–2027 gjelder fra {eu_date}, men de norske kronebeløpene er ikke lagt inn i tabellen; de ventes å bli høyere. Kontroller forskriften § 5-3 på Lovdata før kunngjøring.",
            "The value is equal to or above the EEA threshold {eea} in force since {since}. The EU thresholds for 2026–2027 apply from {eu_date}, but the Norwegian NOK values are not in the table yet; they are expected to be higher. Check FOA § 5-3 on Lovdata before announcing.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        value = ctx.aggregate.value
        if value is None or facts.reference_date < EU_REVISION_2026:
            return None
        key = _eea_key(facts)
        if key is None:
            return None
        ts = ctx.thresholds
        eea = getattr(ts, key)
        since = ts.period_start.get(key)
        if eea is None or since is None or since >= EU_REVISION_2026 or value < eea:
            return None
        return self.finding("pending_update", eea=eea, since=since, eu_date=EU_REVISION_2026)


def _eea_key(facts: Facts) -> str | None:
    """The EEA threshold key for the contract's category and buyer, when both are known."""
    category = facts.contract.category
    if category in GOODS_SERVICES:
        central = facts.buyer.is_central_government
        if central is None:
            return None
        return "eea_goods_services_central" if central else "eea_goods_services_other"
    if category == Category.works:
        return "eea_works"
    if category in (Category.special_services, Category.health_social_services):
        return "eea_special_health_social"
    return None


@register
class THR11(Rule):
    rule_id = "THR-11"
    family = "THR"
    title = "Use the values in force on the procurement start date"
    citation = "anskaffelsesforskriften § 5-4; direktiv 2014/24/EU art. 5 nr. 4"
    messages = {
        "table": (
            INFO,
            "Terskelverdiene som gjaldt på referansedatoen {day} er brukt (siste endring i terskelverditabellen i kraft fra {since}).",
            "The thresholds in force on the reference date {day} are used (latest change of the threshold table in force from {since}).",
        ),
        # Used by engine.assess when the table lacks a figure the case needs (verdict needs_assessment).
        "missing_threshold": (
            INFO,
            "Terskelverditabellen har ingen verdi for «{threshold}» ({rule}) som gjelder på referansedatoen {day}, og motoren gjetter aldri en terskelverdi. Saken må vurderes manuelt, eller en juridisk ansvarlig må legge inn perioden i tabellen.",
            "The threshold table has no value for '{threshold}' ({rule}) in force on the reference date {day}, and the engine never guesses a threshold. Assess the case manually, or have a legal reviewer add that period to the table.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        ts = ctx.thresholds
        found = ts.memo.get(self.rule_id)
        if found is None:
            found = ts.memo[self.rule_id] = self.finding(
                "table", day=ts.on, since=ts.effective_from or ts.on  # the table's id is in ruleset.table_id
            )
        return found


#: The regime rules that can apply to each category (each tests its own band; one of them matches).
_REGIME_RULES: dict[str | None, tuple[Rule, ...]] = {
    Category.goods: (THR03, THR04, THR05),  # type: ignore[dict-item]
    Category.services_ordinary: (THR03, THR04, THR05),  # type: ignore[dict-item]
    Category.works: (THR03, THR06),  # type: ignore[dict-item]
    Category.special_services: (THR08,),  # type: ignore[dict-item]
    Category.health_social_services: (THR09,),  # type: ignore[dict-item]
    None: (THR03,),  # type: ignore[dict-item]
}


def regime_finding(facts: Facts, ctx: Context) -> Finding | None:
    """The one regime finding (THR-03…09) for a value in scope; ``None`` when the value is unknown."""
    for rule in _REGIME_RULES[facts.contract.category]:
        found = rule.evaluate(facts, ctx)
        if found is not None:
            return found
    return None


def relevant_thresholds(facts: Facts, ts: ThresholdSet) -> tuple[Decimal, ...]:
    """Every threshold that changes the outcome for this contract, ascending (VAL-06 crossing test).

    Missing rows are skipped here: this only decides whether to warn, never the verdict.
    """
    category = facts.contract.category
    found = [ts.lower_limit]
    if category != Category.health_social_services:
        found.append(ts.national)
    key = _eea_key(facts)
    if key is not None:
        found.append(getattr(ts, key))
    return tuple(sorted(v for v in found if v is not None))
