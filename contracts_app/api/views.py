"""API routes. Each declares its access like the HTML views do."""
from __future__ import annotations

from flask import jsonify

from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from . import bp


@bp.get("/me")
@requires(perm.authenticated)
def me():
    p = current_principal()
    return jsonify(user_id=p.user_id, unit_id=p.unit_id, roles=sorted(r.value for r in p.roles))
