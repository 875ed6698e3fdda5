"""The assessment of an agreement as a document: the procurement protocol (the procurement rules apply, or the
value is below them) or the exemption assessment (why they do not apply). Which of the two, and what it says about
the verdict, the rules that gave it and the legal review (pure)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..agreements.models import Agreement, ReviewDecision
from ..formats import local_date
from ..rules.vocab import Regime, Verdict
from .wording import UNKNOWN, date_text, findings, money_text, term


def _missing(paths) -> str:
    """What the engine still needs, as the plain questions the pages ask (documents are always bokmål)."""
    if not paths:
        return "ingen"
    from flask_babel import force_locale

    from ..rulecheck.questions import ask

    with force_locale("nb"):
        return " ".join(q["text"] for q in ask(paths))


def assessment_kind(a: Agreement, decision: ReviewDecision | None = None) -> str:
    verdict = (decision.reviewer_verdict if decision is not None else None) or a.verdict
    return "procurement_protocol" if verdict in ("procurement_required", "below_scope", None) else "exemption_assessment"


def assessment_context(a: Agreement, decision: ReviewDecision | None) -> dict[str, Any]:
    """The verdict part of every agreement document: the frozen assessment of the approval, else the live one."""
    result = (decision.frozen_assessment if decision is not None else None) or (a.assessment or {}).get("assessment") or {}
    ruleset = result.get("ruleset") or {}
    if decision is not None:
        reviewer = decision.reviewer.name if decision.reviewer is not None else ""
        review_text = f"godkjent av {reviewer} {date_text(local_date(decision.created_at))}"
        if decision.note:
            review_text += f" – {decision.note}"
    else:
        review_text = "ikke godkjent ennå (utkast)"
    departs = decision is not None and decision.departs
    return {
        "verdict_label": term(Verdict, result.get("verdict"), "ikke vurdert (mangler fakta)"),
        "regime_label": term(Regime, result.get("regime"), ""),
        "estimated_value_engine": money_text(Decimal(result["estimated_value_nok"])) if result.get("estimated_value_nok") else UNKNOWN,
        "reasons": findings(result.get("reasons")),
        "warnings": findings(result.get("warnings")),
        "obligations": findings(result.get("obligations")),
        "missing_facts": _missing(result.get("missing_facts")),
        "ruleset_version": ruleset.get("version", UNKNOWN),
        "thresholds_from": date_text(ruleset.get("thresholds_effective_from")) or UNKNOWN,
        "table_id": ruleset.get("table_id") or UNKNOWN,
        # Which version of the Act and the regulation the verdict applied (assessments made before the law
        # versions existed do not say: then it is stated as unknown, never guessed).
        "law_title": (result.get("law") or {}).get("title") or UNKNOWN,
        "review_text": review_text,
        "reviewer_verdict_label": term(Verdict, decision.reviewer_verdict, "") if departs else "",
        "departure_reasoning": (decision.departure_reasoning or "") if departs else "",
    }
