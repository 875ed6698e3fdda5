"""API routes. Each declares its access like the HTML views do."""
from __future__ import annotations

from flask import jsonify, request

from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from . import bp


@bp.get("/me")
@requires(perm.authenticated)
def me():
    p = current_principal()
    return jsonify(user_id=p.user_id, unit_id=p.unit_id, roles=sorted(r.value for r in p.roles))


@bp.post("/rules/evaluate")
@requires(perm.authenticated)
def rules_evaluate():
    """Assess facts (rules-engine-contract.md): 200 with the assessment, 422 with ``errors`` for bad input."""
    from ..db import get_session
    from ..rulecheck.services import current_table
    from ..rules import evaluate_document

    doc = request.get_json(silent=True)
    if doc is None:
        return jsonify(errors=[{"path": "", "message": "the body is not valid JSON"}]), 422
    code, body = evaluate_document(doc, current_table(get_session()))
    return jsonify(body), (200 if code == 0 else 422)
