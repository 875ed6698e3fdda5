"""The request boundary: what the app refuses before a view or the database sees it.

- ``<int:...>`` in every route is :class:`BoundedIntConverter`: an id outside 1 … ``ID_MAX`` is a 404, not an
  OverflowError from the database driver (a PostgreSQL ``integer`` holds at most 2³¹ − 1).
- Control characters (NUL, ESC …; PostgreSQL refuses NUL with an error) are refused once for every form: a
  field error on the field (tab, newline and carriage return stay allowed in text areas), and with 400 for a
  query string (no list or search page takes them).
- JSON bodies are read with :func:`load_json`: size and nesting depth checked before parsing, so a deeply
  nested document is a 422 with a message, never a RecursionError.

Redirect targets taken from the request are checked by ``web.safe_redirect_target``; page numbers by
``pagination.page_arg``.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter, ValidationError
from wtforms import TextAreaField
from wtforms.validators import StopValidation

#: The largest id a URL may name (PostgreSQL ``integer``).
ID_MAX = 2**31 - 1
#: Nesting of objects and arrays a JSON body may have (a facts document needs fewer than ten).
JSON_MAX_DEPTH = 32

#: Control characters (Unicode category Cc): C0, DEL and C1.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: The same, but tab, newline and carriage return, which a text area may hold.
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` with bounds: 1 … ``ID_MAX`` unless the route says otherwise (``<int(max=9):n>``)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = ID_MAX, signed: bool = False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> Any:
        if len(value.lstrip("-").lstrip("0")) > len(str(self.max if self.max is not None else ID_MAX)):
            raise ValidationError()  # too many digits to be in range; never parse thousands of them
        return super().to_python(value)


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    return bool((CONTROL_IN_TEXT if multiline else CONTROL).search(value))


_MESSAGE = _l("Contains characters that are not allowed (control characters).")


def no_control_characters(form, field) -> None:
    """A validator every text field gets first (``formbase``): one message, and no other for that field."""
    values = field.raw_data or []
    multiline = isinstance(field, TextAreaField)
    if any(isinstance(v, str) and has_control_characters(v, multiline=multiline) for v in values):
        field.errors[:] = []  # the one message that matters
        raise StopValidation(str(_MESSAGE))  # plain text: views join messages


def _refuse_control_characters_in_query_string() -> None:
    for key, values in request.args.lists():
        if has_control_characters(key) or any(has_control_characters(v) for v in values):
            abort(400, description=str(_l("The address contains characters that are not allowed (control characters).")))


class JSONRefused(ValueError):
    """The body is not JSON the app will read; ``message`` / ``message_en`` say why."""

    def __init__(self, message: str, message_en: str, *, syntax: bool = False):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en
        self.syntax = syntax  # not JSON at all (rather than too large, too deep or with control characters)


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(raw: bytes) -> int:
    """How deeply objects and arrays nest in ``raw``, counted without parsing (strings skipped)."""
    depth = deepest = 0
    for byte in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _strings_with_control_characters(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_control_characters(item, multiline=True):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def load_json(raw: bytes | str, *, max_bytes: int, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """Parse a JSON body after checking its size and nesting; strings may not hold control characters
    (except tab, newline and carriage return). Raises :class:`JSONRefused`."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > max_bytes:
        raise JSONRefused(f"Dokumentet er for stort (høyst {max_bytes:,} byte).".replace(",", "\u00a0"),
                          f"The document is too large (at most {max_bytes:,} bytes).")
    if json_depth(raw) > max_depth:
        raise JSONRefused(f"Dokumentet er nøstet for dypt (høyst {max_depth} nivåer med objekter og lister).",
                          f"The document is nested too deeply (at most {max_depth} levels of objects and arrays).")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise JSONRefused("Innholdet er ikke gyldig JSON.", "The body is not valid JSON.", syntax=True) from None
    if _strings_with_control_characters(doc):
        raise JSONRefused("Dokumentet inneholder kontrolltegn som ikke er tillatt.",
                          "The document contains control characters that are not allowed.")
    return doc


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_refuse_control_characters_in_query_string)
