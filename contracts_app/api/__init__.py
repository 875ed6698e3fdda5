"""JSON API, version 1 (``/api/v1``), and the pages about it (token pages, ``/api/docs``).

Callers authenticate with an API token (``Authorization: Bearer …``, ``tokens.py``) or with the same session
as the web pages. The blueprint is exempt from the form CSRF token; instead every state-changing call must
send ``Content-Type: application/json``, which a browser will not send cross-site without a CORS preflight
that this app never grants (checked by ``@operation`` after the access check).
"""
from __future__ import annotations

from . import views_agreements, views_budget, views_capacity, views_catalogue, views_ocds, views_purchases  # noqa: F401 - their routes
from .pages import pages_bp  # noqa: F401 - the token pages and /api/docs: ordinary pages (CSRF, HTML errors)
from .views import bp  # noqa: F401 - the blueprint, with its routes
