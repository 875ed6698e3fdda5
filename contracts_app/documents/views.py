"""Downloading a stored document. Its access follows what it belongs to: an agreement's documents go to whoever
may see the agreement; an order confirmation lists participant references, so it goes to the buying unit only."""
from __future__ import annotations

from flask import Blueprint, abort

from ..agreements.models import AgreementDocument
from ..auth import permissions as perm
from ..auth.access import requires
from ..db import get_session
from ..web import buyer_purchase_or_403, visible_agreement
from .downloads import attachment

bp = Blueprint("documents", __name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.get("/documents/<int:document_id>")
@requires(perm.authenticated)
def download(document_id: int):
    doc = get_session().get(AgreementDocument, document_id) or abort(404)
    if doc.purchase_id is not None:
        buyer_purchase_or_403(doc.purchase_id)
    elif doc.agreement_id is not None:
        visible_agreement(doc.agreement_id)
    else:
        abort(404)
    return attachment(doc.content, doc.filename, DOCX, headers={"X-Content-SHA256": doc.sha256})
