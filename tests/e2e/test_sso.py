"""Issue 23: single sign-on in a real browser with the built-in test provider (CONTRACTS_OIDC_DEV_PROVIDER), as a
newcomer tries it with `make run`: "Logg inn med …", a demo user's e-mail at the provider, their start page;
logout here and at the provider; an unknown person asks for access. Every page of ours passes axe-core."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from contracts_app import clock, create_app, demo, migrate

from .browser import assert_accessible, watch_csp

BUTTON = "Logg inn med testleverandøren (utvikling)"


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory):
    """The real app (CSRF on, demo data) with the test provider mounted at /dev-oidc. The provider's issuer is
    the app's own address, so the socket is bound first and the app made for its port."""
    url = "sqlite:///" + str(tmp_path_factory.mktemp("e2e_sso") / "sso.sqlite3")
    migrate.upgrade(url)
    holder = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "e2e-secret", "OIDC_DEV_PROVIDER": True,
                      "BASE_URL": base})
    with app.app_context():
        from contracts_app.db import get_session

        session = get_session()
        demo.load(session, now=clock.now())
        session.commit()
    holder["app"] = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


def sign_in_at_provider(page, base: str, email: str) -> None:
    watch_csp(page)
    page.goto(base + "/login")
    page.get_by_role("link", name=BUTTON).click()
    page.wait_for_url("**/dev-oidc/authorize**")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_role("button", name="Logg inn").click()


def test_sso_button_logs_a_demo_user_in_and_out(page, sso_server, axe):
    page.goto(sso_server + "/login")
    assert page.get_by_role("link", name=BUTTON).count() == 1
    assert_accessible(axe, page)
    sign_in_at_provider(page, sso_server, "veileder.fjordvik@demo.no")
    page.wait_for_url("**/home")
    assert page.locator("[data-role-card='advisor']").count() == 1
    assert_accessible(axe, page)
    page.get_by_role("button", name="Logg ut").click()
    # Our page moves on to the provider's logout, which sends the browser back to the login page.
    page.wait_for_url("**/login")
    assert "Du er logget ut" in page.content()
    assert_accessible(axe, page)
    page.goto(sso_server + "/home")
    page.wait_for_url("**/login**")


def test_an_unknown_person_is_told_and_can_ask_for_access(page, sso_server, axe):
    sign_in_at_provider(page, sso_server, "ny.person@kommune.no")
    page.wait_for_url("**/auth/oidc/dev/callback**")
    assert "er ikke registrert" in page.get_by_role("alert").inner_text()
    assert_accessible(axe, page)
    page.get_by_label("Melding til administratorene (valgfritt)").fill("Jeg jobber i Fjordvik kommune.")
    page.get_by_role("button", name="Send forespørselen").click()
    assert "Forespørselen er sendt" in page.locator("#access-requested").inner_text()
    assert_accessible(axe, page)
