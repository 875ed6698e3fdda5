"""The documents of an agreement: which ones it has, and their context — the parties, subject, period, value,
cooperation answers and signatures that the cooperation agreement and the assessment both state, with the
assessment's verdict part (:mod:`.assessment`) (pure)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..agreements.models import Agreement, AgreementKind, AgreementSignature, ReviewDecision
from ..rules.vocab import ActivityBasis, Advantaged, ContractingSide, LegalType, Pricing
from ..vocab import MeasureCode
from .assessment import assessment_context, assessment_kind
from .rendering import manifest
from .wording import (
    KIND_NB, ROLE_NB, UNKNOWN, date_text, money_text, term, text,
    timestamp_text, yes_no,
)


def kinds_for(a: Agreement, decision: ReviewDecision | None = None) -> list[str]:
    """The documents of an agreement, main document first."""
    second = assessment_kind(a, decision)
    return ["cooperation_agreement", second] if a.kind == AgreementKind.cooperation else [second]


def options_text(a: Agreement) -> str:
    plan = list(a.option_plan or [])
    if not plan:
        return "ingen"
    parts = " + ".join(f"{m} mnd." for m in plan)
    exercised = [o for o in a.options if o.undone_at is None]
    used = f"; {len(exercised)} innløst" if exercised else ""
    return f"{parts} ({a.option_scheme}){used}"


def agreement_context(a: Agreement, *, decision: ReviewDecision | None, signatures: list[AgreementSignature] | tuple = (),
                      now: dt.datetime, kind: str) -> dict[str, Any]:
    """Everything the template of ``kind`` (one of :func:`kinds_for`) fills in for agreement ``a``."""
    spec = manifest()[kind]
    signed = {s.party_id: s for s in signatures}
    parties = []
    for p in a.parties:
        contact = ", ".join(x for x in (p.contact_name, p.contact_email, p.contact_phone) if x)
        parties.append({
            "name": p.name, "org_number": p.org_number, "legal_type": term(LegalType, p.legal_type),
            "role": ROLE_NB.get(p.role, p.role),
            "unit": (p.unit.name + (f" – {term(ContractingSide, p.nav_side).lower()}" if p.nav_side else "")) if p.unit else "",
            "contact": f"– {contact}" if contact else "",
            "statutory_task": text(p.statutory_task),
            "contributions": "; ".join(c.strip() for c in (p.contributions or "").splitlines() if c.strip()) or UNKNOWN,
            "payment_only": bool(p.payment_only),
            "share": f"{p.open_market_share_pct:.1f} %".replace(".", ",") if p.open_market_share_pct is not None else UNKNOWN,
        })
    title = spec["title"]
    if kind in ("procurement_protocol", "exemption_assessment"):
        title = "Anskaffelsesprotokoll" if kind == "procurement_protocol" else "Unntaksvurdering (dokumentasjon av unntak)"
    ctx = {
        "document_title": title, "title": a.title, "agreement_id": a.id, "version": a.version, "kind": KIND_NB[a.kind.value],
        "parties": parties, "subject": text(a.subject), "cpv": ", ".join(a.cpv_codes or []) or UNKNOWN, "measure": text(_measure(a.measure_code)),
        "common_objectives": text(a.common_objectives), "governance": text(a.governance), "cost_sharing": text(a.cost_sharing),
        "pricing": term(Pricing, a.pricing), "public_interest": yes_no(a.public_interest_only),
        "activity_basis": term(ActivityBasis, a.activity_basis), "market_share_monitoring": text(a.market_share_monitoring),
        "advantaged": term(Advantaged, a.private_operator_advantaged),
        "subcontracting": yes_no(a.third_party_subcontracting), "subcontracting_note": (a.subcontracting_note or "").strip(),
        "start_date": date_text(a.start_date), "end_date": date_text(a.end_date), "options_text": options_text(a),
        "max_duration": f"{a.max_duration_months} måneder" if a.max_duration_months else UNKNOWN,
        "review_and_exit": text(a.review_and_exit), "estimated_value": money_text(a.estimated_value),
        "options_value": money_text(a.options_value),
        "price_terms": text(a.price_terms), "case_ref": text(a.procurement_case_ref), "notice_ref": text(a.procurement_notice_ref),
        "signatures": [
            {"party": p.name, "name": signed[p.id].signer_name if p.id in signed else "",
             "role": signed[p.id].signer_role if p.id in signed else "", "date": date_text(signed[p.id].signed_on) if p.id in signed else ""}
            for p in a.parties
        ],
        "generated_at": timestamp_text(now),
        "template_name": spec["file"], "template_version": spec["version"],
    }
    ctx.update(assessment_context(a, decision))
    return ctx


def _measure(code: str | None) -> str | None:
    """The measure by its name, in bokmål whatever the reader's language (documents are always bokmål)."""
    if not code:
        return None
    from flask_babel import force_locale

    with force_locale("nb"):
        return MeasureCode.label_of(code)
