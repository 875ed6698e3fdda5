"""The decision pipeline (catalog §10): typed facts + threshold set → assessment dict.

1. Identify legal persons (NAV-01); same legal entity → ``exempt`` (EXC-INH-01).
2. Grant test (GRANT-01…03) → ``not_procurement_grant``.
3. Transfer of competences (EXC-COMP-01) → ``exempt``; then SCOPE-01 (not a contracting authority, or
   not for pecuniary interest → ``exempt``, outside the rules).
4. Value (VAL-01…08) and the threshold set in force on the reference date (THR-11).
5. Below the lower limit (THR-01/02) → ``below_scope``.
6. Extended in-house (EXC-VERT-01…07) → ``exempt``.
7. Horizontal cooperation (EXC-HOR-01…06) → ``exempt``; ``needs_assessment`` when only EXC-HOR-03 is open.
8. Otherwise ``procurement_required`` with the regime (THR-03…09), or ``needs_assessment`` when a
   case-by-case question (GRANT-02 ambiguous, EXC-HOR-03 unknown) decides between that and an exit.
9. Obligations (OBL-01…07) and warnings (VAL-06, THR-10, NAV-01/04/05/06, INT-04/06, documents).

Reasons are listed in this order. Findings of a case-by-case question are placed at their step only
when the verdict turns on them; unknown facts of exits from the rules are reported only when the
verdict is ``procurement_required``/``needs_assessment`` (they could not change ``below_scope`` into
anything that matters, and an established exemption makes them irrelevant).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .context import Context
from .facts import Facts
from .money import amount_str
from .registry import MET, RULES, UNKNOWN, Finding
from .rules_exc import EXC_BURDEN_01, EXC_COMP_01, EXC_INH_01, ExemptionResult, assess_horizontal, assess_vertical
from .rules_grant import GRANT03, assess_grant
from .rules_int import INT04, INT06
from .rules_nav import NAV01, NAV04, NAV05, NAV06, NAV07
from .rules_obl import OBL01, OBL02, OBL03, OBL04, OBL05, OBL06, OBL07
from .rules_scope import SCOPE01, SCOPE02, SCOPE03
from .rules_thr import THR10, THR11, MissingThreshold, regime_finding
from .rules_val import VAL06, compute_aggregate, compute_estimate, value_findings, value_missing_paths
from .thresholds import ThresholdSet
from .vocab import ClaimStatus, ExemptionBasis, GrantStatus, IntegrationStatus, PriceType, Verdict

#: Version of the rule logic and texts; recorded in every assessment and frozen with approved
#: agreements. Bump it whenever a rule's logic, message or citation changes.
RULESET_VERSION = "1.1.0"

#: Obligations that attach to ``procurement_required`` (OBL-05 attaches to exemptions and judgments).
_PROCUREMENT_OBLIGATIONS = (OBL01, OBL02, OBL03, OBL04, OBL06, OBL07)


def assess(facts: Facts, thresholds: ThresholdSet) -> dict[str, Any]:
    """Assess validated facts with the threshold set in force on their reference date.

    The engine never guesses a threshold: when the table has no value in force on the reference date
    for a threshold this case needs (no lower limit at all, or e.g. no EEA figure before 2020 for a
    regime), the case is not an input error but gets :func:`_missing_threshold`'s ``needs_assessment``.
    """
    if thresholds.lower_limit is None:
        return _missing_threshold(facts, thresholds, "lower_limit", thresholds.lower_limit_rule)
    try:
        return _assess(facts, thresholds)
    except MissingThreshold as exc:
        return _missing_threshold(facts, thresholds, exc.key, exc.rule_id)


def _missing_threshold(f: Facts, ts: ThresholdSet, key: str, rule_id: str) -> dict[str, Any]:
    """``needs_assessment`` for a case the table cannot decide: no regime, nothing missing from the facts,
    one THR-11 warning naming the threshold key, its rule and the reference date."""
    estimate = compute_estimate(f)
    aggregate = compute_aggregate(f, estimate)
    warning = THR11.finding("missing_threshold", threshold=key, rule=rule_id, day=f.reference_date)
    return {
        "verdict": Verdict.needs_assessment.value,
        "regime": None,
        "estimated_value_nok": amount_str(estimate.value),
        "aggregated_value_nok": amount_str(aggregate.value),
        "reasons": [],
        "warnings": [warning.as_dict()],
        "obligations": [],
        "missing_facts": [],
        "ruleset": _ruleset(ts),
        "law": ts.law_block(),
    }


@dataclass(slots=True)
class Progress:
    """What the decision order has collected so far for one assessment (the engine's own state; the
    verdict, regime and exemption reached are recorded on the :class:`~.context.Context` the rules read)."""

    reasons: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    obligations: tuple[Finding, ...] = ()
    # A case-by-case question (GRANT-02 ambiguous, EXC-VERT-05, EXC-HOR-03) that decides between the
    # procurement rules and an exit; its findings wait in ``inserts`` (position in ``reasons``, findings)
    # and are placed only when the verdict turns on them (``needs_assessment``).
    judgment: bool = False
    inserts: list[tuple[int, tuple[Finding, ...]]] = field(default_factory=list)
    # Unknown facts, by where they come from (tuples: most assessments add nothing, and () allocates nothing).
    pending_missing: tuple[str, ...] = ()  # of exits from the rules
    value_missing: tuple[str, ...] = ()  # of the value and the regime
    judgment_missing: tuple[str, ...] = ()  # of the case-by-case questions
    scope: Finding | None = None  # SCOPE-01 when the contract is within the rules …
    scope_index: int = 0  # … and where its findings go among the reasons (step 8)
    vertical: ExemptionResult | None = None
    horizontal: ExemptionResult | None = None

    def add_judgment(self, findings: tuple[Finding, ...], missing: tuple[str, ...]) -> None:
        """Hold the findings of a case-by-case question at the current position."""
        self.inserts.append((len(self.reasons), findings))
        self.judgment = True
        self.judgment_missing += missing


def _assess(f: Facts, ts: ThresholdSet) -> dict[str, Any]:
    """The decision order of the module docstring: the exits in turn until one decides, then the
    procurement rules, then warnings and obligations."""
    estimate = compute_estimate(f)
    aggregate = compute_aggregate(f, estimate)
    ctx = Context(f, ts, estimate, aggregate, f.buyer.entity_key == f.supplier.entity_key, None, None, None, [], False)
    p = Progress()
    _nav_side_consistency(f, ctx, p)
    for step in _EXITS:
        step(f, ctx, p)
        if ctx.verdict is not None:
            break
    if ctx.verdict is None:
        _procurement_rules_apply(f, ctx, p)
    if ctx.verdict == Verdict.needs_assessment:
        _place_judgment_findings(p)
    _warnings(f, ctx, p)
    _obligations(f, ctx, p)
    _nav_and_integration_warnings(f, ctx, p)
    return _assessment(ctx, p)


# --- the exits from the procurement rules (steps 1-7) ----------------------------------------------


def _nav_side_consistency(f: Facts, ctx: Context, p: Progress) -> None:
    """Before step 1: does the Nav side match the buyer's legal type (NAV-01)?"""
    nav = f.nav
    if nav is not None and nav.contracting_side is not None:
        consistency = NAV01.consistency(f)
        if consistency is not None:
            p.warnings.append(consistency)


def _same_legal_person(f: Facts, ctx: Context, p: Progress) -> None:
    """1. Buyer and supplier are one legal person: in-house within one entity (NAV-01, EXC-INH-01)."""
    if not ctx.same_entity:
        return
    side = NAV01.evaluate(f, ctx)
    if side is not None:
        p.reasons.append(side)
    p.reasons.append(EXC_INH_01.evaluate(f, ctx))  # type: ignore[arg-type]
    ctx.verdict, ctx.exempt_by = Verdict.exempt, ExemptionBasis.INH


def _grant_or_procurement(f: Facts, ctx: Context, p: Progress) -> None:
    """2. Grant or procurement (GRANT-01…03), only when a grant is claimed or Nav's price type says so."""
    nav = f.nav
    if f.grant is None and (nav is None or nav.price_type != PriceType.tilskudd):
        return
    grant = assess_grant(f, ctx)
    if grant.status == GrantStatus.grant:
        p.reasons.extend(grant.reasons)
        ctx.verdict = Verdict.not_procurement_grant
    elif grant.status == GrantStatus.judgment:
        p.add_judgment(grant.reasons, grant.missing)
    elif grant.status != GrantStatus.not_claimed:
        p.reasons.extend(grant.reasons)
        p.pending_missing += grant.missing


def _transfer_of_competences(f: Facts, ctx: Context, p: Progress) -> None:
    """3a. A claimed transfer of competences (EXC-COMP-01)."""
    if f.transfer is None:
        return
    transfer = EXC_COMP_01.evaluate(f, ctx)
    if transfer is None:
        return
    p.reasons.append(transfer)
    if transfer.outcome == MET:
        ctx.verdict, ctx.exempt_by = Verdict.exempt, ExemptionBasis.COMP
        return
    ctx.unestablished.append(ExemptionBasis.COMP)
    if transfer.outcome == UNKNOWN:
        ctx.unknown_claims = True
        p.pending_missing += transfer.missing


def _public_contract(f: Facts, ctx: Context, p: Progress) -> None:
    """3b. Is there a public contract at all (SCOPE-01)? Outside the rules → ``exempt``. Otherwise its
    finding waits for step 8, where the reasons show it with SCOPE-02/03."""
    scope = SCOPE01.evaluate(f, ctx)
    assert scope is not None
    if scope.decision == "outside":
        p.reasons.append(scope)
        ctx.verdict, ctx.exempt_by = Verdict.exempt, ExemptionBasis.SCOPE
    else:
        p.scope, p.scope_index = scope, len(p.reasons)
        p.pending_missing += scope.missing


def _value_and_lower_limit(f: Facts, ctx: Context, p: Progress) -> None:
    """4. The threshold set in force (THR-11) and the value (GRANT-03, VAL-01…08); 5. below the lower
    limit (THR-01/02) → ``below_scope``."""
    ts = ctx.thresholds
    p.reasons.append(ts.memo.get("THR-11") or THR11.evaluate(f, ctx))  # type: ignore[arg-type]
    if ctx.estimate.method == "GRANT-03":
        no_cost = GRANT03.evaluate(f, ctx)
        if no_cost is not None:
            p.reasons.append(no_cost)
    p.reasons.extend(value_findings(f, ctx))
    if ctx.aggregate.value is None:
        p.value_missing = ("contract.value.base_nok",)
        return
    lower = RULES[ts.lower_limit_rule].evaluate(f, ctx)  # type: ignore[union-attr]
    assert lower is not None
    p.reasons.append(lower)
    if lower.decision == "below_scope":
        ctx.verdict = Verdict.below_scope
        p.value_missing += tuple(value_missing_paths(f, ctx, in_scope=False))


def _extended_in_house(f: Facts, ctx: Context, p: Progress) -> None:
    """6. Extended in-house (EXC-VERT-01…07)."""
    vertical = p.vertical = assess_vertical(f, ctx, judgment=True)
    if vertical.status == ClaimStatus.judgment:  # only why projections are used is open (EXC-VERT-05)
        p.add_judgment(vertical.reasons, vertical.missing)
    else:
        p.reasons.extend(vertical.reasons)
    if vertical.status == ClaimStatus.established:
        ctx.verdict, ctx.exempt_by = Verdict.exempt, ExemptionBasis.VERT
    elif vertical.status == ClaimStatus.unknown:
        ctx.unestablished.append(ExemptionBasis.VERT)
        ctx.unknown_claims = True
        p.pending_missing += vertical.missing
    elif vertical.status == ClaimStatus.failed and vertical.claimed:
        ctx.unestablished.append(ExemptionBasis.VERT)


def _horizontal_cooperation(f: Facts, ctx: Context, p: Progress) -> None:
    """7. A claimed horizontal cooperation (EXC-HOR-01…06)."""
    if f.cooperation is None:
        return
    horizontal = p.horizontal = assess_horizontal(f, ctx)
    if horizontal.status == ClaimStatus.established:
        p.reasons.extend(horizontal.reasons)
        ctx.verdict, ctx.exempt_by = Verdict.exempt, ExemptionBasis.HOR
    elif horizontal.status == ClaimStatus.judgment:
        p.add_judgment(horizontal.reasons, horizontal.missing)
    else:
        p.reasons.extend(horizontal.reasons)
        ctx.unestablished.append(ExemptionBasis.HOR)
        if horizontal.status == ClaimStatus.unknown:
            ctx.unknown_claims = True
            p.pending_missing += horizontal.missing


#: Steps 1-7 in the decision order; the first that reaches a verdict ends the search for an exit.
_EXITS = (
    _same_legal_person,
    _grant_or_procurement,
    _transfer_of_competences,
    _public_contract,
    _value_and_lower_limit,
    _extended_in_house,
    _horizontal_cooperation,
)


# --- step 8: the procurement rules apply ------------------------------------------------------------


def _procurement_rules_apply(f: Facts, ctx: Context, p: Progress) -> None:
    """8. No exit: ``procurement_required`` with its regime (THR-03…09) — or ``needs_assessment`` when a
    case-by-case question decides between that and an exit. SCOPE-01…03 and EXC-BURDEN-01 say why."""
    ctx.verdict = Verdict.needs_assessment if p.judgment else Verdict.procurement_required
    assert p.scope is not None
    scope_items = [p.scope]
    public = SCOPE02.evaluate(f, ctx)
    if public is not None:
        scope_items.append(public)
        if f.cooperation is not None:
            cost_based = SCOPE03.evaluate(f, ctx)
            if cost_based is not None:
                scope_items.append(cost_based)
    if p.judgment:
        p.inserts.append((p.scope_index, tuple(scope_items)))  # placed with the judgment findings
    else:
        p.reasons[p.scope_index:p.scope_index] = scope_items
    if ctx.verdict == Verdict.procurement_required:
        found = regime_finding(f, ctx)
        if found is not None:
            p.reasons.append(found)
            ctx.regime = found.decision
            p.value_missing += found.missing
        if f.nav is not None:
            note = NAV07.evaluate(f, ctx)
            if note is not None:
                p.reasons.append(note)
    if ctx.aggregate.uncertain_paths or ctx.aggregate.unknown_value_paths:
        p.value_missing += tuple(value_missing_paths(f, ctx, in_scope=True))
    if ctx.unestablished:
        burden = EXC_BURDEN_01.evaluate(f, ctx)
        if burden is not None:
            p.reasons.append(burden)


def _place_judgment_findings(p: Progress) -> None:
    """``needs_assessment``: the case-by-case findings go to the steps they belong to. Later positions
    first, so earlier indexes stay valid; equal indexes keep the decision order."""
    for index, items in reversed(sorted(p.inserts, key=_position)):
        p.reasons[index:index] = items


def _position(insert: tuple[int, tuple[Finding, ...]]) -> int:
    return insert[0]


# --- step 9: warnings and obligations -------------------------------------------------------------


def _warnings(f: Facts, ctx: Context, p: Progress) -> None:
    """9. Warnings on the price type (GRANT-03), the value (VAL-06, THR-10) and the exemptions."""
    nav = f.nav
    if nav is not None and nav.price_type == PriceType.ingen_kostnader and ctx.estimate.method != "GRANT-03":
        inconsistent = GRANT03.evaluate(f, ctx)
        if inconsistent is not None:
            p.warnings.append(inconsistent)
    if ctx.verdict == Verdict.procurement_required or ctx.verdict == Verdict.needs_assessment:
        for rule in (VAL06, THR10):
            found = rule.evaluate(f, ctx)
            if found is not None:
                p.warnings.append(found)
    if p.vertical is not None and p.vertical.status == ClaimStatus.established:
        p.warnings.extend(p.vertical.warnings)
    if p.horizontal is not None:
        p.warnings.extend(p.horizontal.warnings)


def _obligations(f: Facts, ctx: Context, p: Progress) -> None:
    """9. OBL-01…07 for ``procurement_required`` (with OBL-03's protocol warning); OBL-05 and its
    document warnings for exemptions and judgments."""
    if ctx.verdict == Verdict.procurement_required:
        p.obligations = _procurement_obligations(f, ctx)
        protocol = OBL03.document_warning(f, ctx)
        if protocol is not None:
            p.warnings.append(protocol)
    elif ctx.verdict == Verdict.exempt or ctx.verdict == Verdict.needs_assessment:
        found = OBL05.evaluate(f, ctx)
        if found is not None:
            p.obligations = (found,)
            p.warnings.extend(OBL05.document_warnings(f, ctx))


_obligations_memo: dict[tuple[Any, ...], tuple[Finding, ...]] = {}


def _procurement_obligations(f: Facts, ctx: Context) -> tuple[Finding, ...]:
    """OBL-01…07 for ``procurement_required``.

    They depend only on the regime, the lower-limit rule in force (OBL-01 wording) and whether the
    protocol trigger is reached, so the list is computed once per combination (the OBL rules stay
    the single source of truth: the memo only stores what they returned).
    """
    value = ctx.aggregate.value
    trigger = ctx.thresholds.protocol_trigger
    due = value is None or trigger is None or value >= trigger
    key = (ctx.regime, ctx.thresholds.lower_limit_rule, due)
    found = _obligations_memo.get(key)
    if found is None:
        found = tuple(o for o in (rule.evaluate(f, ctx) for rule in _PROCUREMENT_OBLIGATIONS) if o is not None)
        _obligations_memo[key] = found
    return found


def _nav_and_integration_warnings(f: Facts, ctx: Context, p: Progress) -> None:
    """9. Warnings about the Nav measure (NAV-04/05/06) and the Integration Act (INT-04/06)."""
    nav, participant = f.nav, f.participant
    if nav is None and participant is None:
        return
    if (nav is not None and nav.needs_assessment_done is False) or (
        participant is not None and participant.age is not None and participant.age < 16
    ):
        p.warnings.append(NAV04.evaluate(f, ctx))  # type: ignore[arg-type]
    if nav is not None:
        if nav.labour_market_need_documented is False:
            found = NAV05.evaluate(f, ctx)
            if found is not None:
                p.warnings.append(found)
        if f.contract.value.duration_months is not None:
            found = NAV06.evaluate(f, ctx)
            if found is not None:
                p.warnings.append(found)
    integration = participant.integration if participant is not None else None
    if integration is not None:
        if integration.status == IntegrationStatus.right_and_duty and nav is not None:
            found = INT04.evaluate(f, ctx)
            if found is not None:
                p.warnings.append(found)
        elif integration.status == IntegrationStatus.collective_protection:
            p.warnings.append(INT06.evaluate(f, ctx))  # type: ignore[arg-type]


# --- the assessment ---------------------------------------------------------------------------------


def _assessment(ctx: Context, p: Progress) -> dict[str, Any]:
    """The output of schema version 1: plain strings, lists and dicts, new for every assessment."""
    verdict = ctx.verdict
    assert verdict is not None
    if verdict == Verdict.procurement_required or verdict == Verdict.needs_assessment:
        missing = p.pending_missing + p.judgment_missing + p.value_missing
    elif verdict == Verdict.below_scope:
        missing = p.value_missing
    else:
        missing = ()
    regime = ctx.regime if verdict == Verdict.procurement_required else None
    return {
        "verdict": verdict.value,
        "regime": None if regime is None else str(regime),
        "estimated_value_nok": amount_str(ctx.estimate.value),
        "aggregated_value_nok": amount_str(ctx.aggregate.value),
        "reasons": [finding.as_dict() for finding in p.reasons],
        "warnings": [finding.as_dict() for finding in p.warnings],
        "obligations": [finding.as_dict() for finding in p.obligations],
        "missing_facts": list(dict.fromkeys(missing)),
        "ruleset": _ruleset(ctx.thresholds),
        "law": ctx.thresholds.law_block(),
    }


def _ruleset(ts: ThresholdSet) -> dict[str, Any]:
    """The ``ruleset`` block: which rule logic and threshold table decided."""
    return {"version": RULESET_VERSION, "thresholds_effective_from": ts.effective_from_iso, "table_id": ts.table_id}
