"""The procurement rules engine: facts in, assessment out (rules-engine contract, schema version 1).

Pure: no Flask, no database, no clock — everything dated comes from ``reference_date`` and the
threshold table. The CLI (``flask --app contracts_app rules evaluate FILE``) and the HTTP endpoint
(``POST /api/v1/rules/evaluate``) both call :func:`evaluate_document`, so all three entry points give
identical results.

Public API::

    evaluate(facts, thresholds=None) -> assessment dict          (raises FactsError)
    evaluate_document(doc, thresholds=None) -> (exit_code, body)  (single facts or {"cases": [...]};
                                                                   a batch answers per case, never fails whole)
    validate(facts, thresholds=None) -> list of errors            ([] when evaluate would succeed)
    FactsError, ThresholdTable, ThresholdTableError, RULESET_VERSION, RULES
"""

from __future__ import annotations

import gc
from typing import Any

from . import rules_thr, rules_val, rules_scope, rules_exc, rules_grant, rules_obl, rules_nav, rules_int  # noqa: F401
from .engine import RULESET_VERSION, assess
from .registry import RULES, Finding, Reference, Rule, finalize
from .schema import FactsError, error, parse_facts
from .thresholds import ThresholdSet, ThresholdTable, ThresholdTableError

finalize()

__all__ = [
    "RULES",
    "RULESET_VERSION",
    "FactsError",
    "Finding",
    "Reference",
    "Rule",
    "ThresholdSet",
    "ThresholdTable",
    "ThresholdTableError",
    "evaluate",
    "evaluate_document",
    "validate",
]


def evaluate(facts: dict[str, Any], thresholds: ThresholdTable | None = None) -> dict[str, Any]:
    """Assess one facts object. ``thresholds`` defaults to the table shipped with the code.

    Raises :class:`FactsError` (``.errors`` = ``[{"path", "message", "message_en"}]``) for invalid input;
    never any other exception for JSON-like input.
    """
    parsed, errors = parse_facts(facts)
    if parsed is None:
        raise FactsError(errors)
    table = thresholds if thresholds is not None else ThresholdTable.shipped()
    return assess(parsed, table.lookup(parsed.reference_date))


def validate(facts: Any, thresholds: ThresholdTable | None = None) -> list[dict[str, str]]:
    """All input errors of ``facts`` (empty when :func:`evaluate` would return an assessment).

    A reference date the threshold table does not cover is not an input error: the assessment is
    ``needs_assessment`` with a THR-11 warning naming the missing threshold.
    """
    try:
        evaluate(facts, thresholds)
    except FactsError as exc:
        return exc.errors
    return []


def evaluate_document(doc: Any, thresholds: ThresholdTable | None = None) -> tuple[int, dict[str, Any]]:
    """Evaluate a document as read from JSON: one facts object, or ``{"cases": [facts, ...]}``.

    One facts object: ``(0, assessment)`` or ``(2, {"errors": [...]})``.

    A batch (an object with a ``cases`` key) never fails whole (catalog § 14 item 6): the answer is
    ``{"results": [...]}`` in input order, each element either an assessment or ``{"errors": [...]}``
    for that case alone, with paths relative to the case (``contract.value.base_nok``; ``""`` when the
    case is not an object). The code is 0 when at least one case was assessed (an empty batch too), and
    2 when every case was invalid. ``cases`` that is not a list is a malformed document:
    ``(2, {"errors": [{"path": "cases", ...}]})``.
    """
    table = thresholds if thresholds is not None else ThresholdTable.shipped()
    if isinstance(doc, dict) and "cases" in doc:
        cases = doc["cases"]
        if not isinstance(cases, list):
            return 2, {"errors": [error("cases", "list")]}
        # A batch allocates millions of small acyclic objects that all stay alive until the answer
        # is written; the cyclic garbage collector would rescan them again and again (measured: ~40 %
        # of a 10 000-case run). Pause it for the batch and restore the caller's setting.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            results: list[dict[str, Any]] = []
            invalid = 0
            for case in cases:
                try:
                    results.append(evaluate(case, table))
                except FactsError as exc:
                    results.append({"errors": exc.errors})
                    invalid += 1
        finally:
            if was_enabled:
                gc.enable()
        return (2 if cases and invalid == len(cases) else 0), {"results": results}
    try:
        return 0, evaluate(doc, table)
    except FactsError as exc:
        return 2, {"errors": exc.errors}
