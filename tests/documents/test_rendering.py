"""rendering.render prepares each template once and renders only what depends on the context (its module
docstring): its documents are docxtpl's own, part for part and byte for byte, for every template with realistic
and awkward contexts and for the docxtpl features the templates may use; they open in LibreOffice; a template the
prepared path cannot reproduce is rendered by docxtpl, and no shipped template is."""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from docx import Document
from docxtpl import Listing, RichText

from contracts_app.documents import rendering
from contracts_app.documents.rendering import manifest, render

from ..agreements.test_documents import _contexts, _soffice, _text
from ..support import need

FILES = sorted({spec["file"] for spec in manifest().values()})
AWKWARD = " & <b>\"fet\"</b> 'a' {{ x }} {% if %}\nny linje\tfane"


def _parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def _docxtpl(kind: str, context: dict) -> bytes:
    return rendering._render_docxtpl(rendering._template_bytes(manifest()[kind]["file"]), context)


def _awkward(value):
    """Every text in a context with markup characters, Jinja syntax, a line break and a tab (resolve_listing)."""
    if isinstance(value, str):
        return value + AWKWARD
    if isinstance(value, dict):
        return {k: _awkward(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_awkward(v) for v in value]
    return value


@pytest.mark.parametrize("filename", FILES)
def test_every_shipped_template_takes_the_prepared_path(filename):
    assert rendering.fast_path_refusal(filename) is None


@pytest.mark.parametrize("variant", ["realistic", "awkward"])
def test_each_document_is_docxtpls_own_part_for_part(db, world, variant):
    contexts = _contexts(db, world)
    assert contexts.keys() == manifest().keys()  # every kind of document, each with a realistic context
    for kind, ctx in contexts.items():
        ctx = _awkward(ctx) if variant == "awkward" else ctx
        fast, slow = render(kind, ctx)[0], _docxtpl(kind, ctx)
        assert _parts(fast) == _parts(slow), kind
        assert _text(fast) == _text(slow), kind
        if variant == "awkward":
            assert "<b>\"fet\"</b>" in _text(fast) and "{{ x }}" in _text(fast)


def _feature_template(core_title: str = "") -> bytes:
    """A template with every docxtpl feature a contract template could pick up: header and footer, {%p %}, {%tr %},
    {%tc %} (fix_tables adds grid columns), cellbg, colspan, {{r }} (RichText), Listing."""
    doc = Document()
    doc.core_properties.title = core_title
    section = doc.sections[0]
    section.header.paragraphs[0].text = "Topp {{ head }}"
    section.footer.paragraphs[0].text = "Bunn {{ foot }}{% if flag %} med flagg{% endif %}"
    doc.add_paragraph("Tittel: {{ title }}")
    doc.add_paragraph("{{r rich }}")
    doc.add_paragraph("{{ listing }}")
    doc.add_paragraph("{%p for x in items %}")
    doc.add_paragraph("Punkt {{ x }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    rows = doc.add_table(rows=4, cols=2)
    rows.rows[0].cells[0].text, rows.rows[0].cells[1].text = "Navn", "Verdi"
    rows.rows[1].cells[0].text = "{%tr for r in rows %}"
    rows.rows[2].cells[0].text, rows.rows[2].cells[1].text = "{{ r.name }}", "{% cellbg r.colour %}{{ r.value }}"
    rows.rows[3].cells[0].text = "{%tr endfor %}"
    cols = doc.add_table(rows=2, cols=3)
    cols.rows[0].cells[0].text = "{% colspan span %}Overskrift"
    cols.rows[1].cells[0].text, cols.rows[1].cells[1].text, cols.rows[1].cells[2].text = "{%tc for c in cols %}", "{{ c }}", "{%tc endfor %}"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


FEATURE_CONTEXT = {
    "head": "Hode & <topp>", "foot": "Fot", "flag": True, "title": "Avtale «Fjordvik»", "rich": RichText("fet", bold=True),
    "listing": Listing("linje 1\nlinje 2\tfane\fny side"), "items": ["én", "to & tre"],
    "rows": [{"name": "A", "value": "1", "colour": "FF0000"}, {"name": "B", "value": "2", "colour": "00FF00"}],
    "span": 3, "cols": ["x", "y", "z", "w"],
}


def test_every_docxtpl_feature_renders_as_docxtpl_renders_it():
    data = _feature_template()
    prepared = rendering._prepared("features.docx", data)
    assert isinstance(prepared, rendering._Prepared)
    assert {"word/document.xml", "word/header1.xml", "word/footer1.xml"} <= prepared.rendered.keys()
    fast, slow = rendering._render_bytes("features.docx", data, FEATURE_CONTEXT), rendering._render_docxtpl(data, FEATURE_CONTEXT)
    assert _parts(fast) == _parts(slow)
    doc = Document(io.BytesIO(fast))
    assert doc.sections[0].header.paragraphs[0].text == "Topp Hode & <topp>"
    assert doc.sections[0].footer.paragraphs[0].text == "Bunn Fot med flagg"
    assert [c.text for c in doc.tables[1].rows[1].cells] == ["x", "y", "z", "w"]  # fix_tables: four grid columns
    assert "Punkt to & tre" in _text(fast) and "Avtale «Fjordvik»" in _text(fast)


def test_a_template_the_prepared_path_cannot_reproduce_is_rendered_by_docxtpl():
    data = _feature_template(core_title="{{ title }}")  # docxtpl renders core properties with the context
    refusal = rendering._prepared("jinja-title.docx", data)
    assert isinstance(refusal, str) and "core property title" in refusal
    fast = rendering._render_bytes("jinja-title.docx", data, FEATURE_CONTEXT)
    assert _parts(fast) == _parts(rendering._render_docxtpl(data, FEATURE_CONTEXT))
    assert Document(io.BytesIO(fast)).core_properties.title == "Avtale «Fjordvik»"


def test_renders_from_several_threads_are_the_same_as_one_by_one(db, world):
    contexts = _contexts(db, world)
    jobs = [(kind, {**ctx, "title": f"Avtale {i}"}) for i in range(6) for kind, ctx in contexts.items()]
    expected = [_parts(render(kind, ctx)[0]) for kind, ctx in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda job: _parts(render(*job)[0]), jobs))
    assert got == expected


def test_the_documents_open_in_libreoffice(db, world, tmp_path):
    soffice = _soffice()
    pdftotext = shutil.which("pdftotext")
    need(soffice and pdftotext, "LibreOffice (soffice) and poppler-utils (pdftotext) are needed: apt-get install libreoffice-writer-nogui poppler-utils")
    paths = []
    for kind, ctx in _contexts(db, world).items():
        for variant, context in (("plain", ctx), ("awkward", _awkward(ctx))):
            path = tmp_path / f"{kind}-{variant}.docx"
            path.write_bytes(render(kind, context)[0])
            paths.append(path)
    features = tmp_path / "features.docx"
    features.write_bytes(rendering._render_bytes("features.docx", _feature_template(), FEATURE_CONTEXT))
    paths.append(features)
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, paths)], check=False, capture_output=True, timeout=240)
    for path in paths:  # soffice exits 0 even when it fails: the PDF and its text are the check
        pdf = path.with_suffix(".pdf")
        assert pdf.exists(), f"LibreOffice made no PDF of {path.name}"
        text = " ".join(subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True).stdout.split())
        words = [" ".join(p.text.split()[:3]) for p in Document(path).paragraphs[:2]]  # the title and the line after
        assert all(w and w in text for w in words), (path.name, words)
