"""Issue 18, item 6: Content-Security-Policy without inline scripts, no framing, no sniffing, HSTS in
production only, and ``Cache-Control: no-store`` on every page except static files. (That no page breaks the
policy is checked in Chromium: tests/e2e/browser.py.)"""
from __future__ import annotations

import pytest

from contracts_app import create_app
from contracts_app.security_headers import POLICY

from .support import login

DIRECTIVES = dict(d.split(" ", 1) for d in POLICY.split("; "))


@pytest.mark.parametrize(
    "directive,value",
    [
        ("script-src", "'self'"),
        ("style-src", "'self'"),
        ("style-src-attr", "'unsafe-inline'"),
        ("frame-ancestors", "'none'"),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("form-action", "'self'"),
        ("default-src", "'self'"),
    ],
)
def test_the_policy_says(directive, value):
    assert DIRECTIVES[directive] == value


def test_scripts_are_never_inline():
    assert "unsafe-inline" not in DIRECTIVES["script-src"] and "unsafe-eval" not in POLICY


# (path, logged in as, expected status, no-store?)
PAGES = [
    ("/login", None, 200, True),
    ("/home", "advisor", 200, True),
    ("/purchases", "advisor", 200, True),
    ("/capacity", "advisor", 200, True),
    ("/finnes-ikke", "advisor", 404, True),
    ("/api/v1/me", "advisor", 200, True),
    ("/healthz", None, 200, True),
    ("/static/app.js", None, 200, False),
    ("/static/app.css", None, 200, False),
]


@pytest.mark.parametrize("path,who,status,no_store", PAGES)
def test_every_response_carries_the_headers(client, world, path, who, status, no_store):
    if who:
        login(client, world.users[who].email)
    response = client.get(path)
    response.close()  # static files are sent from an open file
    assert response.status_code == status
    headers = response.headers
    assert headers["Content-Security-Policy"] == POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # tests run outside production
    assert (headers.get("Cache-Control") == "no-store") is no_store


def test_templates_have_no_inline_script_or_event_handler():
    import re
    from pathlib import Path

    from contracts_app.config import PROJECT_ROOT

    offenders = []
    for path in sorted(Path(PROJECT_ROOT, "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=", text) or "javascript:" in text:
            offenders.append(str(path.relative_to(PROJECT_ROOT)))
    assert offenders == []


@pytest.mark.parametrize("env,seconds,expected", [
    ("production", None, "max-age=31536000; includeSubDomains"),
    ("production", 600, "max-age=600; includeSubDomains"),
    ("production", 0, None),
    ("development", None, None),
    ("testing", None, None),
])
def test_hsts_is_sent_in_production_only(tmp_path, env, seconds, expected):
    config = {"ENV": env, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "k" * 32}
    if seconds is not None:
        config["HSTS_SECONDS"] = seconds
    response = create_app(config).test_client().get("/login")
    assert response.headers.get("Strict-Transport-Security") == expected
