"""The OpenAPI document: 3.1, every /api/v1 route of the URL map in it, every reference resolvable; the
documentation page renders it."""
from __future__ import annotations

import re

import pytest


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_document_is_openapi_3_1_and_covers_every_api_route(app, client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0" and doc["info"]["title"] and doc["info"]["version"]
    routes = {(re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", r.rule), m.lower())
              for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/") for m in r.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routes == documented
    schemas = doc["components"]["schemas"]
    for ref in set(_refs(doc)):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", name) for name in schemas)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["operationId"] and op["responses"] and "x-scope" in op
            for name in re.findall(r"{(\w+)}", path):
                assert any(p["name"] == name and p["in"] == "path" for p in op["parameters"])
    assert doc["components"]["schemas"]["Facts"]["type"] == "object"  # the rules engine's facts, published
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("model,valid,invalid", [
    ("CapacityRequestIn", {"offer_id": 1, "budget_id": 1, "seats": 1, "start_date": "2026-03-09", "end_date": "2026-03-27"},
     {"offer_id": 0, "budget_id": 1, "seats": 1, "start_date": "2026-03-09", "end_date": "2026-03-27"}),
    ("DeclineIn", {"reason": "Full."}, {"reason": "x"}),
])
def test_the_schemas_are_the_ones_that_validate(client, db, model, valid, invalid):
    from pydantic import ValidationError

    from contracts_app.api import schemas

    doc = client.get("/api/v1/openapi.json").get_json()
    cls = getattr(schemas, model)
    assert set(doc["components"]["schemas"][model]["properties"]) == set(cls.model_fields)
    cls.model_validate(valid)
    with pytest.raises(ValidationError):
        cls.model_validate(invalid)


def test_the_documentation_page_lists_every_operation_and_needs_no_script(client, db):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert f'id="op-{op["operationId"]}"' in html and f"{method.upper()} {path}" in html
    assert "<script src=\"http" not in html and "cdn" not in html.lower()
    assert 'id="problem-invalid-input"' in html and "Page_CourseOut_" in html
