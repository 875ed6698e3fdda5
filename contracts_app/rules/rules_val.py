"""VAL-01…08: the estimated value of the contract and the aggregation of similar purchases.

:func:`compute_estimate` and :func:`compute_aggregate` do the arithmetic once per assessment (the
engine stores the results in the context); the VAL rules explain it. Unknown is never false: a related
purchase is left out of the aggregate only when it is *known* not to count (``same_need`` false, or a
date known to be outside the 12-month window). A purchase whose ``same_need`` or date is unknown is
counted — splitting must not be rewarded by missing data — and listed in ``missing_facts`` when
knowing it would change the outcome.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .context import Aggregate, Context, Estimate
from .dates import add_months
from .facts import Facts
from .money import FORTY_EIGHT, TWENTY, ZERO, HUNDRED, to_ore
from .registry import INFO, UNKNOWN, Finding, Pct, Reference, Rule, register
from .vocab import Category, PriceType
from .rules_thr import relevant_thresholds

GOODS_SERVICES = frozenset({Category.goods, Category.services_ordinary})

#: Months before the reference date in which similar purchases are aggregated (VAL-03/06).
AGGREGATION_WINDOW_MONTHS = 12

_UNKNOWN_ESTIMATE = Estimate(None, "", None)
_NO_COST_ESTIMATE = Estimate(ZERO, "GRANT-03", None)


def compute_estimate(facts: Facts) -> Estimate:
    """The value of this contract alone: VAL-04 (framework) > VAL-01 (total) > VAL-02 (monthly),
    with lots (VAL-05) counted when their sum is higher; GRANT-03 "ingen kostnader" gives 0."""
    contract = facts.contract
    v = contract.value
    extra = v.options_nok + v.extensions_nok if v.options_nok or v.extensions_nok else ZERO
    if v.framework_max_nok is not None:
        value: Decimal | None = v.framework_max_nok
        method = "VAL-04"
    elif v.base_nok is not None:
        value = v.base_nok + extra if extra else v.base_nok
        method = "VAL-01"
    elif v.monthly_nok is not None:
        months = v.duration_months if v.duration_months is not None and v.duration_months <= FORTY_EIGHT else FORTY_EIGHT
        value = v.monthly_nok * months + extra
        method = "VAL-02"
    else:
        value = None
        method = ""
    lots_total = None
    lots = contract.lots_nok
    if lots:
        lots_total = sum(lots, ZERO)
        if value is None:
            value, method = lots_total + extra, "VAL-05"
        elif lots_total > value:
            value, method = lots_total, "VAL-05"
    if value is None:
        nav = facts.nav
        if nav is not None and nav.price_type == PriceType.ingen_kostnader:
            return _NO_COST_ESTIMATE
        return _UNKNOWN_ESTIMATE
    return Estimate(to_ore(value), method, lots_total)


_window_starts: dict[date, date] = {}
#: Aggregates of purchases without related purchases, by value (immutable, so shared).
_alone: dict[Decimal | None, Aggregate] = {}


def _window_start(ref: date) -> date:
    """First day of the aggregation window (12 calendar months before the reference date)."""
    start = _window_starts.get(ref)
    if start is None:
        start = add_months(ref, -AGGREGATION_WINDOW_MONTHS)
        if len(_window_starts) < 4096:
            _window_starts[ref] = start
    return start


def compute_aggregate(facts: Facts, estimate: Estimate) -> Aggregate:
    """Add the related purchases of the last 12 months that serve the same need (VAL-03/06)."""
    own = estimate.value
    related = facts.related_purchases
    if not related:
        alone = _alone.get(own)
        if alone is None:
            alone = Aggregate(own, own, 0, ZERO, (), ())
            if len(_alone) < 4096:
                _alone[own] = alone
        return alone
    ref = facts.reference_date
    start = _window_start(ref)
    total = ZERO
    certain = ZERO
    counted = 0
    uncertain: list[str] = []
    unknown_values: list[str] = []
    for i, purchase in enumerate(related):
        if purchase.same_need is False:
            continue
        day = purchase.date
        if day is not None and (day < start or day > ref):
            continue
        if purchase.value_nok is None:
            unknown_values.append(f"related_purchases[{i}].value_nok")
            continue
        counted += purchase.count
        total += purchase.value_nok
        if purchase.same_need is True and day is not None:
            certain += purchase.value_nok
        else:
            if purchase.same_need is None:
                uncertain.append(f"related_purchases[{i}].same_need")
            if day is None:
                uncertain.append(f"related_purchases[{i}].date")
    if own is None:
        return Aggregate(None, None, counted, to_ore(total), tuple(uncertain), tuple(unknown_values))
    return Aggregate(
        to_ore(own + total), to_ore(own + certain), counted, to_ore(total), tuple(uncertain), tuple(unknown_values)
    )


@register
class VAL01(Rule):
    rule_id = "VAL-01"
    family = "VAL"
    title = "Total payable excl. VAT, incl. options and extensions"
    citation = "anskaffelsesforskriften § 5-4; direktiv 2014/24/EU art. 5 nr. 1"
    messages = {
        "base_only": (
            INFO,
            "Anslått verdi er samlet betaling ekskl. mva. i hele kontraktsperioden, uten opsjoner eller forlengelser: {value}.",
            "Estimated value is the total payable excl. VAT over the whole term, with no options or extensions: {value}.",
        ),
        "total": (
            INFO,
            "Anslått verdi er samlet betaling ekskl. mva.: grunnverdi {base} + opsjoner {options} + forlengelser {extensions} = {value}.",
            "Estimated value is the total payable excl. VAT: base {base} + options {options} + extensions {extensions} = {value}.",
        ),
        "unknown": (
            UNKNOWN,
            "Kontraktens verdi er ukjent (verken totalverdi, månedsverdi, rammeavtalens maksimum eller delkontrakter er oppgitt); det kan derfor ikke avgjøres om verdien er under terskelverdiene.",
            "The contract value is unknown (no total, monthly value, framework maximum or lots given), so it cannot be decided whether it is below the thresholds.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        estimate = ctx.estimate
        if estimate.method == "VAL-01":
            v = facts.contract.value
            if not v.options_nok and not v.extensions_nok:
                return self.finding("base_only", value=estimate.value)
            return self.finding(
                "total", base=v.base_nok, options=v.options_nok, extensions=v.extensions_nok, value=estimate.value
            )
        if estimate.value is None:
            return self.finding("unknown", missing=("contract.value.base_nok",))
        return None


@register
class VAL02(Rule):
    rule_id = "VAL-02"
    family = "VAL"
    title = "Service contracts without a total price: the 48-month rule"
    citation = "direktiv 2014/24/EU art. 5 nr. 14; anskaffelsesforskriften § 5-4"
    messages = {
        "fixed": (
            INFO,
            "Tidsbestemt kontrakt på {months} måneder (høyst 48): månedsverdi {monthly} × {months} + opsjoner og forlengelser {extra} = {value}.",
            "Fixed term of {months} months (at most 48): monthly value {monthly} × {months} + options and extensions {extra} = {value}.",
        ),
        "long": (
            INFO,
            "Løpetiden er {months} måneder, mer enn 48: verdien beregnes som månedsverdi {monthly} × 48 + opsjoner og forlengelser {extra} = {value}.",
            "The term is {months} months, more than 48: the value is the monthly value {monthly} × 48 + options and extensions {extra} = {value}.",
        ),
        "indefinite": (
            INFO,
            "Kontrakten er tidsubestemt: verdien beregnes som månedsverdi {monthly} × 48 + opsjoner og forlengelser {extra} = {value}.",
            "The contract has an indefinite term: the value is the monthly value {monthly} × 48 + options and extensions {extra} = {value}.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if ctx.estimate.method != "VAL-02":
            return None
        v = facts.contract.value
        extra = v.options_nok + v.extensions_nok
        months = v.duration_months
        key = "indefinite" if months is None else "fixed" if months <= FORTY_EIGHT else "long"
        return self.finding(key, months=months, monthly=v.monthly_nok, extra=extra, value=ctx.estimate.value)


@register
class VAL03(Rule):
    rule_id = "VAL-03"
    family = "VAL"
    title = "Regular and recurring contracts: aggregate the last 12 months"
    citation = "direktiv 2014/24/EU art. 5 nr. 11; anskaffelsesforskriften § 5-4; veileder kap. 5.4"
    cites = ("VAL-07",)
    messages = {
        "aggregated": (
            INFO,
            "Kjøpet ses sammen med {count} andre kjøp av samme slag for samme behov de siste 12 månedene før {day} ({related}): samlet verdi {value}.",
            "The purchase is aggregated with {count} other purchases of the same kind for the same need in the 12 months before {day} ({related}): total value {value}.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        agg = ctx.aggregate
        if agg.counted == 0 or agg.value is None:
            return None
        return self.finding(
            "aggregated", count=agg.counted, day=facts.reference_date, related=agg.counted_total, value=agg.value
        )


@register
class VAL04(Rule):
    rule_id = "VAL-04"
    family = "VAL"
    title = "Framework agreements: the maximum of all call-offs"
    citation = "direktiv 2014/24/EU art. 5 nr. 5; anskaffelsesforskriften § 5-4"
    messages = {
        "framework": (
            INFO,
            "Rammeavtale: verdien er anslått maksimal verdi av alle avrop i hele avtaleperioden, {value}.",
            "Framework agreement: the value is the estimated maximum of all call-offs over the whole term, {value}.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if ctx.estimate.method != "VAL-04":
            return None
        return self.finding("framework", value=ctx.estimate.value)


@register
class VAL05(Rule):
    rule_id = "VAL-05"
    family = "VAL"
    title = "Lots (delkontrakter) are aggregated; small-lot exception"
    citation = "anskaffelsesforskriften § 5-4 (8); direktiv 2014/24/EU art. 5 nr. 8–10"
    messages = {
        "lots": (
            INFO,
            "Kontrakten er delt i {count} delkontrakter med samlet verdi {lots}; alle delkontrakter regnes sammen.",
            "The contract is divided into {count} lots worth {lots} together; all lots are aggregated.",
        ),
        "small_lots": (
            INFO,
            "Kontrakten er delt i {count} delkontrakter med samlet verdi {lots}; alle regnes sammen. Delkontrakter under {small} (her {small_count}, til sammen {small_total} = {share} av samlet verdi, høyst 20 %) kan likevel følge del I. Beløpet {small} er 2020-tallet og er ikke bekreftet på nytt.",
            "The contract is divided into {count} lots worth {lots} together; all are aggregated. Lots below {small} (here {small_count}, together {small_total} = {share} of the total, at most 20%) may still follow part I. The amount {small} is the 2020 figure and has not been reconfirmed.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        lots = facts.contract.lots_nok
        if not lots or ctx.estimate.lots_total is None:
            return None
        lots_total = ctx.estimate.lots_total
        ts = ctx.thresholds
        small = ts.small_lot
        total = ctx.aggregate.value
        national = ts.national
        if (
            small is not None
            and total
            and national is not None
            and total >= national
            and facts.contract.category in GOODS_SERVICES
        ):
            small_lots = [lot for lot in lots if lot < small]
            small_total = sum(small_lots, ZERO)
            if small_lots and small_total * HUNDRED <= total * TWENTY:
                share = (small_total * HUNDRED / total).quantize(Decimal("0.1"))
                return self.finding(
                    "small_lots",
                    count=len(lots),
                    lots=lots_total,
                    small=small,
                    small_count=len(small_lots),
                    small_total=small_total,
                    share=Pct(share),
                )
        return self.finding("lots", count=len(lots), lots=lots_total)


@register
class VAL06(Rule):
    rule_id = "VAL-06"
    family = "VAL"
    title = "No splitting: similar purchases for the same need are aggregated"
    citation = "anskaffelsesforskriften § 5-4; direktiv 2014/24/EU art. 5 nr. 3"
    messages = {
        "split": (
            INFO,
            "Oppsplittingsfare: dette kjøpet alene ({value}) er under {threshold}, men sammen med lignende kjøp for samme behov er verdien {aggregated}. Det er ikke tillatt å dele opp en anskaffelse for å komme under terskelverdiene; kjøpene må ses samlet.",
            "Split-purchase risk: this purchase alone ({value}) is below {threshold}, but together with similar purchases for the same need the value is {aggregated}. A procurement may not be split to stay below the thresholds; the purchases must be viewed together.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        own = ctx.estimate.value
        total = ctx.aggregate.value
        if own is None or total is None or total == own:
            return None
        crossed = [t for t in relevant_thresholds(facts, ctx.thresholds) if own < t <= total]
        if not crossed:
            return None
        return self.finding("split", value=own, threshold=crossed[-1], aggregated=total)


@register
class VAL07(Reference):
    rule_id = "VAL-07"
    family = "VAL"
    title = "Operational units (driftsenheter) may compute their own purchases separately"
    citation = "direktiv 2014/24/EU art. 5 nr. 2 (driftsenheter)"


@register
class VAL08(Reference):
    rule_id = "VAL-08"
    family = "VAL"
    title = "Moment of estimation (see THR-11)"
    citation = "anskaffelsesforskriften § 5-4; direktiv 2014/24/EU art. 5 nr. 4"


def value_findings(facts: Facts, ctx: Context) -> list[Finding]:
    """The VAL findings that explain the value used against the thresholds, in catalog order of use."""
    method = ctx.estimate.method
    rule = _METHOD_RULES.get(method)
    out = []
    if rule is not None:
        found = rule.evaluate(facts, ctx)
        if found is not None:
            out.append(found)
    elif ctx.estimate.value is None:
        out.append(VAL01.finding("unknown", missing=("contract.value.base_nok",)))  # type: ignore[union-attr]
    if facts.contract.lots_nok and method != "VAL-05":
        found = VAL05.evaluate(facts, ctx)  # type: ignore[union-attr]
        if found is not None:
            out.append(found)
    if ctx.aggregate.counted:
        found = VAL03.evaluate(facts, ctx)  # type: ignore[union-attr]
        if found is not None:
            out.append(found)
    return out


_METHOD_RULES = {"VAL-04": VAL04, "VAL-01": VAL01, "VAL-02": VAL02, "VAL-05": VAL05}


def value_missing_paths(facts: Facts, ctx: Context, *, in_scope: bool) -> list[str]:
    """Unknown facts about related purchases that would change the outcome if known.

    Purchases with unknown ``same_need``/date are already counted (conservatively), so they matter
    only if leaving them out would drop the value below a threshold it now reaches. Purchases with an
    unknown value matter whenever a higher threshold exists.
    """
    agg = ctx.aggregate
    if agg.value is None or not (agg.uncertain_paths or agg.unknown_value_paths):
        return []
    thresholds = relevant_thresholds(facts, ctx.thresholds)
    out: list[str] = []
    if in_scope and agg.uncertain_paths and agg.established is not None:
        if any(agg.established < t <= agg.value for t in thresholds):
            out.extend(agg.uncertain_paths)
    if agg.unknown_value_paths and any(t > agg.value for t in thresholds):
        out.extend(agg.unknown_value_paths)
    return out
