"""Filling a Word template from ``contract_templates/``: docxtpl's render, with the work that does not depend on
the context done once per template.

``DocxTemplate.render`` + ``save`` (docxtpl 0.20.2) does per render, for every document:

1. opens the package with python-docx (parses every XML part);
2. serialises the document body and runs ``patch_xml`` on it (~100 regular-expression passes that turn
   ``{%tr …%}``, ``{%p …%}``, ``{{r …}}``, colspan/cellbg/vm/hm … into plain Jinja), puts a newline before each
   ``<w:p`` and compiles the result with Jinja;
3. renders it with the context, takes those newlines out again, un-escapes ``{_{`` … and resolves Listing
   characters (``\\t``, ``\\a``, ``\\n``, ``\\f`` → tabs, paragraphs, line and page breaks: ``resolve_listing``);
4. parses the result (``fix_tables``: grid columns to match the cells), renumbers ``wp:docPr`` ids from 1001 and
   puts the new body into the document element;
5. the same as 2–3 for every header and footer the document part relates to (re-parsed as a new part);
6. renders the core properties (author, comments, identifier, language, subject, title) as Jinja templates and
   the footnotes part(s) as in 2–3;
7. saves the package: every part serialised again and deflated.

Steps 1, 2 (all but the context), 5's preparation, 6 for properties without Jinja syntax, and 7 for every part
that is not rendered depend on the template alone. :func:`_prepare` does them once per template (keyed by file
name and bytes), through docxtpl's and python-docx's own code: it opens the template with python-docx, renders the
core properties (they hold no Jinja syntax, so the result is the same for every context), saves the package once
— the bytes python-docx writes for every part a render does not change, deflated once into a prepared zip — and
keeps for the body and each header/footer docxtpl's own ``patch_xml`` output (with step 2's newlines), compiled in
the same Jinja environment. A render then does only the context-dependent steps, with docxtpl's own functions
where docxtpl has one (``patch_xml``, ``fix_tables`` and ``resolve_listing`` use nothing of their instance):

* 3: the Jinja render, the newlines out, ``{_{`` …, and ``resolve_listing`` only when the output holds one of
  its characters (without them it returns its input unchanged);
* 4: ``fix_tables``, the docPr ids, and the body between the document element's start and end tags as
  python-docx serialises the part (:func:`_document_xml`: byte for byte what docxtpl's ``map_tree`` + save give);
* 5: each header/footer rendered the same way, parsed with python-docx's parser settings and serialised as
  python-docx serialises a part;
* 7: the rendered parts appended to a copy of the prepared zip (zipfile's append mode: only they are deflated).
  The unchanged parts keep python-docx's order and the rendered ones follow them; the order of a package's parts
  carries no meaning (they are found through ``[Content_Types].xml`` and the relationships).

So the output is docxtpl's: tests/documents/test_rendering.py compares every part of every template's output,
byte for byte, with docxtpl's own render of the same context (a realistic one and one full of markup characters,
Jinja syntax, line breaks and tabs) and of a template with every docxtpl feature (headers, footers, {%p %},
{%tr %}, {%tc %}, cellbg, colspan, RichText, Listing), compares their text, and opens the output in
LibreOffice. What the prepared path does not reproduce makes :func:`_prepare` refuse the template, which is then
rendered by docxtpl itself (:func:`_render_docxtpl`: the same documents, at the old cost) — and the test that
asserts every shipped template takes the prepared path fails: a footnotes part (docxtpl renders it once per
section), a core property with Jinja syntax, a document element that is not ``w:document > w:body``. Context
objects that need the ``DocxTemplate`` (``InlineImage``, ``Subdoc``, ``RichText`` hyperlinks) cannot be built
for :func:`render`, which never hands its template out — as before; ``RichText`` and ``Listing`` are markup and
work on both paths. After a docxtpl upgrade the comparison tests say whether this still holds.

Kept per process: the template bytes, the manifest (``templates.json``: file and version of each kind), the
prepared templates (immutable; any thread may render) and, for the docxtpl path and :func:`template_variables`,
the compiled Jinja templates (see :class:`_CompileOnce`).
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from docx import Document
from docx.oxml.ns import nsmap as _DOCX_NSMAP
from docxtpl import DocxTemplate
from jinja2 import Environment, Template
from lxml import etree

from ..config import PROJECT_ROOT

TEMPLATE_DIR = PROJECT_ROOT / "contract_templates"


@lru_cache(maxsize=1)
def _manifest_text() -> str:
    return (TEMPLATE_DIR / "templates.json").read_text(encoding="utf-8")


def manifest() -> dict[str, dict[str, str]]:
    """kind → {"file", "version", "title"} (a fresh copy: callers may change it)."""
    return json.loads(_manifest_text())


@lru_cache(maxsize=None)
def _template_bytes(filename: str) -> bytes:
    return (TEMPLATE_DIR / filename).read_bytes()


class _CompileOnce(Environment):
    """A Jinja environment that compiles each template source once.

    docxtpl compiles the document's XML through ``jinja_env.from_string`` on every render, a third of a render's
    time, and the XML of a template is the same every time. Compiled Jinja templates are immutable and safe to
    share between threads."""

    def __init__(self) -> None:
        super().__init__(autoescape=True)
        self._compiled = lru_cache(maxsize=64)(super().from_string)

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 - Jinja's signature
        if globals is None and template_class is None:
            return self._compiled(source)
        return super().from_string(source, globals, template_class)


_JINJA = _CompileOnce()

# docxtpl's properties rendered as Jinja (DocxTemplate.render_properties) and its part kinds.
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_JINJA_SYNTAX = re.compile(r"\{[{%#]")
_LISTING_CHARS = re.compile("[\t\a\n\f]")
# python-docx parses parts with this parser's settings (docx.oxml.parser.oxml_parser); fix_tables uses recover=True.
_PART_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
_W_BODY = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}body"


class UnsupportedTemplate(Exception):
    """The template uses something the prepared path does not reproduce; docxtpl renders it."""


@dataclass(frozen=True)
class _RenderedPart:
    template: Template  # docxtpl's patch_xml output with its newlines before <w:p, compiled
    body: bool  # the document body (put into document_xml's element) or a whole header/footer part


@dataclass(frozen=True)
class _Prepared:
    package: bytes  # a zip of every part a render does not change, as python-docx saves them, in its order
    rendered: dict[str, _RenderedPart]  # member name → what renders it (appended to the package per render)
    document_xml: tuple[bytes, bytes | None, bytes]  # word/document.xml as saved: before the body, the body's
    # start tag when serialised on its own (its namespace declarations; None: not only those), after the body


def _patched(xml: str) -> Template:
    """docxtpl's steps 2 (DocxTemplate.patch_xml, render_xml_part's newlines) compiled in the render environment."""
    src = DocxTemplate.patch_xml(None, xml)  # pure: uses nothing of the instance
    return _JINJA.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", src))


@lru_cache(maxsize=16)
def _prepared(filename: str, data: bytes) -> _Prepared | str:
    """The template prepared, or why it is not (the reason is cached too: a refused template is not tried again)."""
    try:
        return _prepare(filename, data)
    except UnsupportedTemplate as exc:
        return str(exc)


def _prepare(filename: str, data: bytes) -> _Prepared:
    """Everything about the template that does not depend on the context (module docstring)."""
    doc = Document(io.BytesIO(data))
    if any(part.content_type == _FOOTNOTES for part in doc.part.package.iter_parts()):
        raise UnsupportedTemplate(f"{filename}: footnotes")
    props = doc.core_properties
    for name in _PROPERTIES:
        value = getattr(props, name)
        if _JINJA_SYNTAX.search(value):
            raise UnsupportedTemplate(f"{filename}: Jinja in the core property {name}")
        setattr(props, name, _JINJA.from_string(value).render())  # what render_properties writes, context-free

    body_name = doc.part.partname.membername
    body_xml = etree.tostring(doc.element.body, encoding="unicode")  # DocxTemplate.get_xml
    body_open = body_xml[:body_xml.index(">") + 1]  # only namespace declarations, or the shortcut is not taken:
    body_open = body_open.encode("utf-8") if re.fullmatch(r'<w:body(?: xmlns:\w+="[^"]*")*>', body_open) else None
    rendered = {body_name: _RenderedPart(_patched(body_xml), True)}
    for rel in doc.part.rels.values():  # DocxTemplate.get_headers_footers
        if rel.reltype in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI) and not rel.is_external and rel.target_part.blob:
            xml = etree.tostring(etree.fromstring(rel.target_part.blob, _PART_PARSER), encoding="unicode")
            rendered[rel.target_part.partname.membername] = _RenderedPart(_patched(xml), False)

    saved = io.BytesIO()
    doc.save(saved)  # python-docx's bytes for every part a render leaves as it is
    package = io.BytesIO()
    with zipfile.ZipFile(saved) as z, zipfile.ZipFile(package, "w", compression=zipfile.ZIP_DEFLATED) as out:
        missing = rendered.keys() - set(z.namelist())
        if missing:
            raise UnsupportedTemplate(f"{filename}: parts not saved: {sorted(missing)}")
        for info in z.infolist():
            if info.filename not in rendered:
                out.writestr(info, z.read(info))
        root = etree.fromstring(z.read(body_name), _PART_PARSER)
    bodies = root.findall(_W_BODY)
    if len(bodies) != 1:
        raise UnsupportedTemplate(f"{filename}: {len(bodies)} bodies")
    root.replace(bodies[0], etree.Element(_W_BODY))
    head, sep, tail = etree.tostring(root, encoding="UTF-8", standalone=True).partition(b"<w:body/>")
    if not sep or sep in tail:
        raise UnsupportedTemplate(f"{filename}: the document element is not w:document > w:body")
    return _Prepared(package.getvalue(), rendered, (head, body_open, tail))


def _render_part(part: _RenderedPart, context: dict[str, Any]) -> str:
    """docxtpl's step 3 (DocxTemplate.render_xml_part after the Jinja compile)."""
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", part.template.render(context))
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    if _LISTING_CHARS.search(xml):  # resolve_listing changes only these characters
        xml = DocxTemplate.resolve_listing(None, xml)  # pure: uses nothing of the instance
    return xml


def _document_xml(prepared: _Prepared, body_xml: str) -> bytes:
    """docxtpl's step 4 and python-docx's serialisation of the document part. docxtpl puts the parsed body into the
    document element, where lxml drops the body's namespace declarations that the document element already makes
    (the body serialised on its own declares every namespace in scope, and nothing else). The rendered body starts
    with the template body's own start tag (patch_xml leaves it alone), so that start tag becomes the bare
    ``<w:body>`` the document element serialises — byte for byte docxtpl's document.xml, without parsing and
    serialising the document element. A body that starts otherwise is put into a parsed document element, as
    docxtpl does."""
    tree = DocxTemplate.fix_tables(None, body_xml)  # pure: uses nothing of the instance
    for i, elt in enumerate(tree.xpath("//wp:docPr", namespaces=_DOCX_NSMAP), start=1001):  # fix_docpr_ids
        elt.attrib["id"] = str(i)
    body = etree.tostring(tree, encoding="UTF-8")
    head, body_open, tail = prepared.document_xml
    if body_open is not None and body.startswith(body_open):
        return head + b"<w:body>" + body[len(body_open):] + tail
    root = etree.fromstring(head + b"<w:body/>" + tail, _PART_PARSER)
    root.replace(root.find(_W_BODY), tree)
    return etree.tostring(root, encoding="UTF-8", standalone=True)


def _render_prepared(prepared: _Prepared, context: dict[str, Any]) -> bytes:
    """The prepared package (every part a render does not change, already deflated) with the rendered parts
    appended: the zip's own append mode, so that only the rendered parts are compressed."""
    out = io.BytesIO(prepared.package)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as z:  # as python-docx writes a package
        for name, part in prepared.rendered.items():
            xml = _render_part(part, context)
            if part.body:
                blob = _document_xml(prepared, xml)
            else:  # a header/footer: re-parsed as a new part (map_headers_footers_xml) and serialised
                blob = etree.tostring(etree.fromstring(xml.encode("utf-8"), _PART_PARSER), encoding="UTF-8", standalone=True)
            z.writestr(name, blob)
    return out.getvalue()


def _render_docxtpl(data: bytes, context: dict[str, Any]) -> bytes:
    """docxtpl's own render and save, for a template :func:`_prepare` refuses (and for the tests to compare)."""
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.render(context, jinja_env=_JINJA)  # autoescaped: the environment escapes
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def fast_path_refusal(filename: str) -> str | None:
    """Why the template ``filename`` is rendered by docxtpl itself, or None when it takes the prepared path."""
    prepared = _prepared(filename, _template_bytes(filename))
    return prepared if isinstance(prepared, str) else None


def render(kind: str, context: dict[str, Any]) -> tuple[bytes, str, str]:
    """Fill the template of ``kind``: (docx bytes, template file name, template version)."""
    spec = manifest()[kind]
    return _render_bytes(spec["file"], _template_bytes(spec["file"]), context), spec["file"], spec["version"]


def _render_bytes(filename: str, data: bytes, context: dict[str, Any]) -> bytes:
    """The template ``data`` (named ``filename``) filled: prepared when it can be, by docxtpl when not."""
    prepared = _prepared(filename, data)
    if isinstance(prepared, str):
        return _render_docxtpl(data, context)
    return _render_prepared(prepared, context)


def template_variables(kind: str, context: dict[str, Any]) -> set[str]:
    """Variables the template uses that ``context`` does not supply (empty when complete)."""
    tpl = DocxTemplate(io.BytesIO(_template_bytes(manifest()[kind]["file"])))
    return set(tpl.get_undeclared_template_variables(context=context))
