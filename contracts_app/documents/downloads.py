"""The one way a stored file is sent to the browser: ``send_file`` with ``download_name``, so Werkzeug writes
the RFC 6266 ``Content-Disposition``: an ASCII ``filename`` fallback and ``filename*=UTF-8''…`` for any other
name (Norwegian æøå, Cyrillic). A hand-written header with a raw non-ASCII name made gunicorn answer 500.
``security_headers`` adds ``Cache-Control: no-store``: documents carry participant references."""
from __future__ import annotations

import io

from flask import send_file


def attachment(content: bytes, filename: str, mimetype: str, *, headers: dict[str, str] | None = None):
    response = send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename,
                         conditional=False, etag=False, max_age=None)
    response.headers.update(headers or {})
    return response
