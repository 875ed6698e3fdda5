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

from operator import attrgetter
from typing import Any

from .context import Context
from .facts import Facts
from .money import amount_str
from .registry import MET, RULES, UNKNOWN, Finding, FrozenItem
from .rules_exc import EXC_BURDEN_01, EXC_COMP_01, EXC_INH_01, assess_horizontal, assess_vertical
from .rules_grant import GRANT03, assess_grant
from .rules_int import INT04, INT06
from .rules_nav import NAV01, NAV04, NAV05, NAV06, NAV07
from .rules_obl import OBL01, OBL02, OBL03, OBL04, OBL05, OBL06, OBL07
from .rules_scope import SCOPE01, SCOPE02, SCOPE03
from .rules_thr import THR10, THR11, MissingThreshold, regime_finding
from .rules_val import VAL06, compute_aggregate, compute_estimate, value_findings, value_missing_paths
from .thresholds import ThresholdSet

#: Version of the rule logic and texts; recorded in every assessment and frozen with approved
#: agreements. Bump it whenever a rule's logic, message or citation changes.
RULESET_VERSION = "1.1.0"

#: Obligations that attach to ``procurement_required`` (OBL-05 attaches to exemptions and judgments).
_PROCUREMENT_OBLIGATIONS = (OBL01, OBL02, OBL03, OBL04, OBL06, OBL07)


_item_of = attrgetter("item")


def _items(findings: list[Finding] | tuple[Finding, ...]) -> list[dict[str, str]]:
    """Output items: each finding's prerendered read-only item (see :class:`~.registry.FrozenItem`).

    Every finding the engine handles comes from :meth:`Rule.finding`, which always renders the item;
    ``map`` keeps this loop in C (it runs ~10 times per assessment). The lists are new per assessment.
    """
    return list(map(_item_of, findings))


def _position(insert: tuple[int, tuple[Finding, ...]]) -> int:
    return insert[0]


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
    law_block = getattr(ts, "law_block", None)
    return {
        "verdict": "needs_assessment",
        "regime": None,
        "estimated_value_nok": amount_str(estimate.value),
        "aggregated_value_nok": amount_str(aggregate.value),
        "reasons": [],
        "warnings": [warning.item],
        "obligations": [],
        "missing_facts": [],
        "ruleset": ts.memo.get("ruleset") or _ruleset(ts),
        "law": law_block() if law_block is not None else None,
    }


def _assess(f: Facts, ts: ThresholdSet) -> dict[str, Any]:
    estimate = compute_estimate(f)
    aggregate = compute_aggregate(f, estimate)
    ctx = Context(f, ts, estimate, aggregate, f.buyer.entity_key == f.supplier.entity_key, None, None, None, [], False)
    reasons: list[Finding] = []
    warnings: list[Finding] = []
    # Tuples, not lists: most assessments add nothing here, and () allocates nothing.
    pending_missing: tuple[str, ...] = ()  # unknowns of exits from the rules
    value_missing: tuple[str, ...] = ()  # unknowns of the value and the regime
    judgment_missing: tuple[str, ...] = ()
    inserts: list[tuple[int, tuple[Finding, ...]]] = []  # placed at their step if the verdict needs them
    judgment = False
    verdict: str | None = None
    regime: str | None = None
    exempt_by: str | None = None
    nav = f.nav

    if nav is not None and nav.contracting_side is not None:
        consistency = NAV01.consistency(f)
        if consistency is not None:
            warnings.append(consistency)

    # 1. Same legal person: in-house within one entity (EXC-INH-01).
    if ctx.same_entity:
        side = NAV01.evaluate(f, ctx)
        if side is not None:
            reasons.append(side)
        reasons.append(EXC_INH_01.evaluate(f, ctx))  # type: ignore[arg-type]
        verdict, exempt_by = "exempt", "INH"
    elif f.grant is not None or (nav is not None and nav.price_type == "tilskudd"):
        # 2. Grant or procurement (only when a grant is claimed or Nav's price type says so).
        grant = assess_grant(f, ctx)
        if grant.status == "grant":
            reasons.extend(grant.reasons)
            verdict = "not_procurement_grant"
        elif grant.status == "judgment":
            inserts.append((len(reasons), grant.reasons))
            judgment = True
            judgment_missing += grant.missing
        elif grant.status != "not_claimed":
            reasons.extend(grant.reasons)
            pending_missing += grant.missing

    scope: Finding | None = None
    scope_index = 0
    if verdict is None and f.transfer is not None:
        # 3. Transfer of competences, then: is there a public contract at all?
        transfer = EXC_COMP_01.evaluate(f, ctx)
        if transfer is not None:
            reasons.append(transfer)
            if transfer.outcome == MET:
                verdict, exempt_by = "exempt", "COMP"
            else:
                ctx.unestablished.append("COMP")
                if transfer.outcome == UNKNOWN:
                    ctx.unknown_claims = True
                    pending_missing += transfer.missing
    if verdict is None:
        scope = SCOPE01.evaluate(f, ctx)
        assert scope is not None
        if scope.decision == "outside":
            reasons.append(scope)
            verdict, exempt_by = "exempt", "SCOPE"
        else:
            scope_index = len(reasons)
            pending_missing += scope.missing

    if verdict is None:
        # 4. Value and threshold set; 5. lower limit.
        reasons.append(ts.memo.get("THR-11") or THR11.evaluate(f, ctx))  # type: ignore[arg-type]
        if estimate.method == "GRANT-03":
            no_cost = GRANT03.evaluate(f, ctx)
            if no_cost is not None:
                reasons.append(no_cost)
        reasons.extend(value_findings(f, ctx))
        if aggregate.value is None:
            value_missing = ("contract.value.base_nok",)
        else:
            lower = RULES[ts.lower_limit_rule].evaluate(f, ctx)  # type: ignore[union-attr]
            assert lower is not None
            reasons.append(lower)
            if lower.decision == "below_scope":
                verdict = "below_scope"
                value_missing += tuple(value_missing_paths(f, ctx, in_scope=False))

    vertical = horizontal = None
    if verdict is None:
        # 6. Extended in-house.
        vertical = assess_vertical(f, ctx, judgment=True)
        if vertical.status == "judgment":  # only why projections are used is open (EXC-VERT-05)
            inserts.append((len(reasons), vertical.reasons))
            judgment = True
            judgment_missing += vertical.missing
        else:
            reasons.extend(vertical.reasons)
        if vertical.status == "established":
            verdict, exempt_by = "exempt", "VERT"
        elif vertical.status == "unknown":
            ctx.unestablished.append("VERT")
            ctx.unknown_claims = True
            pending_missing += vertical.missing
        elif vertical.status == "failed" and vertical.claimed:
            ctx.unestablished.append("VERT")
    if verdict is None and f.cooperation is not None:
        # 7. Horizontal cooperation.
        horizontal = assess_horizontal(f, ctx)
        if horizontal.status == "established":
            reasons.extend(horizontal.reasons)
            verdict, exempt_by = "exempt", "HOR"
        elif horizontal.status == "judgment":
            inserts.append((len(reasons), horizontal.reasons))
            judgment = True
            judgment_missing += horizontal.missing
        else:
            reasons.extend(horizontal.reasons)
            ctx.unestablished.append("HOR")
            if horizontal.status == "unknown":
                ctx.unknown_claims = True
                pending_missing += horizontal.missing

    missing: tuple[str, ...] = ()
    if verdict is None:
        # 8. The procurement rules apply — unless a case-by-case question says otherwise.
        verdict = "needs_assessment" if judgment else "procurement_required"
        assert scope is not None
        scope_items = [scope]
        public = SCOPE02.evaluate(f, ctx)
        if public is not None:
            scope_items.append(public)
            if f.cooperation is not None:
                cost_based = SCOPE03.evaluate(f, ctx)
                if cost_based is not None:
                    scope_items.append(cost_based)
        if judgment:
            inserts.append((scope_index, tuple(scope_items)))  # placed with the judgment findings below
        else:
            reasons[scope_index:scope_index] = scope_items
        if verdict == "procurement_required":
            found = regime_finding(f, ctx)
            if found is not None:
                reasons.append(found)
                regime = found.decision
                value_missing += found.missing
            if nav is not None:
                note = NAV07.evaluate(f, ctx)
                if note is not None:
                    reasons.append(note)
        if aggregate.uncertain_paths or aggregate.unknown_value_paths:
            value_missing += tuple(value_missing_paths(f, ctx, in_scope=True))
        if ctx.unestablished:
            burden = EXC_BURDEN_01.evaluate(f, ctx)
            if burden is not None:
                reasons.append(burden)
        missing = pending_missing + judgment_missing + value_missing
    elif verdict == "below_scope":
        missing = value_missing

    if verdict == "needs_assessment":
        # Later positions first so earlier indexes stay valid; equal indexes keep decision order.
        for index, items in reversed(sorted(inserts, key=_position)):
            reasons[index:index] = items

    # 9. Warnings and obligations.
    ctx.verdict, ctx.regime, ctx.exempt_by = verdict, regime, exempt_by
    if nav is not None and nav.price_type == "ingen_kostnader" and estimate.method != "GRANT-03":
        inconsistent = GRANT03.evaluate(f, ctx)
        if inconsistent is not None:
            warnings.append(inconsistent)
    if verdict == "procurement_required" or verdict == "needs_assessment":
        for rule in (VAL06, THR10):
            found = rule.evaluate(f, ctx)
            if found is not None:
                warnings.append(found)
    if vertical is not None and vertical.status == "established":
        warnings.extend(vertical.warnings)
    if horizontal is not None:
        warnings.extend(horizontal.warnings)
    obligations: list[Finding] | tuple[Finding, ...] = ()
    if verdict == "procurement_required":
        obligations = _procurement_obligations(f, ctx)
        protocol = OBL03.document_warning(f, ctx)
        if protocol is not None:
            warnings.append(protocol)
    elif verdict == "exempt" or verdict == "needs_assessment":
        found = OBL05.evaluate(f, ctx)
        if found is not None:
            obligations = (found,)
            warnings.extend(OBL05.document_warnings(f, ctx))
    participant = f.participant
    if nav is not None or participant is not None:
        # Cheap pre-checks skip the rules that cannot fire (each call costs more than the test).
        if (nav is not None and nav.needs_assessment_done is False) or (
            participant is not None and participant.age is not None and participant.age < 16
        ):
            warnings.append(NAV04.evaluate(f, ctx))  # type: ignore[arg-type]
        if nav is not None:
            if nav.labour_market_need_documented is False:
                found = NAV05.evaluate(f, ctx)
                if found is not None:
                    warnings.append(found)
            if f.contract.value.duration_months is not None:
                found = NAV06.evaluate(f, ctx)
                if found is not None:
                    warnings.append(found)
        integration = participant.integration if participant is not None else None
        if integration is not None:
            if integration.status == "right_and_duty" and nav is not None:
                found = INT04.evaluate(f, ctx)
                if found is not None:
                    warnings.append(found)
            elif integration.status == "collective_protection":
                warnings.append(INT06.evaluate(f, ctx))  # type: ignore[arg-type]

    return {
        "verdict": verdict,
        "regime": regime if verdict == "procurement_required" else None,
        "estimated_value_nok": amount_str(estimate.value),
        "aggregated_value_nok": amount_str(aggregate.value),
        "reasons": _items(reasons),
        "warnings": _items(warnings) if warnings else [],
        "obligations": _items(obligations) if obligations else [],
        "missing_facts": list(dict.fromkeys(missing)) if missing else [],
        "ruleset": ts.memo.get("ruleset") or _ruleset(ts),
        "law": ts.law_block(),
    }


def _ruleset(ts: ThresholdSet) -> dict[str, Any]:
    """The ``ruleset`` block, shared (read-only) by every assessment on the same threshold set."""
    block = ts.memo["ruleset"] = FrozenItem(
        version=RULESET_VERSION, thresholds_effective_from=ts.effective_from_iso, table_id=ts.table_id
    )
    return block
