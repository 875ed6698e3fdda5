"""The committed Word templates are lean (scripts/make_contract_templates.py, lean()): a render reads and writes
every part of the template, and the order confirmation is rendered inside each purchase confirm."""
from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from contracts_app.documents.rendering import TEMPLATE_DIR, manifest

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FILES = sorted({spec["file"] for spec in manifest().values()})


@pytest.mark.parametrize("filename", FILES)
def test_template_has_no_unused_parts(filename):
    with zipfile.ZipFile(TEMPLATE_DIR / filename) as z:
        names = z.namelist()
        content_types = z.read("[Content_Types].xml").decode()
    dropped = ("word/stylesWithEffects.xml", "docProps/thumbnail.jpeg", "customXml/")
    assert [n for n in names if n.startswith(dropped)] == []
    assert "stylesWithEffects" not in content_types and "customXml" not in content_types


@pytest.mark.parametrize("filename", FILES)
def test_template_keeps_exactly_the_styles_it_needs(filename):
    with zipfile.ZipFile(TEMPLATE_DIR / filename) as z:
        styles = etree.fromstring(z.read("word/styles.xml"))
        document = etree.fromstring(z.read("word/document.xml"))
    defined = {s.get(f"{W}styleId") for s in styles.iter(f"{W}style")}
    used = {e.get(f"{W}val") for tag in ("pStyle", "tblStyle") for e in document.iter(f"{W}{tag}")}
    assert used <= defined and {"Normal", "Heading1", "Title"} <= defined
    assert styles.find(f"{W}latentStyles") is None
    assert len(defined) < 20
