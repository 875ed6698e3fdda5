"""Derived values shared by the rules of one assessment.

The facts are immutable; what the engine derives from them once (the threshold set in force, the
estimated and aggregated value, whether buyer and supplier are one legal person) lives here so each
rule stays a small pure function of ``(facts, ctx)`` and nothing is computed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .facts import Facts
from .thresholds import ThresholdSet
from .vocab import ExemptionBasis, Regime, Verdict


@dataclass(slots=True, frozen=True)
class Estimate:
    """The value of this contract alone (VAL-01/02/04/05, or GRANT-03 for "ingen kostnader")."""

    value: Decimal | None  # rounded to øre; None when no value field is known
    method: str  # rule id that produced the value; "" when unknown
    lots_total: Decimal | None


@dataclass(slots=True, frozen=True)
class Aggregate:
    """The value used against the thresholds after aggregation (VAL-03/06)."""

    value: Decimal | None  # estimate + every related purchase not known to be excluded
    established: Decimal | None  # estimate + only the related purchases known to count
    counted: int  # related purchases included in ``value``
    counted_total: Decimal
    uncertain_paths: tuple[str, ...]  # unknown same_need/date of purchases included in ``value``
    unknown_value_paths: tuple[str, ...]  # purchases that may count but whose value is unknown


@dataclass(slots=True)
class Context:
    """Per-assessment derived values (created by the engine, read by the rules).

    The first fields are fixed when the context is created. The last ones record the engine's
    progress through the decision order (catalog §10) so the rules of the last step (EXC-BURDEN-01,
    OBL-01…07) can read the outcome they attach to.
    """

    facts: Facts
    thresholds: ThresholdSet
    estimate: Estimate
    aggregate: Aggregate
    same_entity: bool
    verdict: Verdict | None
    regime: Regime | None
    exempt_by: ExemptionBasis | None  # when verdict is exempt
    unestablished: list[ExemptionBasis]  # exemptions claimed but not established
    unknown_claims: bool  # some exemption failed only on unknown facts
