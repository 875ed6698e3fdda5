"""JSON API, version 1 (``/api/v1``).

Callers authenticate with the same session as the web pages. The blueprint is exempt from the form CSRF
token; instead every state-changing call must send ``Content-Type: application/json``, which a browser will
not send cross-site without a CORS preflight that this app never grants.
"""
from __future__ import annotations

from .views import bp  # noqa: F401 - the blueprint, with its routes
