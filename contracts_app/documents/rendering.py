"""Filling a Word template from ``contract_templates/`` with docxtpl, through its public API only.

A render opens a fresh :class:`DocxTemplate` on the template's bytes, renders and saves it: nothing of docxtpl's
or python-docx's state is kept between renders, so renders cannot leak into each other and any thread may render.
Kept per process: the template bytes, the manifest (``templates.json``: file and version of each kind) and, in
the Jinja environment handed to docxtpl, the compiled Jinja templates (see :class:`_CompileOnce`).
"""
from __future__ import annotations

import io
import json
from functools import lru_cache
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import Environment

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
    share between threads. Without this the documents fall below their floor (docs/architecture.md)."""

    def __init__(self) -> None:
        super().__init__(autoescape=True)
        self._compiled = lru_cache(maxsize=64)(super().from_string)

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 - Jinja's signature
        if globals is None and template_class is None:
            return self._compiled(source)
        return super().from_string(source, globals, template_class)


_JINJA = _CompileOnce()


def _template(kind: str) -> tuple[DocxTemplate, dict[str, str]]:
    spec = manifest()[kind]
    return DocxTemplate(io.BytesIO(_template_bytes(spec["file"]))), spec


def render(kind: str, context: dict[str, Any]) -> tuple[bytes, str, str]:
    """Fill the template of ``kind``: (docx bytes, template file name, template version)."""
    tpl, spec = _template(kind)
    tpl.render(context, jinja_env=_JINJA)  # autoescaped: the environment escapes
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue(), spec["file"], spec["version"]


def template_variables(kind: str, context: dict[str, Any]) -> set[str]:
    """Variables the template uses that ``context`` does not supply (empty when complete)."""
    tpl, _spec = _template(kind)
    return set(tpl.get_undeclared_template_variables(context=context))
