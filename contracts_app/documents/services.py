"""Making documents: render, store with template file, template version and SHA-256, and audit. Flushes, never
commits (the caller owns the transaction)."""
from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.orm import Session

from flask_babel import gettext as _

from .. import audit
from ..agreements.models import Agreement, AgreementDocument, ReviewDecision
from ..agreements.queries import signatures
from ..audit import Actor
from ..errors import Conflict
from ..purchases.models import PurchaseStatus, SeatPurchase
from .agreement import agreement_context, kinds_for
from .order import order_context
from .rendering import manifest, render


# The statuses of a purchase that was confirmed and still stands (a cancelled one keeps the document it had).
ORDERED = frozenset({PurchaseStatus.confirmed, PurchaseStatus.completed})


def _store(session: Session, *, kind: str, content: bytes, template: str, version: str, filename: str, actor: Actor,
           now: dt.datetime, agreement: Agreement | None = None, purchase_id: int | None = None,
           at_approval: bool = False) -> AgreementDocument:
    doc = AgreementDocument(
        agreement_id=agreement.id if agreement else None, purchase_id=purchase_id, kind=kind,
        version_number=agreement.version if agreement else None, template_name=template, template_version=version,
        sha256=hashlib.sha256(content).hexdigest(), filename=filename, content=content, at_approval=at_approval,
        created_by_id=actor.user_id, created_at=now,
    )
    session.add(doc)
    session.flush()
    return doc


def generate_for_agreement(session: Session, a: Agreement, *, decision: ReviewDecision | None, actor: Actor, now: dt.datetime,
                           at_approval: bool = False) -> list[AgreementDocument]:
    """Every document of the agreement (:func:`.agreement.kinds_for`), main document first."""
    sigs = signatures(session, a.id)
    out = []
    for kind in kinds_for(a, decision):
        content, template, version = render(kind, agreement_context(a, decision=decision, signatures=sigs, now=now, kind=kind))
        filename = f"{manifest()[kind]['title'].lower()}-{a.id}-v{a.version}.docx"
        out.append(_store(session, kind=kind, content=content, template=template, version=version, filename=filename,
                          actor=actor, now=now, agreement=a, at_approval=at_approval))
    audit.record(session, actor, "agreement.documents_generated", a, at=now,
                 after={"documents": [{"kind": d.kind, "template": d.template_name, "version": d.template_version, "sha256": d.sha256} for d in out]})
    return out


def generate_order_confirmation(session: Session, purchase: SeatPurchase, *, actor: Actor, now: dt.datetime) -> AgreementDocument:
    """The order confirmation of a confirmed purchase, made when it is confirmed (purchases.services.confirm and
    the approval of an override) and stored with its template, template version and SHA-256. Both the buying
    unit and the provider download it (documents.views.download)."""
    if purchase.status not in ORDERED:
        raise Conflict(_("An order confirmation is made only for a confirmed purchase."))
    agreement = session.get(Agreement, purchase.agreement_id) if purchase.agreement_id else None
    content, template, version = render("order_confirmation", order_context(purchase, agreement=agreement, now=now))
    # Not attached to the agreement: it lists the participant references, which only the two sides of the
    # purchase see (its access follows the purchase, see documents.views.download).
    doc = _store(session, kind="order_confirmation", content=content, template=template, version=version,
                 filename=f"ordrebekreftelse-{purchase.id}.docx", actor=actor, now=now, purchase_id=purchase.id)
    audit.record(session, actor, "purchase.order_confirmation_generated", purchase, at=now,
                 after={"document_id": doc.id, "template": template, "version": version, "sha256": doc.sha256})
    return doc
