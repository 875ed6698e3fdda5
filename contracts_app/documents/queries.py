"""Read-only selects for stored documents (never their bytes: pages list documents, downloads read one)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..agreements.models import AgreementDocument


def order_confirmations(session: Session, purchase_id: int) -> list[AgreementDocument]:
    """The order confirmations of a purchase, oldest first (one, made at confirmation; a purchase confirmed
    before issue 20 may have several made on demand)."""
    return list(session.scalars(
        select(AgreementDocument)
        .where(AgreementDocument.purchase_id == purchase_id, AgreementDocument.kind == "order_confirmation")
        .order_by(AgreementDocument.id)
    ).all())
