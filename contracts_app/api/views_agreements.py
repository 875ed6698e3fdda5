"""Agreements: list (the list page's filters and query), detail, versions with a summary of each change, and the
documents (generated Word documents and uploaded signed PDFs) with their SHA-256 — read only, with the pages'
access rules:

- the route needs ``can_view_agreements`` (any role), like the pages; an agreement the caller may not see
  (``agreements.access.can_view``, through ``web.visible_agreement``) is a 404, in lists it is never there;
- a document is served as ``documents.views.download`` serves it: an agreement's document to whoever may see the
  agreement, and only when its bytes still match the stored SHA-256 (409 otherwise). An order confirmation is
  never an agreement's document (its access follows its purchase: ``GET /documents/{id}`` on the pages).

Scope ``agreements`` for every operation here (``tokens.SCOPES``).
"""
from __future__ import annotations

import base64
import hashlib
import logging

from flask import Response, abort, request, url_for
from sqlalchemy import select

from .. import clock
from ..agreements import queries
from ..agreements.diff import diff
from ..agreements.labels import field_label, version_note
from ..agreements.models import Agreement, AgreementDocument, AgreementSignature, AgreementVersion
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..db import get_session
from ..documents.downloads import attachment
from ..web import current_unit, visible_agreement
from .openapi import operation
from .pagination import Key, newest_first
from .schemas import Page
from .schemas_agreements import (AgreementDocumentList, AgreementDocumentOut, AgreementOut, AgreementQuery,
                                 AgreementSummaryOut, AgreementVersionOut, ChangeOut, NoQuery, PartyDetailOut, PartyOut,
                                 VersionQuery)
from .views import ApiProblem, bp, detail, json_response, parse_query
from .views_catalogue import paged

log = logging.getLogger(__name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


# --- answers ----------------------------------------------------------------------------------------------------

def _side(value):
    return value.value if hasattr(value, "value") else value


def _party(p, cls=PartyOut):
    extra = {"contact_name": p.contact_name, "contact_email": p.contact_email, "contact_phone": p.contact_phone} if cls is PartyDetailOut else {}
    return cls(role=p.role, name=p.name, org_number=p.org_number, legal_type=p.legal_type, legal_entity_id=p.legal_entity_id,
               unit_id=p.unit_id, nav_side=_side(p.nav_side), **extra)


def _common(a: Agreement) -> dict:
    return dict(id=a.id, title=a.title, kind=a.kind, status=a.status, version=a.version, verdict=a.verdict,
                start_date=a.start_date, end_date=a.end_date, estimated_value=a.estimated_value, options_value=a.options_value,
                updated_at=a.updated_at)


def agreement_summary(a: Agreement) -> AgreementSummaryOut:
    return AgreementSummaryOut(**_common(a), parties=[_party(p) for p in a.parties])


def agreement_out(a: Agreement) -> AgreementOut:
    return AgreementOut(
        **_common(a), parties=[_party(p, PartyDetailOut) for p in a.parties], subject=a.subject,
        cpv_codes=[str(c) for c in a.cpv_codes or []], measure_code=a.measure_code, procurement_case_ref=a.procurement_case_ref,
        procurement_notice_ref=a.procurement_notice_ref, parent_id=a.parent_id, option_scheme=a.option_scheme,
        option_plan=[int(m) for m in a.option_plan or []], max_duration_months=a.max_duration_months, price_terms=a.price_terms,
        covered_unit_ids=a.covered_unit_ids, submitted_version=a.submitted_version, approved_version=a.approved_version,
        terminated_on=a.terminated_on, termination_reason=a.termination_reason, created_at=a.created_at,
    )


def _agreement(agreement_id: int) -> Agreement:
    """The agreement, 404 when it does not exist or the caller may not see it (as on the pages)."""
    return visible_agreement(agreement_id)


# --- list and detail ----------------------------------------------------------------------------------------------

AGREEMENT_KEYS = newest_first(Agreement.updated_at, Agreement.id)


@bp.get("/agreements")
@requires(perm.can_view_agreements)
@operation(scope="agreements", summary="Agreements", tag="Agreements", query=AgreementQuery, response=Page[AgreementSummaryOut],
           description="The agreements the caller may see (its unit is a party, or one the agreement covers; a legal "
                       "reviewer also its legal person's), with the filters and the query of the page `/agreements`, "
                       "latest change first.")
def agreements():
    q = parse_query(AgreementQuery)
    session = get_session()
    stmt = queries.search_statement(current_principal(), current_unit(), q=q.q, status=q.status.value if q.status else "",
                                    kind=q.kind.value if q.kind else "", verdict=q.verdict or "", expiring=q.expiring or "",
                                    today=clock.today())
    items, cursor = paged(session, stmt, AGREEMENT_KEYS, listing="agreements", query=q)
    return json_response(Page[AgreementSummaryOut](items=[agreement_summary(a) for a in items], next_cursor=cursor, limit=q.limit))


@bp.get("/agreements/<int:agreement_id>")
@requires(perm.can_view_agreements)
@operation(scope="agreements", summary="An agreement", tag="Agreements", query=NoQuery, response=AgreementOut, etag=True,
           description="Its content as the agreement page shows it: parties with their contact persons, subject, period "
                       "and options, value, status and verdict. 404 for an agreement the caller may not see.")
def agreement(agreement_id: int):
    parse_query(NoQuery)
    return detail(agreement_out(_agreement(agreement_id)))


# --- versions --------------------------------------------------------------------------------------------------------

VERSION_KEYS = [Key(AgreementVersion.number, int, lambda v: v.number)]


@bp.get("/agreements/<int:agreement_id>/versions")
@requires(perm.can_view_agreements)
@operation(scope="agreements", summary="An agreement's versions", tag="Agreements", query=VersionQuery,
           response=Page[AgreementVersionOut],
           description="Every saved version, oldest first: number, when, what the save was, the verdict on it and the "
                       "fields that changed from the version before (the page `/agreements/{id}/versions` compares any two).")
def agreement_versions(agreement_id: int):
    q = parse_query(VersionQuery)
    a = _agreement(agreement_id)
    session = get_session()
    stmt = select(AgreementVersion).where(AgreementVersion.agreement_id == a.id)
    items, cursor = paged(session, stmt, VERSION_KEYS, listing=f"versions:{a.id}", query=q)
    previous = None
    if items and items[0].number > 1:
        previous = session.scalar(select(AgreementVersion.snapshot).where(
            AgreementVersion.agreement_id == a.id, AgreementVersion.number < items[0].number).order_by(AgreementVersion.number.desc()).limit(1))
    out = []
    for v in items:
        changes = diff(previous or {}, v.snapshot or {})
        out.append(AgreementVersionOut(
            number=v.number, created_at=v.created_at, note=v.note, note_label=version_note(v.note), verdict=v.verdict,
            changes=[ChangeOut(field=path, label=field_label(path)) for path, _old, _new in changes]))
        previous = v.snapshot
    return json_response(Page[AgreementVersionOut](items=out, next_cursor=cursor, limit=q.limit))


# --- documents ------------------------------------------------------------------------------------------------------

def _agreement_documents(session, agreement_id: int) -> list[AgreementDocument]:
    """The agreement's generated documents (never an order confirmation: its access follows its purchase)."""
    return [d for d in queries.documents_of(session, agreement_id) if d.purchase_id is None]


@bp.get("/agreements/<int:agreement_id>/documents")
@requires(perm.can_view_agreements)
@operation(scope="agreements", summary="An agreement's documents", tag="Agreements", query=NoQuery, response=AgreementDocumentList,
           description="The generated Word documents (the agreement, the procurement protocol or exemption assessment), "
                       "newest first, then the uploaded signed PDFs, each with its SHA-256 and the path of its bytes.")
def agreement_documents(agreement_id: int):
    parse_query(NoQuery)
    a = _agreement(agreement_id)
    session = get_session()
    items = [AgreementDocumentOut(
        id=d.id, source="generated", kind=d.kind, filename=d.filename, content_type=DOCX, sha256=d.sha256,
        version_number=d.version_number, at_approval=bool(d.at_approval), created_at=d.created_at,
        download=url_for("api.agreement_document", agreement_id=a.id, document_id=d.id),
    ) for d in _agreement_documents(session, a.id)]
    items += [AgreementDocumentOut(
        id=s.id, source="uploaded", kind="signed_agreement", filename=s.pdf_filename or "signert.pdf", content_type=PDF,
        sha256=s.pdf_sha256, version_number=None, at_approval=False, created_at=s.recorded_at,
        download=url_for("api.agreement_signed_pdf", agreement_id=a.id, signature_id=s.id),
    ) for s in queries.signatures(session, a.id) if s.pdf_filename is not None or s.pdf_sha256 is not None]
    return json_response(AgreementDocumentList(items=items))


def _send(content: bytes, filename: str, mimetype: str, sha256: str | None) -> Response:
    """The bytes as an attachment (``documents.downloads.attachment``, as the pages send them), with their SHA-256
    (``X-Content-SHA256`` like the pages, ``Repr-Digest`` of RFC 9530) and a strong ``ETag``: ``If-None-Match`` with
    it answers 304. Bytes that no longer match the stored SHA-256 are not handed out (409)."""
    actual = hashlib.sha256(content).hexdigest()
    if sha256 is not None and actual != sha256:
        log.error("document %s: content does not match its stored SHA-256", filename)
        raise ApiProblem(409)
    if request.if_none_match and request.if_none_match.contains(actual):
        not_modified = Response(status=304)
        not_modified.set_etag(actual)
        return not_modified
    response = attachment(content, filename, mimetype, headers={
        "X-Content-SHA256": actual, "Repr-Digest": "sha-256=:" + base64.b64encode(bytes.fromhex(actual)).decode() + ":"})
    response.set_etag(actual)
    return response


@bp.get("/agreements/<int:agreement_id>/documents/<int:document_id>")
@requires(perm.can_view_agreements)
@operation(scope="agreements", summary="A generated document's bytes", tag="Agreements", query=NoQuery, etag=True, errors=(409,),
           description="The Word document as stored (`Content-Type` "
                       "`application/vnd.openxmlformats-officedocument.wordprocessingml.document`, `Content-Disposition` "
                       "attachment), with `X-Content-SHA256` and `Repr-Digest`. 409 when the bytes no longer match the "
                       "stored SHA-256.")
def agreement_document(agreement_id: int, document_id: int):
    parse_query(NoQuery)
    a = _agreement(agreement_id)
    doc = get_session().get(AgreementDocument, document_id)
    if doc is None or doc.agreement_id != a.id or doc.purchase_id is not None:
        abort(404)
    return _send(doc.content, doc.filename, DOCX, doc.sha256)


@bp.get("/agreements/<int:agreement_id>/signatures/<int:signature_id>/pdf")
@requires(perm.can_view_agreements)
@operation(scope="agreements", summary="An uploaded signed PDF's bytes", tag="Agreements", query=NoQuery, etag=True, errors=(409,),
           description="The signed agreement a party uploaded with its signature (`Content-Type` `application/pdf`), with "
                       "`X-Content-SHA256` and `Repr-Digest`; 404 when the signature has no PDF.")
def agreement_signed_pdf(agreement_id: int, signature_id: int):
    parse_query(NoQuery)
    a = _agreement(agreement_id)
    sig = get_session().get(AgreementSignature, signature_id)
    if sig is None or sig.agreement_id != a.id or sig.pdf is None:
        abort(404)
    return _send(sig.pdf, sig.pdf_filename or "signert.pdf", PDF, sig.pdf_sha256)
