"""API routes. Each declares its access like the HTML views do."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..auth import permissions as perm
from ..boundary import JSONRefused, load_json
from ..auth.access import current_principal, requires

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _require_json_for_writes():
    # Anonymous callers get the view's 401 first; logged-in callers must send JSON to change anything.
    if current_user.is_authenticated and request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.is_json:
        abort(415)


@bp.get("/me")
@requires(perm.authenticated)
def me():
    p = current_principal()
    return jsonify(user_id=p.user_id, unit_id=p.unit_id, roles=sorted(r.value for r in p.roles))


@bp.post("/rules/evaluate")
@requires(perm.authenticated)
def rules_evaluate():
    """Assess facts (rules-engine-contract.md).

    200 with the assessment, or for a batch ``{"results": [...]}`` with an assessment or that case's own
    ``{"errors": [...]}`` per case (also when every case is invalid); 422 with ``errors`` for a malformed
    document or one invalid facts object; 413 with ``errors`` (path ``cases``) for a batch of more than
    ``RULES_BATCH_MAX_CASES`` cases, or (path ``""``) for a body above ``RULES_BATCH_MAX_BYTES``.
    """
    from ..db import get_session
    from ..rulecheck.services import current_table
    from ..rules import evaluate_document

    cfg = current_app.config
    request.max_content_length = cfg["RULES_BATCH_MAX_BYTES"]  # instead of MAX_CONTENT_LENGTH, for batches
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        size = _mb(cfg["RULES_BATCH_MAX_BYTES"])
        return jsonify(errors=[{
            "path": "",
            "message": f"Forespørselen er for stor (høyst {size} MB). Del samlingen opp, eller bruk kommandolinjen "
                       "(flask rules evaluate), som ikke har noen grense.",
            "message_en": f"The request is too large (at most {size} MB). Split the batch, or use the command line "
                          "(flask rules evaluate), which has no limit.",
        }]), 413
    try:  # size and nesting checked before parsing: a deeply nested body is a 422, never a RecursionError
        doc = load_json(raw, max_bytes=cfg["RULES_BATCH_MAX_BYTES"])
    except JSONRefused as exc:
        return jsonify(errors=[{"path": "", "message": exc.message, "message_en": exc.message_en}]), 422
    limit = cfg["RULES_BATCH_MAX_CASES"]
    if isinstance(doc, dict) and isinstance(doc.get("cases"), list) and len(doc["cases"]) > limit:
        count = len(doc["cases"])
        return jsonify(errors=[{
            "path": "cases",
            "message": f"En samling kan ha høyst {_nb(limit)} saker over API-et; denne har {_nb(count)}. Del den opp, "
                       "eller bruk kommandolinjen (flask rules evaluate), som ikke har noen grense.",
            "message_en": f"A batch may hold at most {limit:,} cases on the API; this one has {count:,}. Split it, or use "
                          "the command line (flask rules evaluate), which has no limit.",
        }]), 413
    code, body = evaluate_document(doc, current_table(get_session()))
    # A batch is answered case by case (200 even when every case is invalid); only a malformed document or
    # one invalid facts object is 422.
    return jsonify(body), (200 if code == 0 or "results" in body else 422)


def _nb(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")  # Norwegian digit grouping: 10 000


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
