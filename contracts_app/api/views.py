"""``/api/v1``: the blueprint, who is calling (a token or a browser session), the per-token rate limit,
problem details for every error, and the shared handler steps (query, body, detail with ETag, idempotent
write). The endpoints live in ``views_*.py``; each declares its access with ``@requires`` like the pages and
its shape with ``@operation`` (``openapi.py``).
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Callable

from flask import Blueprint, Response, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from .. import audit, clock
from ..auth import permissions as perm
from ..auth.access import current_principal, public, requires
from ..boundary import JSONRefused, load_json
from ..db import get_session
from ..errors import DomainError
from . import idempotency, tokens
from .openapi import operation
from .problems import TYPES, from_domain_error, problem, validation_errors

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")



class ApiProblem(Exception):
    """Raised by the handler steps below: answered with :func:`problem`."""

    def __init__(self, status: int, detail: str | None = None, **kw):
        super().__init__(detail)
        self.status, self.detail, self.kw = status, detail, kw


# --- who is calling -------------------------------------------------------------------------------------

def current_token():
    return g.get("api_token")


@bp.before_request
def _authenticate_token():
    """``Authorization: Bearer <token>`` makes the token's principal (``tokens.py``) this request's principal;
    without the header the browser session (if any) is used, as before. Every call of a token is counted."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return problem(401, _("Use “Authorization: Bearer <token>”."))
    session, now = get_session(), clock.now()
    try:
        token, user, principal = tokens.authenticate(session, value.strip(), now=now)
    except tokens.TokenRefused:
        session.rollback()
        return problem(401, _("The API token is not valid: it is unknown, revoked or expired."))
    cfg = current_app.config
    wait = tokens.count_call(session, token.id, now=now, limit=cfg["API_RATE_LIMIT"],
                             window_seconds=cfg["API_RATE_WINDOW_SECONDS"])
    if wait is not None:
        return problem(429, _("Too many calls with this token. Wait %(n)d seconds and try again.", n=wait),
                       headers={"Retry-After": str(wait)})
    g.api_token = token
    g._login_user = user  # Flask-Login's user of this request only; no session cookie is read or written
    request._contracts_principal = principal  # what auth.access.current_principal returns for this request
    return None


def check_call(scope: str, write: bool) -> Response | None:
    """What ``@operation`` checks after ``@requires``: the token's scope, and JSON for writes (a browser
    will not send ``Content-Type: application/json`` cross-site without a preflight this app never grants)."""
    token = current_token()
    if token is not None and scope and scope not in token.scope_set:
        return problem(403, _("The API token does not have the scope “%(scope)s”.", scope=scope), type_="insufficient-scope")
    if write and not request.is_json:
        return problem(415, _("Send the body as JSON (Content-Type: application/json)."))
    return None


def caller_key() -> str:
    token = current_token()
    return f"token:{token.id}" if token is not None else f"user:{current_user.id}"


# --- errors as problem details ------------------------------------------------------------------------------

@bp.errorhandler(ApiProblem)
def _api_problem(exc: ApiProblem):
    return problem(exc.status, exc.detail, **exc.kw)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    get_session().rollback()
    return from_domain_error(exc)


def _http_error(exc: HTTPException):
    status = exc.code or 500
    if status == 413:
        limit = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
        return problem(413, _("The file or form you sent is too large: at most %(size)s MB is accepted.", size=f"{limit / (1024 * 1024):g}"))
    return problem(status, exc.description if status == 400 else None)


for _code in TYPES:
    if _code != 500:
        bp.register_error_handler(_code, _http_error)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):  # pragma: no cover - a bug, not input
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("Unhandled error on %s %s", request.method, request.path)
    try:
        get_session().rollback()
    except Exception:  # noqa: BLE001 - the original error matters more
        log.exception("Rollback after an unhandled error failed")
    return problem(500)


# --- handler steps --------------------------------------------------------------------------------------------

def parse_query(model: type[BaseModel]):
    try:
        return model.model_validate({k: request.args.get(k) for k in request.args})
    except ValidationError as exc:
        raise ApiProblem(422, _("Some of the query parameters could not be accepted."),
                         errors=validation_errors(exc, where="query")) from None


def parse_body(model: type[BaseModel]):
    """(validated model, the parsed JSON document). Size and nesting are checked before parsing (boundary)."""
    raw = request.get_data(cache=True)
    try:
        doc = load_json(raw, max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    except JSONRefused as exc:
        raise ApiProblem(422, exc.message, errors=[{"pointer": "", "detail": exc.message}]) from None
    try:
        return model.model_validate(doc), doc
    except ValidationError as exc:
        raise ApiProblem(422, _("Some of the input could not be accepted."), errors=validation_errors(exc)) from None


def json_response(payload: BaseModel | dict, status: int = 200, headers: dict | None = None) -> Response:
    body = payload.model_dump_json() if isinstance(payload, BaseModel) else current_app.json.dumps(payload)
    response = Response(body, status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def detail(payload: BaseModel) -> Response:
    """A detail read with a strong ``ETag`` (hash of the body); ``If-None-Match`` with it answers 304."""
    response = json_response(payload)
    etag = hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.set_etag(etag)
    if request.if_none_match and request.if_none_match.contains(etag):
        not_modified = Response(status=304)
        not_modified.set_etag(etag)
        return not_modified
    return response


def write(doc, run: Callable[[], tuple[int, BaseModel, str | None]]) -> Response:
    """Run one write: the ``Idempotency-Key`` (``idempotency.py``), the service (``run`` returns status, answer
    and Location), an ``api.call`` audit event naming the token and its creator for a token's call, one commit."""
    session, now = get_session(), clock.now()
    key = request.headers.get(idempotency.HEADER)
    digest = None
    if key is not None:
        if not idempotency.valid_key(key):
            raise ApiProblem(422, _("Some of the input could not be accepted."), errors=[{
                "parameter": idempotency.HEADER, "detail": _("1–200 visible ASCII characters.")}])
        digest = idempotency.request_hash(request.method, request.path, doc)
        stored = _stored(key, digest)
        if stored is not None:
            return stored.response()
    try:
        status, answer, location = run()
    except DomainError:
        session.rollback()
        stored = _stored(key, digest) if key is not None else None  # a parallel call with the key did it first
        if stored is not None:
            return stored.response()
        raise
    response = json_response(answer, status, {"Location": location} if location else None)
    token = current_token()
    if token is not None:
        p = current_principal()
        audit.record(session, audit.Actor(p.user_id, p.unit_id), "api.call", object_type="api_token", object_id=token.id, at=now,
                     after={"token": token.prefix, "token_name": token.name, "created_by_id": token.created_by_id,
                            "method": request.method, "path": request.path, "status": status, "idempotency_key": key})
    if key is not None:
        try:
            idempotency.store(session, caller_key(), key, digest, response, now=now)
        except idempotency.IntegrityError:
            session.rollback()
            stored = _stored(key, digest)
            if stored is None:  # pragma: no cover - the row that collided is committed
                raise ApiProblem(409, _("The Idempotency-Key is in use by a call that has not finished.")) from None
            return stored.response()
    session.commit()
    return response


def _stored(key: str, digest: str):
    try:
        return idempotency.find(get_session(), caller_key(), key, digest)
    except idempotency.KeyReused:
        raise ApiProblem(409, _("This Idempotency-Key was used for another request. Use a new key for a new request."),
                         type_="idempotency-key-reused") from None


# --- the caller and the rules engine -----------------------------------------------------------------------------

from .schemas import Me, TokenInfo  # noqa: E402 - after the helpers the views use


@bp.get("/me")
@requires(perm.authenticated)
@operation(scope="read", summary="The caller", response=Me, tag="Caller",
           description="The user, unit and roles this call acts with (for a token: its creator at the token's unit, "
                       "without admin), and the token.")
def me():
    p = current_principal()
    token = current_token()
    info = TokenInfo(prefix=token.prefix, name=token.name, scopes=sorted(token.scope_set), expires_at=token.expires_at) if token else None
    return json_response(Me(user_id=p.user_id, unit_id=p.unit_id, roles=sorted(r.value for r in p.roles), token=info))


@bp.post("/rules/evaluate")
@requires(perm.authenticated)
@operation(scope="rules", summary="Assess procurement facts", tag="Rules", body="facts", response="assessment",
           errors=(413, 422),
           description="One facts object, or a batch `{\"cases\": [...]}` answered case by case (200 also when every case "
                       "is invalid). The rules engine validates the facts itself (docs/rules.md); its problems carry "
                       "`errors` with `path`, `message` (bokmål), `message_en` and a JSON `pointer`.")
def rules_evaluate():
    from ..rulecheck.services import current_table
    from ..rules import evaluate_document
    from .problems import pointer

    def engine_problem(status: int, errors: list[dict]):
        return problem(status, errors[0].get("message") if errors else None,
                       errors=[{**e, "pointer": pointer(e.get("path", "")), "detail": e.get("message", "")} for e in errors])

    cfg = current_app.config
    request.max_content_length = cfg["RULES_BATCH_MAX_BYTES"]  # instead of MAX_CONTENT_LENGTH, for batches
    from werkzeug.exceptions import RequestEntityTooLarge

    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        size = _mb(cfg["RULES_BATCH_MAX_BYTES"])
        return engine_problem(413, [{
            "path": "",
            "message": f"Forespørselen er for stor (høyst {size} MB). Del samlingen opp, eller bruk kommandolinjen "
                       "(flask rules evaluate), som ikke har noen grense.",
            "message_en": f"The request is too large (at most {size} MB). Split the batch, or use the command line "
                          "(flask rules evaluate), which has no limit.",
        }])
    try:  # size and nesting checked before parsing: a deeply nested body is a 422, never a RecursionError
        doc = load_json(raw, max_bytes=cfg["RULES_BATCH_MAX_BYTES"])
    except JSONRefused as exc:
        return engine_problem(422, [{"path": "", "message": exc.message, "message_en": exc.message_en}])
    limit = cfg["RULES_BATCH_MAX_CASES"]
    if isinstance(doc, dict) and isinstance(doc.get("cases"), list) and len(doc["cases"]) > limit:
        count = len(doc["cases"])
        return engine_problem(413, [{
            "path": "cases",
            "message": f"En samling kan ha høyst {_nb(limit)} saker over API-et; denne har {_nb(count)}. Del den opp, "
                       "eller bruk kommandolinjen (flask rules evaluate), som ikke har noen grense.",
            "message_en": f"A batch may hold at most {limit:,} cases on the API; this one has {count:,}. Split it, or use "
                          "the command line (flask rules evaluate), which has no limit.",
        }])
    code, body = evaluate_document(doc, current_table(get_session()))
    # A batch is answered case by case (200 even when every case is invalid); only a malformed document or
    # one invalid facts object is 422.
    if code == 0 or "results" in body:
        return json_response(body)
    return engine_problem(422, body.get("errors", []))


def _nb(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")  # Norwegian digit grouping: 10 000


@bp.get("/openapi.json")
@public
@operation(scope="", summary="This OpenAPI document", tag="Documentation", response="openapi",
           description="OpenAPI 3.1, generated from the models that validate the calls. Open to everyone, as /api/docs.")
def openapi():
    from .openapi import document

    return json_response(document(current_app))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
