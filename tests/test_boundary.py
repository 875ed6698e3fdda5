"""The request boundary (contracts_app/boundary.py, web.safe_redirect_target, pagination.page_arg): hostile
ids, page numbers, control characters, redirect targets and JSON bodies give an answer, never a 500."""
from __future__ import annotations

import json
import re

import pytest

from contracts_app.boundary import ID_MAX, JSONRefused, json_depth, load_json
from contracts_app.pagination import MAX_PAGE, page_arg
from contracts_app.web import safe_redirect_target

from .support import PASSWORD, login

_INT = re.compile(r"<int(?:\([^)]*\))?:\w+>")
_OTHER = re.compile(r"<[^>]+>")


def _int_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route with an integer in its path."""
    out = []
    for rule in app.url_map.iter_rules():
        if _INT.search(rule.rule):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((rule.endpoint, method, rule.rule))
    return sorted(out)


def _int_route_ids():
    from contracts_app import create_app

    return _int_routes(create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", "SECRET_KEY": "t"}))


INT_ROUTES = _int_route_ids()


# Hundreds of cases with a fresh world each: the world is built once per module and every case runs in a savepoint
# rolled back after it (tests/conftest.py, module_world), so each still starts from the same world.
pytestmark = pytest.mark.shared_world()


def test_the_route_sweep_covers_the_routes_with_ids():
    assert len({endpoint for endpoint, _m, _r in INT_ROUTES}) >= 40


@pytest.mark.parametrize("value", [str(2**63), str(2**31), "9" * 400])
@pytest.mark.parametrize("endpoint, method, rule", INT_ROUTES, ids=[f"{m} {e}" for e, m, _r in INT_ROUTES])
def test_an_id_out_of_range_is_not_found_on_every_route(client, world, endpoint, method, rule, value):
    login(client, "admin@test.no")
    path = _OTHER.sub("x", _INT.sub(value, rule))
    response = client.open(path, method=method, data={})
    assert response.status_code == 404, (path, response.status_code)


@pytest.mark.parametrize("value, expected", [
    (str(ID_MAX), ID_MAX), ("1", 1), ("007", 7),
])
def test_an_id_in_range_reaches_the_view(app, value, expected):
    endpoint, method, rule = next(r for r in INT_ROUTES if r[1] == "GET" and len(_INT.findall(r[2])) == 1)
    _endpoint, args = app.url_map.bind("localhost").match(_OTHER.sub("x", _INT.sub(value, rule)), method=method)
    assert expected in args.values()


@pytest.mark.parametrize("args, page", [
    ({}, 1), ({"page": "3"}, 3), ({"page": "0"}, 1), ({"page": "-2"}, 1), ({"page": "abc"}, 1),
    ({"page": "99999999999999999999"}, 1), ({"page": "9" * 400}, 1), ({"page": str(MAX_PAGE)}, MAX_PAGE),
    ({"page": str(MAX_PAGE + 1)}, 1), ({"page": "٣"}, 1),  # Arabic-Indic three: a digit to str.isdigit
])
def test_page_arg_is_bounded(args, page):
    assert page_arg(args) == page


@pytest.mark.parametrize("path, user", [
    ("/courses/?page=99999999999999999999", "advisor@test.no"),
    ("/courses/?page=" + "9" * 400, "advisor@test.no"),
    ("/capacity?page=99999999999999999999", "advisor@test.no"),
    ("/capacity?page=-5", "advisor@test.no"),
    ("/courses/?min_free=" + "9" * 400, "advisor@test.no"),
    ("/capacity?min_seats=" + "9" * 400, "advisor@test.no"),
    ("/capacity?max_price=1e999999999", "advisor@test.no"),
    ("/capacity?max_price=sNaN", "advisor@test.no"),
])
def test_list_pages_answer_hostile_numbers_without_an_error(client, world, path, user):
    login(client, user)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path, refused", [
    ("/courses/?start_from=2027-05-01&start_to=2027-01-01", True),
    ("/capacity?start_from=2027-05-01&start_to=2027-01-01", True),
    ("/courses/?start_from=2027-01-01&start_to=2027-01-01", False),
    ("/capacity?start_from=2027-01-01&start_to=2027-05-01", False),
])
def test_an_inverted_start_window_is_an_error_next_to_its_end(client, world, path, refused):
    login(client, "advisor@test.no")
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("Kan ikke være før" in html) is refused
    assert ('aria-invalid="true"' in html) is refused


@pytest.mark.parametrize("path, user", [
    ("/courses/?q=a%00b", "advisor@test.no"),
    ("/capacity?q=%00", "advisor@test.no"),
    ("/capacity?municipality=03%1b01", "advisor@test.no"),
    ("/courses/?q%00=x", "advisor@test.no"),
    ("/login?next=/%0d%0aX:%201", None),
])
def test_control_characters_in_a_query_string_are_a_bad_request(client, world, path, user):
    if user:
        login(client, user)
    response = client.get(path)
    assert response.status_code == 400
    assert "kontrolltegn" in response.get_data(as_text=True)


@pytest.mark.parametrize("data", [
    {"email": "admin@test.no\x00", "password": PASSWORD},
    {"email": "a\x00@test.no", "password": "x"},
    {"email": "admin@test.no", "password": "pass\x00word"},
    {"email": "admin@test.no", "password": PASSWORD, "next": "/\r\nX: 1"},
])
def test_control_characters_in_the_login_form_are_a_field_error(client, world, data):
    response = client.post("/login", data=data)
    assert response.status_code < 500
    assert "location" not in {k.lower() for k in response.headers.keys()} or response.status_code == 302
    if response.status_code != 302:
        assert "kontrolltegn" in response.get_data(as_text=True)


def test_login_with_a_header_in_next_does_not_fail(client, world):
    response = client.post("/login", data={"email": "admin@test.no", "password": PASSWORD, "next": "/\r\nX: 1"})
    assert response.status_code in (200, 302, 400, 422)
    assert "X" not in response.headers


@pytest.mark.parametrize("field, value, multiline_ok", [
    ("title", "Kurs\x00", False), ("title", "Kurs\tA", False), ("description", "Linje 1\r\nLinje 2\tA", True),
    ("description", "Linje\x00", False), ("description", "ESC\x1b[31m", False), ("title", "C1\x85", False),
])
def test_control_characters_are_refused_on_every_text_field(app, field, value, multiline_ok):
    from contracts_app.courses.forms import CourseForm

    with app.test_request_context(method="POST", data={field: value}):
        form = CourseForm(meta={"csrf": False})
        form[field].validate(form)
        refused = any("kontrolltegn" in str(m) or "control characters" in str(m) for m in form[field].errors)
    assert refused is (not multiline_ok)


def test_a_text_field_in_a_sub_form_is_checked_too(app):
    from contracts_app.purchases.forms import PurchaseForm

    with app.test_request_context(method="POST", data={"seats": "1", "participants-0-reference": "ab\x00"}):
        form = PurchaseForm(meta={"csrf": False})
        form.participants.validate(form)
        errors = form.participants.entries[0].form.reference.errors
    assert errors and ("kontrolltegn" in str(errors[0]) or "control" in str(errors[0]))


@pytest.mark.parametrize("target, safe", [
    ("/agreements/1", True), ("/courses/?q=a&page=2", True), (None, False), ("", False),
    ("https://evil.example/", False), ("//evil.example/", False), ("/\\evil.example", False),
    ("/\r\nX: 1", False), ("/a\x00b", False), ("javascript:alert(1)", False), ("agreements", False),
    ("/" + "a" * 3000, False), ("http:/x", False),
])
def test_one_helper_validates_redirect_targets(target, safe):
    assert (safe_redirect_target(target) is not None) is safe
    if safe:
        assert safe_redirect_target(target) == target


@pytest.mark.parametrize("referrer, back", [
    ("http://localhost/agreements/1?step=2", "/agreements/1?step=2"), ("http://localhost/", "/"),
    ("https://evil.example/agreements/1", None), ("http://localhost//evil.example", None),
    ("http://localhost/a%0d%0aX:%201", "/a%0d%0aX:%201"), ("not a url at all", None), (None, None),
])
def test_a_refusal_goes_back_only_to_a_page_of_this_site(app, referrer, back):
    from contracts_app.web import referrer_target

    headers = {"Referer": referrer} if referrer is not None else {}
    with app.test_request_context("/x", method="POST", headers=headers):
        assert referrer_target() == back


@pytest.mark.parametrize("raw, depth", [
    (b"{}", 1), (b"[[[]]]", 3), (b'{"a": "[[[[["}', 1), (b'{"a": "\\"[[["}', 1), (b"1", 0),
    (b"[" * 10_000 + b"]" * 10_000, 10_000),
])
def test_json_depth_is_counted_without_parsing(raw, depth):
    assert json_depth(raw) == depth


@pytest.mark.parametrize("raw, ok", [
    (b'{"a": [1, {"b": 2}]}', True), (b"[" * 33 + b"]" * 33, False), (b"[" * 100_000, False),
    (b"x" * 2000, False), (b'{"a": "\\u0000"}', False), (b'{"a": "line\\nline"}', True), (b"\xff", False),
])
def test_load_json_limits_before_parsing(raw, ok):
    if ok:
        load_json(raw, max_bytes=1000)
    else:
        with pytest.raises(JSONRefused):
            load_json(raw, max_bytes=1000)


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"facts": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}",
    '{"facts": {"reference_date": "2026-01-01\\u0000"}}',
])
def test_the_api_refuses_deep_json_with_a_message(client, world, body):
    login(client, "legal@test.no")
    response = client.post("/api/v1/rules/evaluate", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["message"]


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' * 5000 + "1" + "}" * 5000,
])
def test_the_facts_import_refuses_deep_json_with_a_message(client, world, text):
    login(client, "legal@test.no")
    response = client.post("/regelsjekk/import", data={"facts_text": text})
    assert response.status_code == 422
    assert "nøstet" in response.get_data(as_text=True) or "nested" in response.get_data(as_text=True)


def test_a_flat_facts_document_still_imports(client, world):
    login(client, "legal@test.no")
    response = client.post("/regelsjekk/import", data={"facts_text": json.dumps({"reference_date": "2026-01-01"})})
    assert response.status_code == 200
