"""Typed, validated facts (schema version 1 of the rules-engine contract).

These objects are what the rules read. They are produced only by :func:`schema.parse_facts`, so every
amount is a ``Decimal`` ≥ 0, every percentage is a ``Decimal`` in 0–100, every date a ``date`` and
every enum a known value. ``None`` always means *unknown* (never false).

Blocks that represent a *claim* (``relationship``, ``cooperation``, ``transfer``, ``grant``) and blocks
that only exist for some purchases (``nav``, ``participant``) are ``None`` when absent; blocks every
purchase has (``contract``, ``docs``) are an all-unknown instance when absent so rules need no
``None`` check for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .money import ZERO


@dataclass(slots=True, frozen=True)
class Party:
    """A legal person (rettssubjekt): buyer or supplier."""

    name: str
    entity_id: str
    entity_key: str  # entity_id without whitespace, upper case: what "same legal entity" compares
    legal_type: str | None
    is_contracting_authority: bool | None
    is_central_government: bool | None
    direct_private_capital: bool | None
    private_capital_required_by_law_noncontrolling: bool | None
    activity_for_controllers_pct: Decimal | None
    activity_basis: str | None
    established: date | None
    # Why projections replace the three-year figures (EXC-VERT-05): new_entity | new_activity |
    # reorganisation | none (three years of figures exist). Optional field of schema v1.
    projection_reason: str | None = None


@dataclass(slots=True, frozen=True)
class JointControl:
    """The three cumulative conditions of joint control (FOA § 3-2)."""

    representation_all: bool | None
    joint_decisive_influence: bool | None
    no_contrary_interests: bool | None


@dataclass(slots=True, frozen=True)
class Relationship:
    """The buyer's control over the supplier (a claim of in-house; absent = not claimed)."""

    control: str | None  # none | sole | sole_indirect | joint | partial; "unknown" is normalised to None
    joint_control: JointControl | None
    inverse_or_sister: bool | None


@dataclass(slots=True, frozen=True)
class ContractValue:
    """The value fields of the contract (VAL-01/02/04)."""

    base_nok: Decimal | None
    options_nok: Decimal  # default 0 per the contract
    extensions_nok: Decimal  # default 0 per the contract
    monthly_nok: Decimal | None
    duration_months: int | None  # None = indefinite term (contract §2)
    framework_max_nok: Decimal | None


EMPTY_VALUE = ContractValue(None, ZERO, ZERO, None, None, None)


@dataclass(slots=True, frozen=True)
class Contract:
    """What is bought and for how much."""

    pecuniary: bool | None
    category: str | None
    cpv: tuple[str, ...]
    value: ContractValue
    lots_nok: tuple[Decimal, ...] | None


EMPTY_CONTRACT = Contract(None, None, (), EMPTY_VALUE, None)


@dataclass(slots=True, frozen=True)
class RelatedPurchase:
    """Another purchase by the same buying unit of the same kind of supply (VAL-03/06)."""

    value_nok: Decimal | None
    date: date | None
    same_need: bool | None
    # How many purchases this entry sums (optional, default 1): callers may send monthly sums.
    count: int = 1


@dataclass(slots=True, frozen=True)
class CoopParty:
    """A participant in a claimed horizontal cooperation (EXC-HOR-01…06)."""

    name: str | None
    entity_id: str | None
    entity_key: str | None  # entity_id normalised like Party.entity_key (EXC-HOR-01 membership)
    public_service_task: str | None  # blank text is normalised to None (unknown)
    contributions: tuple[str, ...] | None
    payment_only: bool | None
    open_market_share_pct: Decimal | None


@dataclass(slots=True, frozen=True)
class Cooperation:
    """A claimed horizontal cooperation (samarbeid mellom oppdragsgivere)."""

    parties: tuple[CoopParty, ...] | None
    private_party_in_contract: bool | None
    common_objectives_documented: bool | None
    public_interest_only: bool | None
    pricing: str | None
    activity_basis: str | None
    private_operator_advantaged: str | None  # no | yes | unknown; None is treated as "unknown"
    third_party_subcontracting: bool | None
    projection_reason: str | None = None  # as Party.projection_reason, for activity_basis = projection (EXC-HOR-05)


@dataclass(slots=True, frozen=True)
class Transfer:
    """A claimed transfer of competences (EXC-COMP-01)."""

    receiver_has_powers: bool | None
    receiver_financial_independence: bool | None
    transferor_relinquishes_responsibility: bool | None


@dataclass(slots=True, frozen=True)
class Grant:
    """Grant-versus-procurement indicators (GRANT-02/03)."""

    initiative: str | None
    reciprocal_obligation: bool | None
    authority_specifies_detail: bool | None
    payment_proportional_to_delivery: bool | None
    sanction: str | None
    standard_terms_open_to_all: bool | None


@dataclass(slots=True, frozen=True)
class Nav:
    """Nav-specific facts of the purchase (NAV-01…08)."""

    contracting_side: str | None
    measure_code: str | None
    mode: str | None
    price_type: str | None
    needs_assessment_done: bool | None
    labour_market_need_documented: bool | None


@dataclass(slots=True, frozen=True)
class Integration:
    """The participant's position under the Integration Act (INT-01…06)."""

    status: str | None
    right_start_date: date | None
    has_upper_secondary: bool | None
    approved_leave_months: Decimal  # default 0 per the contract
    min_level_reached: bool | None


@dataclass(slots=True, frozen=True)
class Participant:
    """The person a seat is bought for (pseudonymous: only what the rules need)."""

    age: int | None
    integration: Integration | None


@dataclass(slots=True, frozen=True)
class Docs:
    """Which documents exist (OBL-03, OBL-05)."""

    protocol: bool | None
    exemption_assessment: bool | None
    coop_agreement_written: bool | None


EMPTY_DOCS = Docs(None, None, None)


@dataclass(slots=True, frozen=True)
class Facts:
    """The validated facts of one assessment."""

    schema_version: int
    reference_date: date
    buyer: Party
    supplier: Party
    relationship: Relationship | None
    contract: Contract
    related_purchases: tuple[RelatedPurchase, ...]
    cooperation: Cooperation | None
    transfer: Transfer | None
    grant: Grant | None
    nav: Nav | None
    participant: Participant | None
    docs: Docs
