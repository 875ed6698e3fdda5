"""RFC 9457 problem details (``application/problem+json``) for every error of ``/api/v1``.

A problem has ``type`` (a URI naming the kind of problem, documented on ``/api/docs``), ``title`` (the
status's short text), ``status``, ``detail`` (what happened, in the caller's language) and, for invalid
input, ``errors``: one entry per invalid field with ``detail`` and either ``pointer`` (a JSON Pointer, RFC
6901, into the request body: ``/participants/0/reference``) or ``parameter`` (the name of a query parameter
or header). 401 carries ``WWW-Authenticate: Bearer``; 429 carries ``Retry-After``.
"""
from __future__ import annotations

import json
import re

from flask import Response, request
from flask_babel import gettext as _

from ..errors import DomainError, _explanation, _title

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/api/docs#problem-"

#: status → the problem type's slug (``/api/docs#problem-<slug>``)
TYPES = {
    400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    406: "not-acceptable", 409: "conflict", 412: "precondition-failed", 413: "too-large", 415: "unsupported-media-type",
    422: "invalid-input", 429: "rate-limited", 500: "server-error",
}

_LIST_PATH = re.compile(r"\[(\d+)\]")


def pointer(path: str) -> str:
    """A service's field path (``participants[0].reference``) as a JSON Pointer (``/participants/0/reference``)."""
    if not path:
        return ""
    parts = _LIST_PATH.sub(r".\1", path).split(".")
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts if p != "")


def problem(status: int, detail: str | None = None, *, errors: list[dict] | None = None, type_: str | None = None,
            headers: dict | None = None, **extra) -> Response:
    body = {
        "type": TYPE_BASE + (type_ or TYPES.get(status, "error")),
        "title": _title(status) if status != 401 else _("Authentication required"),
        "status": status,
        "detail": detail or (_explanation(status) if status != 401 else _("Send a valid API token as “Authorization: Bearer …”, or log in.")),
    }
    if request:
        body["instance"] = request.path
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(errors: list[dict], *, where: str = "body") -> list[dict]:
    """A service's ``[{"path", "message"}]`` as problem entries."""
    out = []
    for e in errors:
        path = e.get("path", "")
        if where == "body":
            out.append({"pointer": pointer(path), "detail": e["message"]})
        else:
            out.append({"parameter": path, "detail": e["message"]})
    return out


def from_domain_error(exc: DomainError) -> Response:
    return problem(exc.status, exc.message, errors=field_errors(exc.errors) if exc.errors else None)


def _ctx(err: dict, name: str):
    return (err.get("ctx") or {}).get(name)


def _message(err: dict) -> str:
    """pydantic's error as a message in the caller's language."""
    kind = err.get("type", "")
    if kind == "missing":
        return _("Required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(n)s.", n=_ctx(err, "ge") if _ctx(err, "ge") is not None else _ctx(err, "gt"))
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(n)s.", n=_ctx(err, "le") if _ctx(err, "le") is not None else _ctx(err, "lt"))
    if kind == "string_too_long":
        return _("At most %(n)s characters.", n=_ctx(err, "max_length"))
    if kind == "string_too_short":
        return _("At least %(n)s characters.", n=_ctx(err, "min_length"))
    if kind == "too_long":
        return _("At most %(n)s items.", n=_ctx(err, "max_length"))
    if kind in ("literal_error", "enum"):
        return _("Not one of the allowed values: %(values)s.", values=_ctx(err, "expected") or "")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("Not a valid date (YYYY-MM-DD).")
    if kind.startswith("int") or kind.startswith("decimal") or kind.startswith("float") or kind == "decimal_max_places":
        return _("Not a valid number.")
    if kind.startswith("bool"):
        return _("Must be true or false.")
    if kind == "string_pattern_mismatch":
        return _("Not in the expected form.")
    if kind.startswith("string"):
        return _("Must be text.")
    if kind.startswith("list"):
        return _("Must be a list.")
    if kind.startswith("model") or kind.startswith("dict"):
        return _("Must be an object.")
    return _("Invalid value.")


def validation_errors(exc, *, where: str = "body") -> list[dict]:
    """pydantic's ``ValidationError`` as problem entries (one per field; the first message wins)."""
    out, seen = [], set()
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in err.get("loc", ())]
        if where == "body":
            key = "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in loc) if loc else ""
            entry = {"pointer": key, "detail": _message(err)}
        else:
            key = loc[0] if loc else ""
            entry = {"parameter": key, "detail": _message(err)}
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out
