"""Documents: every template renders with all its variables supplied; LibreOffice turns each into a PDF whose
text (pdftotext) holds what the template promises. soffice exits 0 even on failure, so the text is checked."""
from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest
from docx import Document

from contracts_app import clock
from contracts_app.agreements import queries
from contracts_app.agreements.models import Agreement
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.audit import Actor
from contracts_app.documents import services as documents
from contracts_app.documents.agreement import agreement_context
from contracts_app.documents.order import order_context
from contracts_app.documents.rendering import manifest, render, template_variables

from ..support import need
from ..factories import buy
from .helpers import make_agreement, move

OBL05 = [  # every element of OBL-05's cooperation-agreement checklist, as the template words it
    "Parter og rettslig status", "lovpålagte oppgaver", "Felles mål", "konkrete bidrag", "Styring og felles strategi",
    "Kostnadsfordeling", "allmennhetens interesse", "åpne markedet", "Ingen private aktører får fordeler",
    "Varighet, opsjoner, evaluering og uttreden",
]


def _contexts(db, world):
    a = make_agreement(db, world, state=S.approved)
    decision = queries.current_approval(db, a)
    sigs = queries.signatures(db, a.id)
    now = clock.now()
    purchase = buy(db, world.course, world.budget, world.users["advisor"])
    return {
        "cooperation_agreement": agreement_context(a, decision=decision, signatures=sigs, now=now, kind="cooperation_agreement"),
        "exemption_assessment": agreement_context(a, decision=decision, signatures=sigs, now=now, kind="exemption_assessment"),
        "procurement_protocol": agreement_context(a, decision=None, signatures=sigs, now=now, kind="procurement_protocol"),
        "order_confirmation": order_context(purchase, agreement=db.get(Agreement, purchase.agreement_id) if purchase.agreement_id else None,
                                            now=now),
    }


def _text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.mark.parametrize("kind", ["cooperation_agreement", "exemption_assessment", "procurement_protocol", "order_confirmation"])
def test_every_template_renders_with_all_its_variables(db, world, kind):
    ctx = _contexts(db, world)[kind]
    assert template_variables(kind, ctx) == set()
    content, template, version = render(kind, ctx)
    text = _text(content)
    assert "{{" not in text and "{%" not in text and version == manifest()[kind]["version"]


def test_the_cooperation_agreement_has_every_obl05_element(db, world):
    ctx = _contexts(db, world)["cooperation_agreement"]
    text = _text(render("cooperation_agreement", ctx)[0])
    for element in OBL05:
        assert element in text, element
    assert "Lærere; Lokaler" in text and "5,0 %" in text and "EXC-HOR-01" in text and "Kilde:" in text


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def test_each_document_converts_to_pdf_with_the_expected_text(db, world, tmp_path):
    soffice, pdftotext = _soffice(), shutil.which("pdftotext")
    need(soffice and pdftotext, "LibreOffice (soffice) and poppler-utils (pdftotext) are needed: apt-get install libreoffice-writer-nogui poppler-utils")
    expected = {
        "cooperation_agreement": ["Samarbeidsavtale", "Felles mål", "EXC-HOR-01", "Testvik kommune"],
        "exemption_assessment": ["Unntaksvurdering", "Kilde:", "OBL-05", "Regelverk lagt til grunn: anskaffelsesloven"],
        "procurement_protocol": ["Anskaffelsesprotokoll", "Regelsett", "Regelverk lagt til grunn: anskaffelsesloven"],
        "order_confirmation": ["Ordrebekreftelse", "Norskkurs A1–A2", "REF-0"],
    }
    for kind, ctx in _contexts(db, world).items():
        path = tmp_path / f"{kind}.docx"
        path.write_bytes(render(kind, ctx)[0])
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                        "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)], check=False, capture_output=True, timeout=120)
        pdf = tmp_path / f"{kind}.pdf"
        assert pdf.exists(), f"LibreOffice made no PDF for {kind}"
        text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        for snippet in expected[kind]:
            assert snippet in text, (kind, snippet)


def test_documents_are_stored_with_template_version_and_hash(db, world):
    import hashlib

    a = make_agreement(db, world)
    docs = documents.generate_for_agreement(db, a, decision=None, actor=Actor(None, None), now=clock.now())
    assert [d.kind for d in docs] == ["cooperation_agreement", "procurement_protocol"] or [d.kind for d in docs][0] == "cooperation_agreement"
    for d in docs:
        assert d.sha256 == hashlib.sha256(d.content).hexdigest() and d.template_version == manifest()[d.kind]["version"]
        assert not d.at_approval


def test_renders_in_a_row_do_not_leak_into_each_other(db, world):
    ctx = _contexts(db, world)["procurement_protocol"]
    first = _text(render("procurement_protocol", {**ctx, "title": "Første avtale"})[0])
    second = _text(render("procurement_protocol", {**ctx, "title": "Andre avtale"})[0])
    assert "Første avtale" in first and "Første avtale" not in second and "Andre avtale" in second
    again = render("procurement_protocol", {**ctx, "title": "Første avtale"})[0]
    assert _text(again) == first
