"""Checks for uploaded files (pure: no request, no database). Today one kind: the signed PDF of an agreement.

A file is accepted only if it parses as a PDF with at least one page (pypdf), not merely because it starts
with ``%PDF`` (``%PDF`` followed by HTML was accepted before), and only up to ``MAX_PDF_BYTES``. Its name is
kept for the download, cleaned first: no folders, no control or direction characters, at most
``MAX_FILENAME_CHARS`` characters, always ending in ``.pdf``.
"""
from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings

from flask_babel import gettext as _

# The same as the request limit (MAX_CONTENT_LENGTH, 5 MiB): a signed agreement is a few hundred kB.
MAX_PDF_BYTES = 5 * 1024 * 1024
MAX_FILENAME_CHARS = 120

log = logging.getLogger(__name__)


def pdf_problem(data: bytes, *, max_bytes: int = MAX_PDF_BYTES) -> str | None:
    """What is wrong with an uploaded PDF, in words for the user, or None when it is a readable PDF."""
    from pypdf import PdfReader

    if len(data) > max_bytes:
        return _("The PDF is too large: at most %(size)s MB.", size=f"{max_bytes / (1024 * 1024):g}")
    if not data.startswith(b"%PDF-"):
        return _("The file is not a PDF.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about small flaws it repairs; only failure counts
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                return _("The PDF is password-protected. Upload a copy without a password.")
            if len(reader.pages) < 1:
                return _("The file is not a PDF.")
    except Exception as exc:  # noqa: BLE001 - untrusted input: any parser failure means "not a PDF we can keep"
        log.info("Refused an uploaded PDF: %s: %s", type(exc).__name__, exc)
        return _("The file is not a readable PDF. Upload the signed agreement as a PDF file.")
    return None


_FOLDERS = re.compile(r"^.*[/\\]")
_SPACES = re.compile(r"\s+")


def clean_filename(name: str | None, *, default: str = "signert.pdf", suffix: str = ".pdf",
                   max_chars: int = MAX_FILENAME_CHARS) -> str:
    """The name to store and offer on download: the last path part, without control characters (Unicode Cc)
    or invisible format characters such as right-to-left overrides (Cf), spaces collapsed, no leading dots,
    at most ``max_chars`` characters, ending in ``suffix``. Letters of any script (æøå, Cyrillic) are kept."""
    text = unicodedata.normalize("NFC", name or "")
    text = _FOLDERS.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    text = _SPACES.sub(" ", text).strip().lstrip(".").strip()
    stem = text[: -len(suffix)] if text.lower().endswith(suffix) else text
    stem = stem.strip()[: max_chars - len(suffix)].rstrip(" .")
    return stem + suffix if stem else default
