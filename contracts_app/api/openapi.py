"""The OpenAPI 3.1 document of ``/api/v1``, generated: every route of the ``api`` blueprint in the app's URL
map, with the pydantic models its ``@operation`` names (the same classes that validate the call), the
scope, the access predicate and the problem answers. Nothing is written by hand, so the document cannot
drift from the code; ``tests/api/test_openapi.py`` compares it with ``app.url_map``.

The rules engine validates facts with its own validator and has no schema export: its facts and assessments
are published as permissive objects with a description and a link to the engine's documentation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable

from flask import Flask, request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

API_VERSION = "1.0.0"
REF = "#/components/schemas/{model}"

RULES_DOC = "https://github.com/contracts-app/contracts/blob/main/docs/rules.md"
FREE_FORM = {
    "facts": {"type": "object", "additionalProperties": True, "title": "Facts",
              "description": "A facts object, or a batch `{\"cases\": [facts, …]}`, as the rules engine reads it. The "
                             "engine validates it with its own validator (schema version in `schema_version`); see "
                             "docs/rules.md and rules-engine-contract.md for every field.",
              "externalDocs": {"url": RULES_DOC}},
    "openapi": {"type": "object", "additionalProperties": True, "title": "Openapi",
                "description": "An OpenAPI 3.1 document.", "externalDocs": {"url": "https://spec.openapis.org/oas/v3.1.0"}},
    "assessment": {"type": "object", "additionalProperties": True, "title": "Assessment",
                   "description": "The engine's assessment (verdict, regime, reasons with legal sources), or for a batch "
                                  "`{\"results\": [...]}` with an assessment or `{\"errors\": [...]}` per case.",
                   "externalDocs": {"url": RULES_DOC}},
}


@dataclass
class Operation:
    scope: str
    summary: str
    tag: str
    description: str = ""
    query: type[BaseModel] | None = None
    body: type[BaseModel] | str | None = None
    response: Any = None  # a model, Page[Model], or a FREE_FORM name
    status: int = 200
    errors: tuple[int, ...] = ()
    etag: bool = False
    idempotent: bool = False
    location: bool = False
    #: OpenAPI links from the success answer: name → (operationId, {parameter: runtime expression}), e.g.
    #: ``{"GetPurchase": ("purchase", {"purchase_id": "$response.body#/purchase_id"})}``
    links: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    access: Callable | None = field(default=None, repr=False)


def operation(**kw) -> Callable:
    """Describe an ``/api/v1`` view (under ``@requires``): its scope and shapes. The wrapper checks the
    token's scope and, for writes, the JSON content type (``views.check_call``) before the view runs."""
    op = Operation(**kw)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            from .views import check_call

            refused = check_call(op.scope, request.method in ("POST", "PUT", "PATCH", "DELETE"))
            if refused is not None:
                return refused
            return view(*args, **kwargs)

        wrapped.api_operation = op
        return wrapped

    return decorate


_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_ARG_NAMES = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")


def _path(rule: str) -> str:
    return _ARG.sub(lambda m: "{" + m.group(2) + "}", rule)


def _models(ops: list[Operation]) -> list[tuple[type[BaseModel], str]]:
    from .schemas import Problem

    seen: dict[tuple[type, str], None] = {(Problem, "serialization"): None}
    for op in ops:
        if isinstance(op.body, type):
            seen[(op.body, "validation")] = None
        if isinstance(op.response, type):
            seen[(op.response, "serialization")] = None
    return list(seen)


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF, mode="validation")
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        description = prop.pop("description", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params, schema.get("$defs", {})


def _problem(status: int, text: str) -> dict:
    return {"description": text, "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}}


STATUS_TEXT = {
    400: "Malformed request: control characters in the query string, or a header the API cannot read",
    304: "Not modified (If-None-Match matched the ETag)", 401: "No valid token or session",
    403: "The token's scope or the caller's role does not allow it", 404: "Not found, or not visible to the caller",
    409: "Conflicts with the current state (or an Idempotency-Key reused for another request)",
    413: "The body is too large", 415: "The body is not JSON", 422: "Invalid input: `errors` name the fields",
    429: "Too many calls with this token (see Retry-After)",
}


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _path_schema(rule, name: str) -> dict:
    """A path argument's JSON Schema from its URL converter: ``<int:…>`` (``boundary.BoundedIntConverter``:
    1 … ``ID_MAX`` unless the route says otherwise), anything else a string without ``/`` (``<path:…>`` with)."""
    converter = rule._converters.get(name)
    if converter is not None and converter.__class__.__name__.endswith("IntConverter"):
        low, high = getattr(converter, "min", None), getattr(converter, "max", None)
        schema: dict[str, Any] = {"type": "integer"}
        if low is not None:
            schema["minimum"] = low
        if high is not None:
            schema["maximum"] = high
        return schema
    if converter is not None and converter.__class__.__name__ == "PathConverter":
        return {"type": "string", "minLength": 1}
    return {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document for the app's current URL map."""
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")), key=lambda r: (r.rule, r.endpoint))
    ops = [(r, app.view_functions[r.endpoint]) for r in rules]
    missing = [r.endpoint for r, v in ops if getattr(v, "api_operation", None) is None]
    if missing:
        raise RuntimeError(f"/api/v1 routes without @operation: {missing}")
    key_map, top = models_json_schema(_models([v.api_operation for _r, v in ops]), ref_template=REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    schemas.update({name.title(): s for name, s in FREE_FORM.items()})
    paths: dict[str, dict] = {}
    for rule, view in ops:
        op: Operation = view.api_operation
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            entry: dict[str, Any] = {
                "operationId": rule.endpoint.split(".", 1)[1],
                "summary": op.summary,
                "tags": [op.tag],
                "description": (op.description + "\n\n" if op.description else "")
                + f"Scope: `{op.scope or 'none'}`. Access: `{_access(view)}`.",
                "security": [{"bearer": [op.scope]}, {"session": []}] if op.scope else [{}],
                "x-scope": op.scope,
            }
            params = [{"name": a, "in": "path", "required": True, "schema": _path_schema(rule, a)}
                      for a in _ARG_NAMES.findall(rule.rule)]
            if op.query is not None:
                qp, defs = _query_parameters(op.query)
                params += qp
                schemas.update(defs)
            if op.idempotent:
                params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                               "description": "1–200 visible ASCII characters: the same key with the same body answers the "
                                              "first result again; with another body 409.",
                               "schema": {"type": "string", "minLength": 1, "maxLength": 200}})
            if op.etag:
                params.append({"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                               "description": "The ETag of an earlier answer: 304 when unchanged."})
            if params:
                entry["parameters"] = params
            if op.body is not None:
                ref = _schema_ref(op.body, key_map, "validation")
                entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref}}}
                examples = op.body.model_config.get("json_schema_extra", {}).get("examples") if isinstance(op.body, type) else None
                if examples:
                    entry["requestBody"]["content"]["application/json"]["example"] = examples[0]
            ok: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created"}
            if op.response is not None:
                ok["content"] = {"application/json": {"schema": _schema_ref(op.response, key_map, "serialization")}}
            headers = {}
            if op.etag:
                headers["ETag"] = {"schema": {"type": "string"}}
            if op.location:
                headers["Location"] = {"schema": {"type": "string"}}
            if headers:
                ok["headers"] = headers
            if op.links:
                ok["links"] = {name: {"operationId": target, "parameters": dict(args)}
                               for name, (target, args) in sorted(op.links.items())}
            responses = {str(op.status): ok}
            if op.etag:
                responses["304"] = {"description": STATUS_TEXT[304]}
            # What the framework can answer for any call (400 from the request boundary, 401/403 from the
            # token and the access check, 429 from the rate limit), for any path with arguments (404), and for
            # any write (413 over MAX_CONTENT_LENGTH, 415 when not JSON, 409/422 from the services).
            codes = {400, 401, 403, 429} | set(op.errors) | ({404} if rule.arguments else set()) | (
                {409, 413, 415, 422} if method in WRITES else set()) | ({422} if op.query else set())
            for code in sorted(codes):
                responses[str(code)] = _problem(code, STATUS_TEXT.get(code, ""))
            entry["responses"] = responses
            paths.setdefault(_path(rule.rule), {})[method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "Contracts API", "version": API_VERSION,
                 "description": "Courses, free seats, capacity requests and seat purchases between public services, with the same rules, "
                                "permissions and audit as the pages. Errors are RFC 9457 problem details; lists page "
                                "with an opaque cursor (`limit` at most 100); detail reads carry an ETag; writes take "
                                "an Idempotency-Key. Amounts are decimal strings in NOK."},
        "servers": [{"url": "/"}],
        "tags": [{"name": t} for t in sorted({v.api_operation.tag for _r, v in ops})],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "ctk_<prefix>_<secret>",
                           "description": "An API token for one unit with scopes: read, capacity, purchases, agreements, rules."},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "The browser session of the pages' own scripts (writes must be JSON)."},
            },
        },
    }


def _access(view) -> str:
    access = getattr(view, "access", None)
    return access if isinstance(access, str) else getattr(access, "__name__", "?")


def _schema_ref(target, key_map, mode: str) -> dict:
    if isinstance(target, str):
        return {"$ref": REF.format(model=target.title())}
    return key_map[(target, mode)]
