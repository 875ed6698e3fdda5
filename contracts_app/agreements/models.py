"""Agreements (avtaler): the legal frame for cooperation and seat purchases, with parties, versions, options,
legal review, signatures and generated documents."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, Enum, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..organisations.models import LegalEntity, Side, Unit
from ..vocab import LabelledEnum
from .states import AgreementStatus


class AgreementKind(LabelledEnum):
    cooperation = "cooperation"  # samarbeidsavtale: horizontal cooperation between public authorities (EXC-HOR-01)
    procurement = "procurement"  # framework or purchase agreement after a procurement
    call_off = "call_off"  # avrop / single-seat order under an agreement
    internal_order = "internal_order"  # bestilling within one legal entity (egenregi)

    __labels__ = {
        "cooperation": _l("Cooperation agreement (public-public)"),
        "procurement": _l("Framework or purchase agreement after a procurement"),
        "call_off": _l("Call-off or single-seat order under an agreement"),
        "internal_order": _l("Internal order within one legal entity"),
    }


class PartyRole(LabelledEnum):
    """A party's role in the agreement (``agreement_party.role``, a plain string column)."""

    partner = "partner"  # cooperation parties are partners
    buyer = "buyer"
    supplier = "supplier"

    __labels__ = {"partner": _l("Partner"), "buyer": _l("Buyer"), "supplier": _l("Supplier")}


class SignatureMethod(LabelledEnum):
    """How a signature came into the portal (``agreement_signature.method``)."""

    own_side = "own_side"  # recorded by a member of the unit acting for the party
    on_paper = "on_paper"  # recorded for the party by a legal reviewer or an administrator, with the signed PDF

    __labels__ = {"own_side": _l("recorded by the party itself"), "on_paper": _l("signed on paper, recorded by")}


class ReviewDecisionKind(LabelledEnum):
    changes_requested = "changes_requested"
    approved = "approved"

    __labels__ = {"changes_requested": _l("changes requested"), "approved": _l("approved")}


def _enum(cls, name, length=40):
    return Enum(cls, name=name, native_enum=False, validate_strings=True, length=length)


class Agreement(Base):
    __tablename__ = "agreement"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint("estimated_value IS NULL OR estimated_value >= 0", name="value_not_negative"),
        CheckConstraint("options_value IS NULL OR options_value >= 0", name="options_value_not_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_agreement_status_end", "status", "end_date"),
        # The list's order, newest change first: a page is the first visible agreements read in this order.
        Index("ix_agreement_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AgreementKind] = mapped_column(_enum(AgreementKind, "agreement_kind"), index=True)
    status: Mapped[AgreementStatus] = mapped_column(_enum(AgreementStatus, "agreement_status"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Optimistic lock and version counter: the number of the latest saved version. A save that names an
    # older number is a conflict (someone else saved in between).
    version: Mapped[int] = mapped_column(Integer, default=1)
    # --- subject
    subject: Mapped[Optional[str]] = mapped_column(Text)
    # CPV codes (education and training list), e.g. ["80580000-3"].
    cpv_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Nav measure (tiltakskode), when a Nav office is a party.
    measure_code: Mapped[Optional[str]] = mapped_column(String(80))
    # After a procurement: the procurement's case number and its notice (Doffin) reference.
    procurement_case_ref: Mapped[Optional[str]] = mapped_column(String(80))
    procurement_notice_ref: Mapped[Optional[str]] = mapped_column(String(80))
    # For a call-off: the agreement it is made under.
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agreement.id"), index=True)
    # --- period and options (legal dates)
    start_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    # Current end, including exercised options.
    end_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    # Months of each option in order ("2+1" = base 24 months, options [12]).
    option_plan: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The scheme chosen in the wizard: none, 2+1, 1+1+1 or custom.
    option_scheme: Mapped[str] = mapped_column(String(20), default="none")
    # Maximum total duration in months, options included; options can never extend beyond it.
    max_duration_months: Mapped[Optional[int]] = mapped_column(Integer)
    # --- value (NOK excl. VAT)
    estimated_value: Mapped[Optional[Decimal]] = mapped_column(Numeric(14, 2))
    options_value: Mapped[Optional[Decimal]] = mapped_column(Numeric(14, 2))
    price_terms: Mapped[Optional[str]] = mapped_column(Text)
    # --- cooperation (OBL-05): the agreement-level answers; party-level answers are on AgreementParty.
    common_objectives: Mapped[Optional[str]] = mapped_column(Text)
    governance: Mapped[Optional[str]] = mapped_column(Text)
    cost_sharing: Mapped[Optional[str]] = mapped_column(Text)
    # Engine enums: own_costs_each | cost_reimbursement | market_price_margin
    pricing: Mapped[Optional[str]] = mapped_column(String(40))
    # avg_turnover_3y | alt_measure_3y | projection — basis of the open-market shares
    activity_basis: Mapped[Optional[str]] = mapped_column(String(40))
    # Why projections are used, when they are (EXC-HOR-05): new_entity | new_activity | reorganisation | none
    projection_reason: Mapped[Optional[str]] = mapped_column(String(40))
    market_share_monitoring: Mapped[Optional[str]] = mapped_column(Text)
    public_interest_only: Mapped[Optional[bool]] = mapped_column(Boolean)
    third_party_subcontracting: Mapped[Optional[bool]] = mapped_column(Boolean)
    subcontracting_note: Mapped[Optional[str]] = mapped_column(Text)
    # no | yes | unknown (EXC-HOR-03)
    private_operator_advantaged: Mapped[Optional[str]] = mapped_column(String(10))
    review_and_exit: Mapped[Optional[str]] = mapped_column(Text)
    # --- rules engine: the latest live assessment of the current version ({"facts", "assessment"} or errors)
    assessment: Mapped[Optional[dict[str, Any]]]
    verdict: Mapped[Optional[str]] = mapped_column(String(40), index=True)
    # --- review and approval. The frozen assessment lives on the approving ReviewDecision; this says which
    # version was approved (null when the current version is not approved).
    submitted_version: Mapped[Optional[int]] = mapped_column(Integer)
    approved_version: Mapped[Optional[int]] = mapped_column(Integer)
    # --- end
    termination_reason: Mapped[Optional[str]] = mapped_column(Text)
    terminated_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()

    parties: Mapped[list["AgreementParty"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementParty.position", lazy="selectin"
    )
    options: Mapped[list["AgreementOption"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementOption.sequence"
    )
    parent: Mapped[Optional["Agreement"]] = relationship(remote_side=[id])
    covered: Mapped[list["AgreementCoveredUnit"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementCoveredUnit.unit_id", lazy="selectin"
    )

    @property
    def covered_unit_ids(self) -> list[int]:
        return [c.unit_id for c in self.covered]

    def __repr__(self) -> str:
        return f"<Agreement {self.id} {self.kind.value} {self.status.value} v{self.version} {self.title!r}>"


class AgreementParty(Base):
    """A legal entity that is party to the agreement, acting through a unit, with a contact person.

    The name, organisation number and legal type are copied from the registered entity (or typed in for an
    unregistered one, e.g. a private supplier after a procurement), so the agreement keeps what was agreed.
    """

    __tablename__ = "agreement_party"
    __table_args__ = (
        UniqueConstraint("agreement_id", "position"),
        CheckConstraint(
            "open_market_share_pct IS NULL OR (open_market_share_pct >= 0 AND open_market_share_pct <= 100)",
            name="share_pct_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # buyer | supplier | partner (cooperation parties are partners)
    role: Mapped[str] = mapped_column(String(20))
    legal_entity_id: Mapped[Optional[int]] = mapped_column(ForeignKey("legal_entity.id"), index=True)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"), index=True)
    # For a Nav office: which of its two legal persons is party (NAV-01).
    nav_side: Mapped[Optional[Side]] = mapped_column(Enum(Side, name="side", native_enum=False, validate_strings=True, length=20))
    name: Mapped[str] = mapped_column(String(200))
    org_number: Mapped[str] = mapped_column(String(9))
    legal_type: Mapped[Optional[str]] = mapped_column(String(40))
    contact_name: Mapped[Optional[str]] = mapped_column(String(200))
    contact_email: Mapped[Optional[str]] = mapped_column(String(200))
    contact_phone: Mapped[Optional[str]] = mapped_column(String(40))
    # Cooperation (OBL-05): the party's statutory public task, concrete contributions (one per line), whether it
    # only pays (EXC-HOR-02), and its share of the activity sold on the open market (EXC-HOR-05).
    statutory_task: Mapped[Optional[str]] = mapped_column(Text)
    contributions: Mapped[Optional[str]] = mapped_column(Text)
    payment_only: Mapped[Optional[bool]] = mapped_column(Boolean)
    open_market_share_pct: Mapped[Optional[Decimal]] = mapped_column(Numeric(5, 2))

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    legal_entity: Mapped[Optional[LegalEntity]] = relationship()
    unit: Mapped[Optional[Unit]] = relationship()

    def __repr__(self) -> str:
        return f"<AgreementParty {self.id} agreement={self.agreement_id} {self.org_number} {self.role}>"


class AgreementCoveredUnit(Base):
    """A unit, beyond the parties' acting units, whose purchases the agreement covers: a county-wide agreement of the
    State can name the Nav offices that buy under it. The unit belongs to a buying party's legal person."""

    __tablename__ = "agreement_covered_unit"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True)
    # Indexed on its own: coverage and visibility ask "which agreements cover this unit".
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, index=True)

    agreement: Mapped[Agreement] = relationship(back_populates="covered")
    unit: Mapped[Unit] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<AgreementCoveredUnit agreement={self.agreement_id} unit={self.unit_id}>"


class AgreementVersion(Base):
    """Every saved change: the full content as JSON, so any two versions can be compared field by field."""

    __tablename__ = "agreement_version"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]]
    # What the save was (wizard step, option exercised …).
    note: Mapped[Optional[str]] = mapped_column(String(200))
    # The engine's verdict on this version (null when the facts were not assessable yet).
    verdict: Mapped[Optional[str]] = mapped_column(String(40))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"<AgreementVersion agreement={self.agreement_id} v{self.number}>"


class AgreementOption(Base):
    """An exercised option: it moved the end date from ``previous_end`` to ``new_end``. Only the latest one
    still in effect may be undone (``undone_at``)."""

    __tablename__ = "agreement_option"
    __table_args__ = (CheckConstraint("new_end > previous_end", name="extends"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    # Which option of the plan (1-based).
    sequence: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)
    previous_end: Mapped[dt.date] = mapped_column(Date)
    new_end: Mapped[dt.date] = mapped_column(Date)
    exercised_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    exercised_at: Mapped[dt.datetime] = mapped_column()
    undone_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    undone_at: Mapped[Optional[dt.datetime]] = mapped_column()

    agreement: Mapped[Agreement] = relationship(back_populates="options")

    def __repr__(self) -> str:
        return f"<AgreementOption agreement={self.agreement_id} #{self.sequence} {self.previous_end}→{self.new_end}>"


class ReviewDecision(Base):
    """A legal reviewer's decision on one version. An approval freezes facts, ruleset, verdict and document."""

    __tablename__ = "agreement_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    decision: Mapped[ReviewDecisionKind] = mapped_column(_enum(ReviewDecisionKind, "review_decision"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[Optional[str]] = mapped_column(Text)
    # Frozen at approval: the facts sent to the engine, its full assessment, the ruleset block.
    facts: Mapped[Optional[dict[str, Any]]]
    frozen_assessment: Mapped[Optional[dict[str, Any]]]
    ruleset: Mapped[Optional[dict[str, Any]]]
    engine_verdict: Mapped[Optional[str]] = mapped_column(String(40))
    # The reviewer's own conclusion; when it departs from the engine's verdict, the reasoning is required.
    reviewer_verdict: Mapped[Optional[str]] = mapped_column(String(40))
    departure_reasoning: Mapped[Optional[str]] = mapped_column(Text)
    # SHA-256 of the main document generated at approval.
    document_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column()

    reviewer: Mapped["User"] = relationship()  # noqa: F821

    @property
    def departs(self) -> bool:
        return bool(self.reviewer_verdict and self.engine_verdict and self.reviewer_verdict != self.engine_verdict)

    def __repr__(self) -> str:
        return f"<ReviewDecision agreement={self.agreement_id} v{self.version_number} {self.decision.value}>"


class ReviewComment(Base):
    """A comment on one section of the agreement; replies point to the thread's first comment."""

    __tablename__ = "agreement_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    # parties | subject | period | value | cooperation | general
    section: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agreement_comment.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column()
    resolved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[Optional[dt.datetime]] = mapped_column()

    author: Mapped["User"] = relationship(foreign_keys=[author_id])  # noqa: F821
    replies: Mapped[list["ReviewComment"]] = relationship(order_by="ReviewComment.id")

    def __repr__(self) -> str:
        return f"<ReviewComment {self.id} agreement={self.agreement_id} {self.section}>"


class AgreementSignature(Base):
    """One party's signature: who signed, in what role, on what date; optionally the signed PDF."""

    __tablename__ = "agreement_signature"
    __table_args__ = (UniqueConstraint("agreement_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("agreement_party.id", ondelete="CASCADE"))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_role: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    # Loaded only when downloaded: pages list signatures without their PDFs (up to 5 MB each).
    pdf: Mapped[Optional[bytes]] = mapped_column(LargeBinary, deferred=True)
    pdf_filename: Mapped[Optional[str]] = mapped_column(String(200))
    pdf_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column()
    # own_side: recorded by the unit acting for the party; on_paper: by a legal reviewer or administrator (PDF required).
    method: Mapped[SignatureMethod] = mapped_column(_enum(SignatureMethod, "signature_method", 20), default=SignatureMethod.own_side)

    party: Mapped[AgreementParty] = relationship()
    recorded_by: Mapped["User"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<AgreementSignature agreement={self.agreement_id} party={self.party_id} {self.signed_on}>"


class AgreementDocument(Base):
    """A generated Word document, stored as made: which template and template version, and its SHA-256."""

    __tablename__ = "agreement_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    # For an order confirmation: the seat purchase it confirms.
    purchase_id: Mapped[Optional[int]] = mapped_column(ForeignKey("seat_purchase.id"), index=True)
    # cooperation_agreement | order_confirmation | procurement_protocol | exemption_assessment
    kind: Mapped[str] = mapped_column(String(40))
    version_number: Mapped[Optional[int]] = mapped_column(Integer)
    template_name: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    # Loaded only when downloaded or hashed: pages list documents without their bytes.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # Made at approval (frozen) or on demand.
    at_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"<AgreementDocument {self.id} {self.kind} {self.template_name}@{self.template_version} {self.sha256[:12]}>"
