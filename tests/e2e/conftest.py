"""Browser tests: real Debian Chromium driven by Playwright, against the app served on 127.0.0.1.

Never `playwright install`: the browser is the system's /usr/bin/chromium (.ci/run installs it).
Locally the tests skip when Chromium is missing; in CI that is a failure.
"""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from contracts_app import clock, create_app, demo, migrate

from ..support import need
from .browser import assert_no_csp_violations, watch_csp

CHROMIUM = os.environ.get("CONTRACTS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROME_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real app (CSRF on, demo data loaded) on a random free port."""
    url = "sqlite:///" + str(tmp_path_factory.mktemp("e2e") / "e2e.sqlite3")
    migrate.upgrade(url)
    app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "e2e-secret"})
    with app.app_context():
        from contracts_app.db import get_session

        session = get_session()
        demo.load(session, now=clock.now())
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    need(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}: apt-get install chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nb-NO")
    pg = context.new_page()
    watch_csp(pg)
    yield pg
    assert_no_csp_violations(pg)
    context.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()
