"""Downloading a stored document. Its access follows what it belongs to: an agreement's documents go to whoever
may see the agreement; an order confirmation lists participant references, so it goes to the two sides of the
purchase only: the buying unit's advisors and budget owners, and the providing unit's coordinators."""
from __future__ import annotations

import hashlib
import logging

from flask import Blueprint, abort

from ..agreements.models import AgreementDocument
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..db import get_session
from ..purchases.models import PurchaseStatus
from ..web import visible_agreement, visible_purchase
from .access import may_download_for_purchase
from .downloads import attachment

bp = Blueprint("documents", __name__)
log = logging.getLogger(__name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def download_name(doc: AgreementDocument, purchase) -> str:
    """The stored name; an order confirmation of a cancelled purchase says so in its name (the bytes, and so
    the SHA-256, stay as they were made)."""
    if purchase is not None and purchase.status == PurchaseStatus.cancelled and doc.filename.endswith(".docx"):
        return doc.filename[: -len(".docx")] + "-kansellert.docx"
    return doc.filename


@bp.get("/documents/<int:document_id>")
@requires(perm.authenticated)
def download(document_id: int):
    doc = get_session().get(AgreementDocument, document_id) or abort(404)
    purchase = None
    if doc.purchase_id is not None:
        purchase = visible_purchase(doc.purchase_id)  # 404 outside the two units
        if not may_download_for_purchase(current_principal(), purchase):
            abort(403)
    elif doc.agreement_id is not None:
        visible_agreement(doc.agreement_id)
    else:
        abort(404)
    # The stored SHA-256 is the document's fingerprint: bytes that no longer match it are not handed out.
    if hashlib.sha256(doc.content).hexdigest() != doc.sha256:
        log.error("document %s: content does not match its stored SHA-256", doc.id)
        abort(409)
    return attachment(doc.content, download_name(doc, purchase), DOCX, headers={"X-Content-SHA256": doc.sha256})
