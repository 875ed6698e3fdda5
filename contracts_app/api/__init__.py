"""JSON API, version 1 (``/api/v1``).

Callers authenticate with the same session as the web pages. The blueprint is exempt from the form CSRF
token; instead every state-changing call must send ``Content-Type: application/json``, which a browser will
not send cross-site without a CORS preflight that this app never grants.
"""
from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _require_json_for_writes():
    # Anonymous callers get the view's 401 first; logged-in callers must send JSON to change anything.
    if current_user.is_authenticated and request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.is_json:
        abort(415)


from . import views  # noqa: E402,F401  (registers the routes)
