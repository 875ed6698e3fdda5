"""Issue 18, item 7: a signed PDF must parse as a PDF and stay under the limit; its stored name is cleaned;
downloads carry an RFC 6266 ``filename*`` so any Unicode name works."""
from __future__ import annotations

import hashlib
import io
from urllib.parse import quote

import pytest
from sqlalchemy import select

from contracts_app import clock
from contracts_app.agreements import lifecycle, services
from contracts_app.agreements.models import AgreementDocument, AgreementSignature
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.documents.uploads import MAX_FILENAME_CHARS, MAX_PDF_BYTES, clean_filename, pdf_problem
from contracts_app.errors import ValidationFailed

from ..agreements.helpers import make_agreement, signer_for
from ..support import login, tiny_pdf

PDF = tiny_pdf()


@pytest.mark.parametrize(
    "data,accepted",
    [
        (PDF, True),
        (tiny_pdf(3), True),
        (b"%PDF-1.4\n<html><script>alert(1)</script></html>", False),  # the prefix alone was accepted before
        (b"%PDF", False),
        (b"", False),
        (b"<html><body>not a pdf</body></html>", False),
        (PDF[: len(PDF) // 2], False),  # cut off
        (b"%PDF-1.7\n%%EOF\n", False),  # a header and a trailer but no document
        (b"PK\x03\x04" + PDF, False),  # a zip that contains a PDF is not a PDF
    ],
    ids=["pdf", "pdf-3-pages", "pdf-prefix-html", "prefix-only", "empty", "html", "truncated", "no-body", "zip"],
)
def test_only_a_readable_pdf_is_accepted(app, data, accepted):
    with app.test_request_context():
        assert (pdf_problem(data) is None) is accepted


@pytest.mark.parametrize("size,accepted", [(MAX_PDF_BYTES, True), (MAX_PDF_BYTES + 1, False)])
def test_a_pdf_above_the_limit_is_refused(app, size, accepted):
    padded = PDF + b"%" * (size - len(PDF))  # PDF comments after the end still parse
    with app.test_request_context():
        problem = pdf_problem(padded)
    assert (problem is None) is accepted
    if not accepted:
        assert "5 MB" in problem


@pytest.mark.parametrize(
    "raw,stored",
    [
        ("avtale.pdf", "avtale.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\ola\\Signert avtale.PDF", "Signert avtale.pdf"),
        ("Договор подписан.pdf", "Договор подписан.pdf"),
        ("Avtale Lærdal–Ørsta ÆØÅ.pdf", "Avtale Lærdal–Ørsta ÆØÅ.pdf"),
        ("avtale\x00\r\n\t.pdf", "avtale.pdf"),
        ("faktura\u202efdp.exe", "fakturafdp.exe.pdf"),  # a right-to-left override hides the real ending
        ('"quoted"; filename=x.pdf', '"quoted"; filename=x.pdf'),  # harmless once send_file quotes it
        ("   ", "signert.pdf"),
        ("", "signert.pdf"),
        (None, "signert.pdf"),
        ("...", "signert.pdf"),
        ("report.exe", "report.exe.pdf"),
    ],
)
def test_stored_file_names_are_cleaned(raw, stored):
    assert clean_filename(raw) == stored


@pytest.mark.parametrize("raw", ["a" * 500 + ".pdf", "ø" * 500, "Д" * 119 + ".pdf"])
def test_stored_file_names_are_capped(raw):
    name = clean_filename(raw)
    assert len(name) <= MAX_FILENAME_CHARS and name.endswith(".pdf")


def _approved(db, world):
    return make_agreement(db, world, state=S.approved)


def _sign(db, world, a, *, pdf=PDF, filename="signert.pdf"):
    party = a.parties[1]  # the adult education centre: the coordinator signs for it
    return lifecycle.record_signature(
        db, a.id, party_id=party.id, signer_name="Kari Leder", signer_role="Rektor", signed_on=clock.today(), pdf=pdf,
        pdf_filename=filename, actor=signer_for(world, party), now=clock.now(), today=clock.today())


@pytest.mark.parametrize(
    "pdf,recorded",
    [(PDF, True), (b"%PDF-1.4\n<html>x</html>", False), (b"%PDF" + b"x" * MAX_PDF_BYTES, False)],
    ids=["pdf", "pdf-prefix-html", "too-large"],
)
def test_the_signature_service_keeps_only_a_readable_pdf(db, world, pdf, recorded):
    a = _approved(db, world)
    if recorded:
        _sign(db, world, a, pdf=pdf, filename="../Signert\r\n avtale.pdf")
        sig = db.scalars(select(AgreementSignature).where(AgreementSignature.agreement_id == a.id)).one()
        assert sig.pdf_filename == "Signert avtale.pdf"
    else:
        with pytest.raises(ValidationFailed) as exc:
            _sign(db, world, a, pdf=pdf)
        assert [e["path"] for e in exc.value.errors] == ["pdf"]


def test_an_html_upload_through_the_form_is_refused_and_stores_nothing(client, db, world):
    a = _approved(db, world)
    login(client, world.users["provider_coordinator"].email)
    response = client.post(f"/agreements/{a.id}/sign", content_type="multipart/form-data", data={
        "party_id": str(a.parties[1].id), "signer_name": "Kari Leder", "signer_role": "Rektor",
        "signed_on": clock.today().isoformat(), "pdf": (io.BytesIO(b"%PDF-1.4\n<html>x</html>"), "avtale.pdf")})
    assert response.status_code in (302, 303, 422)
    assert db.scalar(select(AgreementSignature.id).where(AgreementSignature.agreement_id == a.id)) is None


def _disposition_names(header: str) -> tuple[str, str | None]:
    parts = dict(p.strip().split("=", 1) for p in header.split(";")[1:])
    return parts["filename"].strip('"'), parts.get("filename*")


@pytest.mark.parametrize("filename", ["Договор подписан.pdf", "Avtale Lærdal ÆØÅ.pdf", "plain-ascii.pdf"])
def test_signed_pdf_downloads_with_any_unicode_name(client, db, world, filename):
    a = _approved(db, world)
    _sign(db, world, a, filename=filename)
    sig = db.scalars(select(AgreementSignature).where(AgreementSignature.agreement_id == a.id)).one()
    db.commit()
    login(client, world.users["provider_coordinator"].email)
    response = client.get(f"/agreements/{a.id}/signatures/{sig.id}.pdf")
    assert response.status_code == 200 and response.data == PDF and response.mimetype == "application/pdf"
    fallback, extended = _disposition_names(response.headers["Content-Disposition"])
    assert response.headers["Content-Disposition"].startswith("attachment;")
    fallback.encode("ascii")  # the plain filename= is always ASCII
    if filename.isascii():
        assert fallback == filename and extended is None
    else:
        assert extended == "UTF-8''" + quote(filename, safe="!#$&+^`|~")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("filename", ["Ordrebekreftelse – Николай Æsøy.docx", "ordrebekreftelse-12.docx"])
def test_generated_documents_download_with_any_unicode_name(client, db, world, filename):
    digest = hashlib.sha256(b"docx bytes").hexdigest()
    doc = AgreementDocument(purchase_id=world.purchase.id, kind="order_confirmation", template_name="t", template_version="1",
                            sha256=digest, filename=filename, content=b"docx bytes", created_at=clock.now())
    db.add(doc)
    db.commit()
    login(client, world.users["advisor"].email)
    response = client.get(f"/documents/{doc.id}")
    assert response.status_code == 200 and response.data == b"docx bytes"
    assert response.headers["X-Content-SHA256"] == digest
    _fallback, extended = _disposition_names(response.headers["Content-Disposition"])
    assert (extended is None) is filename.isascii()
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("paths", [["supplier.activity_basis"], ["contract.value.base_nok", "supplier.activity_basis"]])
def test_the_assessment_document_asks_for_missing_facts_in_words(app, paths):
    from contracts_app.documents.assessment import _missing

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        text = _missing(paths)
    assert not any(p in text for p in paths)  # no internal keys in a lawyer's document
    assert text.count("?") == len(paths) and text.startswith("Hva")  # bokmål questions, even for an English reader


def test_the_assessment_document_says_when_nothing_is_missing():
    from contracts_app.documents.assessment import _missing

    assert _missing([]) == "ingen"
