"""The order confirmation of a seat purchase: who bought what from whom, at what price, under which agreement,
and the rules engine's verdict at confirmation (pure)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..agreements.models import Agreement
from ..courses.pricing import render_breakdown
from ..formats import local_date
from ..purchases.models import SeatPurchase
from .rendering import manifest
from ..rules.vocab import ContractingSide, Verdict
from .wording import UNKNOWN, date_text, findings, money_text, term, timestamp_text


def order_context(purchase: SeatPurchase, *, agreement: Agreement | None, now: dt.datetime) -> dict[str, Any]:
    """``agreement``: the one the purchase was made under (``purchase.agreement_id``), or None."""
    spec = manifest()["order_confirmation"]
    buyer = purchase.buyer_unit.entity_for_side(purchase.side)
    provider = purchase.course.provider_unit
    assessment = (purchase.assessment or {}).get("assessment") or {}
    return {
        "purchase_id": purchase.id, "confirmed_at": date_text(local_date(purchase.created_at)),
        "buyer_unit": purchase.buyer_unit.name, "buyer_entity": buyer.name, "buyer_org": buyer.org_number,
        "buyer_side": term(ContractingSide, purchase.side),
        "provider_unit": provider.name, "provider_entity": provider.legal_entity.name, "provider_org": provider.legal_entity.org_number,
        "course": purchase.course.title, "start_date": date_text(purchase.start_date), "end_date": date_text(purchase.end_date),
        "seats": purchase.seats,
        "participants": ", ".join(p.reference for p in purchase.participants) or UNKNOWN,
        "breakdown": render_breakdown(purchase.breakdown, "nb"), "amount": money_text(purchase.amount),
        "budget_line": f"{purchase.budget.line} {purchase.budget.year}",
        "agreement_text": (f"Kjøpet er gjort under avtale nr. {agreement.id}: {agreement.title} "
                           f"({date_text(agreement.start_date)}–{date_text(agreement.end_date)}).") if agreement else
                          "Ingen avtale i portalen dekker kjøpet; se regelmotorens vurdering.",
        "verdict_label": term(Verdict, assessment.get("verdict"), "ikke vurdert"),
        "reasons": findings(assessment.get("reasons")),
        "generated_at": timestamp_text(now),
        "template_name": spec["file"], "template_version": spec["version"],
    }
