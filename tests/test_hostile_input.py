"""Hostile input on every route (issue 19, item 6): never a 5xx, and nothing written when the answer is a refusal.

The routes and who may use them come from the route × role matrix (tests/test_access_matrix.py). For every
route with GET, a user allowed to use it opens it with hostile values in each query parameter the view reads
(found in the page's ``<form method=get>`` inputs, in the view's ``request.args`` calls, plus ``page``/``size``)
and with inverted ranges. For every route with POST, the page that holds its form is found (the route's own
page, else the pages of its blueprint), the form is read from the HTML (names, types, options, defaults, the
CSRF token: CSRF is on in these tests) and sent once per field and hostile value of the field's type, the
other fields valid from the page's defaults. The JSON API gets hostile values at every leaf of a valid facts
document. Every answer must be below 500; when it is a refusal (4xx, a form re-rendered with its error
summary, or a redirect with an error message), every table's row count must be unchanged, except the tables
in EXEMPT, which record attempts on purpose.

The corpus is fixed (tests/hostile.py), so the run is deterministic; one test per route, and one ``world`` per
module shared through a savepoint per test (tests/conftest.py, module_world), keep the set-up cost low. A query
parameter no code reads gets one value per class of what can still happen to it (hostile.UNREAD_VALUES). A failure lists route, field, value, status and where the exception was raised.
"""
from __future__ import annotations

import io
import json
import os
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from contracts_app.agreements.models import AgreementSignature
from contracts_app.agreements.states import AgreementStatus as S
from contracts_app.auth.access import PUBLIC
from contracts_app.db import Base

from .agreements.helpers import make_agreement
from .hostile import (CORPUS, QUERY_VALUES, UNREAD_VALUES, ErrorCapture, changed, inverted_ranges, parse_forms,
                      query_names, per_field, read_names, row_counts, short, where_raised)
from .rules.facts_factory import WORKED_EXAMPLE
from .support import PASSWORD
from .test_access_matrix import MATRIX, ROLES, _capacity_samples

# Tables whose rows record an attempt, so a refused request may add one.
EXEMPT = {
    "login_throttle": "every failed login counts towards the lock-out, a refused one too (auth/throttle.py)",
    "form_token": "a re-rendered confirm form carries a fresh one-time token (purchases/form_tokens.py)",
}
# … and on one route only.
EXEMPT_ON = {
    "auth.login": {"audit_event": "a lock-out after too many failed logins is audited (auth/throttle.py)"},
}

# The agreement's state in which the route's form is on the page.
AGREEMENT_STATE = {
    "agreements.review": S.in_review, "agreements.sign": S.approved, "agreements.generate_documents": S.approved,
    "agreements.exercise_option": S.active, "agreements.undo_option": S.active, "agreements.terminate": S.active,
    "agreements.signed_pdf": S.signed,
}
AGREEMENT_STEPS = ["parties", "subject", "period", "value", "cooperation"]
# Query names a view reads in a way tests/hostile.query_names does not see.
EXTRA_QUERY = {"agreements.versions": {"a", "b"}, "auth.login": {"next"}, "agreements.new": {"entity"},
               # the exports answer files, so their filters are not read from a page's form
               "exports.budget_csv": {"status", "course"}, "exports.budget_xlsx": {"status", "course"},
               "exports.agreements_csv": {"q", "status", "kind", "verdict", "expiring"},
               "exports.agreements_xlsx": {"q", "status", "kind", "verdict", "expiring"}}
# Pages besides the route's blueprint that hold a route's form.
FORM_PAGES = {
    "purchases.cancel": ["purchases.detail"], "purchases.actual_cost": ["purchases.detail"],
    "purchases.decide_override": ["purchases.detail"], "purchases.order_confirmation": ["purchases.detail"],
    "rulecheck.activate_threshold": ["rulecheck.thresholds"], "rulecheck.verify_threshold": ["rulecheck.thresholds"],
    "rulecheck.verify_law_version": ["rulecheck.thresholds"], "rulecheck.load_thresholds": ["rulecheck.thresholds"],
}
# About this many requests per route (GET: query values; POST: field values), so the file runs in CI in under
# three minutes per database; a route with many fields sends the first (worst) values of each list.
GET_BUDGET, POST_BUDGET, API_BUDGET = 60, 80, 80
# Routes whose view reads no query parameter that still get the whole QUERY_VALUES list on the ``page`` they
# ignore (the others get hostile.UNREAD_VALUES there): a logged-in page and a public one.
UNREAD_FULL_ROUTES = {"home.index", "openfeed.feed_json"}
REPORT = os.environ.get("HOSTILE_REPORT")  # a file to append every failure to as JSON lines (for triage)


def _allowed(allowed, role) -> bool:
    return allowed == PUBLIC or role in allowed


def _role(endpoint: str) -> str | None:
    allowed = MATRIX[endpoint][1]
    if allowed == PUBLIC:
        return None
    # The drafter of the sample agreement; the provider, who is told about the sample capacity request.
    first = ("agreements.", "notifications.")
    order = ["provider_coordinator", "advisor"] if endpoint.startswith(first) else ["advisor", "provider_coordinator"]
    return next(r for r in [*order, "budget_owner", "legal_reviewer", "admin"] if r in allowed)


def _variants(method: str) -> list[tuple[str, str | None]]:
    out = []
    for endpoint, (methods, _allowed_roles) in MATRIX.items():
        if method not in methods or endpoint == "api.rules_evaluate":
            continue
        if endpoint == "agreements.edit":
            out += [(endpoint, step) for step in (AGREEMENT_STEPS if method == "POST" else ["subject"])]
        else:
            out.append((endpoint, None))
    return out


GET_CASES = _variants("GET")
POST_CASES = _variants("POST")


class Run:
    """One route's run: the client, the row counts and the failures found."""

    def __init__(self, app, client, db, endpoint: str, capture: ErrorCapture):
        self.app, self.client, self.db, self.endpoint, self.capture = app, client, db, endpoint, capture
        self.failures: list[str] = []
        self.requests = 0
        self.last_counts: dict[str, int] | None = None

    def counts(self):
        return row_counts(self.db, Base.metadata, set(EXEMPT) | set(EXEMPT_ON.get(self.endpoint, {})))

    def outside(self) -> None:
        """The test used the client between two sends (logged in, read a page): count the rows afresh."""
        self.last_counts = None

    def send(self, method: str, url: str, what: str, *, query=None, data=None, json_body=None):
        # The rows after the previous send are the rows before this one (nothing else ran in between, see
        # ``outside``), so each request costs one count, not two.
        before = self.last_counts if self.last_counts is not None else self.counts()
        self.last_counts = None
        self.capture.take()
        self.requests += 1
        try:
            if json_body is not None:
                response = self.client.open(url, method=method, data=json_body, content_type="application/json")
            else:
                if isinstance(data, list):
                    data = MultiDict(data)
                response = self.client.open(url, method=method, query_string=query, data=data,
                                            headers={"Accept": "text/html"})
        except Exception as exc:  # noqa: BLE001 - an exception that escaped the error handlers is a failure too
            self.fail(method, what, "raised", where_raised((type(exc), exc, exc.__traceback__)))
            self.db.rollback()
            return None
        status = response.status_code
        if status >= 500:
            records = self.capture.take()
            where = where_raised(records[-1].exc_info) if records else response.get_data(as_text=True)[:200]
            self.fail(method, what, status, where)
            return response
        refused = 400 <= status < 500 or (status == 200 and b"ds-error-summary" in response.data) or (
            300 <= status < 400 and self._flashed_error())
        self.last_counts = self.counts()
        if refused:
            diff = changed(before, self.last_counts)
            if diff:
                self.fail(method, what, status, f"rows written on a refusal: {diff}")
        return response

    def _flashed_error(self) -> bool:
        with self.client.session_transaction() as sess:
            flashes = sess.pop("_flashes", None) or []
        return any(category == "error" for category, _message in flashes)

    def fail(self, method, what, status, where) -> None:
        line = f"{method} {self.endpoint} {what} → {status}: {where}"
        self.failures.append(line)
        if REPORT:
            with open(REPORT, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"endpoint": self.endpoint, "method": method, "what": what, "status": status,
                                     "where": where}, ensure_ascii=False) + "\n")

    def check(self) -> None:
        if REPORT:
            with open(REPORT, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"endpoint": self.endpoint, "status": "done", "requests": self.requests}) + "\n")
        assert not self.failures, f"{len(self.failures)} of {self.requests} hostile requests failed:\n" + "\n".join(
            self.failures[:40])


# One world per module, each route's run in a savepoint rolled back after it (tests/conftest.py, module_world):
# every run starts from the same fresh world, as if it had built its own.
pytestmark = pytest.mark.shared_world()


@pytest.fixture
def capture():
    import logging

    handler = ErrorCapture()
    logger = logging.getLogger("contracts_app.errors")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def csrf_on(app, monkeypatch):
    """The hostile posts carry a real CSRF token read from the page, as a browser's do."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _login(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    form = next(f for f in parse_forms(page, "/login") if f.method == "post" and f.action == "/login")
    data = {i.name: (i.values[0] if i.values else "") for i in form.inputs}
    data.update(email=email, password=PASSWORD)
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _samples(db, world, endpoint: str, step: str | None) -> dict:
    """Path values: real ids from the world (and the records the route needs), 1 where there is none."""
    samples = {
        "entity_id": world.municipality.id, "unit_id": world.adult_education.id, "user_id": world.users["advisor"].id,
        "membership_id": world.users["advisor"].memberships[0].id, "scenario_id": 1, "period_id": 1, "law_id": 1,
        "course_id": world.course.id, "budget_id": world.budget.id, "purchase_id": world.purchase.id, "stop_id": 1,
        "comment_id": 1, "option_id": 1, "signature_id": 1, "document_id": 1, "message_id": 1,
        "name": "capacity.holds", "item_id": 1, "token": "not-a-reset-token", "step": step or "subject",
        "agreement_id": 1, "offer_id": 1, "request_id": 1, "notification_id": 1, "ocid": "ocds-test00-a-1",
    }
    if endpoint.startswith(("capacity.", "notifications.", "api.capacity_")):
        samples.update(_capacity_samples(db, world))
    if endpoint == "auth.switch_unit":  # the unit switch is shown to users with more than one unit
        from contracts_app import clock
        from contracts_app.audit import SYSTEM
        from contracts_app.auth import services as auth_services
        from contracts_app.auth.models import Role

        auth_services.add_membership(db, world.users["advisor"], role=Role.advisor, unit=world.legal_unit,
                                     actor=SYSTEM, now=clock.now())
        db.commit()
    if endpoint.startswith("agreements."):
        a = make_agreement(db, world, state=AGREEMENT_STATE.get(endpoint, S.draft))
        samples["agreement_id"] = a.id
        signature = db.scalar(select(AgreementSignature.id).where(AgreementSignature.agreement_id == a.id).limit(1))
        samples["signature_id"] = signature or 1
    return samples


def _rule(app, endpoint: str):
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def _url(app, endpoint: str, samples: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, **{arg: samples[arg] for arg in _rule(app, endpoint).arguments})


def _is_html(response) -> bool:
    return response.status_code == 200 and (response.mimetype or "").startswith("text/html")


def _pages_for(app, endpoint: str, role: str | None) -> list[str]:
    """Where the route's form may be: its own page, hinted pages, its blueprint's pages (the more path
    arguments in common, the sooner), the home page (the layout's forms)."""
    blueprint, args = endpoint.split(".")[0], set(_rule(app, endpoint).arguments)
    own = [endpoint] if "GET" in MATRIX[endpoint][0] else []
    same = [e for e, (methods, allowed) in MATRIX.items()
            if "GET" in methods and e.split(".")[0] == blueprint and e != endpoint and _allowed(allowed, role)]
    same.sort(key=lambda e: (-len(args & set(_rule(app, e).arguments)), len(_rule(app, e).arguments), e))
    return list(dict.fromkeys(own + FORM_PAGES.get(endpoint, []) + same + ["home.index" if role else "auth.login"]))


def _find_form(app, client, endpoint: str, role, samples):
    adapter = app.url_map.bind("localhost")
    for page in _pages_for(app, endpoint, role):
        url = _url(app, page, samples)
        response = client.get(url)
        if not _is_html(response):
            continue
        for form in parse_forms(response.get_data(as_text=True), urlsplit(url).path):
            if form.method != "post":
                continue
            try:
                found, _args = adapter.match(form.action, method="POST")
            except Exception:  # noqa: BLE001 - a form to another site or a GET-only path
                continue
            if found == endpoint:
                return form, page
    return None, None


@pytest.mark.parametrize("endpoint, step", GET_CASES, ids=[e for e, _s in GET_CASES])
def test_get_with_hostile_query_values(app, client, db, world, capture, endpoint, step):
    role = _role(endpoint)
    samples = _samples(db, world, endpoint, step)
    if role:
        _login(client, world.users[role].email)
    url = _url(app, endpoint, samples)
    run = Run(app, client, db, endpoint, capture)
    response = run.send("GET", url, "(plain)")
    view = app.view_functions[endpoint]
    read = read_names(view)  # None: the view reads the query through a helper, any name may be read
    read = None if read is None else read | EXTRA_QUERY.get(endpoint, set())
    names = {"page"} | query_names(view) | EXTRA_QUERY.get(endpoint, set())
    if response is not None and _is_html(response):
        for form in parse_forms(response.get_data(as_text=True), urlsplit(url).path):
            if form.method == "get":
                names |= {i.name for i in form.inputs}
                read = None if read is None else read | {i.name for i in form.inputs}
    for name in sorted(names):
        # a name no code reads gets one value per class of what can still happen to it (hostile.UNREAD_VALUES)
        full = read is None or name in read or endpoint in UNREAD_FULL_ROUTES
        values = QUERY_VALUES if full else UNREAD_VALUES
        for value in values[:per_field(len(names), GET_BUDGET, least=4)]:
            run.send("GET", url, f"?{name}={short(value)}", query={name: value})
        run.send("GET", url, f"?{name} twice", query=[(name, "1"), (name, "__unknown__")])
    for query in inverted_ranges(names):
        run.send("GET", url, f"inverted {query}", query=query)
    assert run.requests > 0, "the sweep sent nothing to this route"
    run.check()  # asserts: no 5xx, no row written on a refusal


@pytest.mark.parametrize("endpoint, step", POST_CASES, ids=[e + (f"-{s}" if s else "") for e, s in POST_CASES])
def test_post_with_hostile_form_values(app, client, db, world, capture, csrf_on, endpoint, step):
    role = _role(endpoint)
    samples = _samples(db, world, endpoint, step)
    if role:
        _login(client, world.users[role].email)
    run = Run(app, client, db, endpoint, capture)
    form, _page = _find_form(app, client, endpoint, role, samples)
    if form is None:
        # No page shows this form in the world's state: post to the route with only a CSRF token, then with
        # hostile values under the usual names, so the route is still exercised.
        url = _url(app, endpoint, samples)
        token = _csrf_token(client)
        if REPORT:
            with open(REPORT, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"endpoint": endpoint, "status": "no form found"}) + "\n")
        run.send("POST", url, "(no form on any page: csrf only)", data={"csrf_token": token})
        for value in ["__unknown__", "9" * 400, "-1", "\x00"]:
            run.send("POST", url, f"(no form) every usual name={short(value)}", data={
                "csrf_token": token, **{n: value for n in ("version", "lock_version", "reason", "note", "action", "next")}})
        assert run.requests > 0, "the sweep sent nothing to this route"
        run.check()  # asserts: no 5xx, no row written on a refusal
        return
    run.send("POST", form.action, "(defaults)", data=form.base())
    run.send("POST", form.action, "(empty but csrf)", data=[(n, v) for n, v in form.base() if n == "csrf_token"])
    fields = [i for i in form.inputs if i.name != "csrf_token"]
    for item in fields:
        for value in CORPUS[item.kind][:per_field(len(fields), POST_BUDGET, least=1)]:
            if item.kind == "file":
                data = form.with_value(item.name, (io.BytesIO(value[1]), value[0]))
            else:
                data = form.with_value(item.name, value)
            response = run.send("POST", form.action, f"{item.name}({item.kind})={short(value)}", data=data)
            if role and (endpoint == "auth.logout" or (response is not None and "/login" in (response.location or ""))):
                _login(client, world.users[role].email)  # logged out by the post: log in, read the form again
                form = _find_form(app, client, endpoint, role, samples)[0] or form
                run.outside()
    assert run.requests > 0, "the sweep sent nothing to this route"
    run.check()  # asserts: no 5xx, no row written on a refusal


def _csrf_token(client) -> str:
    forms = parse_forms(client.get("/login").get_data(as_text=True), "/login")
    return next((v for f in forms for i in f.inputs if i.name == "csrf_token" for v in i.values), "")


def _leaves(doc, path=()):
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(doc, list) and doc:
        for i, value in enumerate(doc):
            yield from _leaves(value, (*path, i))
    else:
        yield path


def _set(doc, path, value):
    import copy

    out = copy.deepcopy(doc)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


# Most telling first (see per_field): another type, huge numbers, an unknown word, …
JSON_VALUES = [{}, 10**400, "__unknown__", -1, None, "9" * 400, 1e308, "1e999999999", "NaN", "9999-12-31",
               "0000-01-01", "x" * 10_000, "'\"&|!:*\\", True, [], [[["deep"]]]]


def test_the_api_takes_hostile_values_at_every_leaf(app, client, db, world, capture):
    _login(client, world.users["legal_reviewer"].email)
    run = Run(app, client, db, "api.rules_evaluate", capture)
    paths = list(_leaves(WORKED_EXAMPLE))
    for path in paths:
        for value in JSON_VALUES[:per_field(len(paths), API_BUDGET, least=3)]:
            body = json.dumps({"facts": _set(WORKED_EXAMPLE, path, value)})
            run.send("POST", "/api/v1/rules/evaluate", f"facts.{'.'.join(map(str, path))}={short(value)}", json_body=body)
    assert run.requests > 0, "the sweep sent nothing to this route"
    run.check()  # asserts: no 5xx, no row written on a refusal


def test_every_route_of_the_matrix_is_swept():
    swept = {e for e, _s in GET_CASES + POST_CASES} | {"api.rules_evaluate"}
    assert swept == set(MATRIX)
    assert set(ROLES) >= {r for e in MATRIX if (r := _role(e))}
