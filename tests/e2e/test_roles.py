"""Each demo role logs in, lands on its home page, and the pages pass axe-core (WCAG 2.1 A/AA)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contracts_app import demo

from .browser import assert_accessible, log_in

# One demo login per role, with the card its home page must show.
ROLE_LOGINS = [
    ("advisor", "veileder.fjordvik@demo.no"),
    ("provider_coordinator", "koordinator.fjordvik@demo.no"),
    ("budget_owner", "budsjett.fjordvik@demo.no"),
    ("legal_reviewer", "jurist.fjordvik@demo.no"),
    ("admin", "admin@demo.no"),
]


def test_login_page_is_accessible(page, live_server, axe):
    page.goto(live_server + "/login")
    assert page.locator("h1").inner_text() == "Logg inn"
    assert_accessible(axe, page)


def test_login_error_is_announced_and_accessible(page, live_server, axe):
    page.goto(live_server + "/login")
    page.get_by_label("E-postadresse").fill("veileder.fjordvik@demo.no")
    page.get_by_label("Passord").fill("feil-passord")
    page.get_by_role("button", name="Logg inn").click()
    alert = page.get_by_role("alert")
    assert "Feil e-postadresse eller passord" in alert.inner_text()
    assert_accessible(axe, page)


@pytest.mark.parametrize("role,email", ROLE_LOGINS, ids=[r for r, _ in ROLE_LOGINS])
def test_each_role_lands_on_its_home_page(page, live_server, axe, role, email):
    log_in(page, live_server, email, through_form=True)
    assert page.locator(f"[data-role-card='{role}']").count() == 1
    assert_accessible(axe, page)


def test_demo_covers_every_login_listed_in_the_readme():
    emails = {e for e, _, _ in demo.logins()}
    assert {email for _, email in ROLE_LOGINS} <= emails


def test_keyboard_only_login(page, live_server):
    page.goto(live_server + "/login")
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("document.activeElement.className") == "ds-skip-link"
    page.get_by_label("E-postadresse").focus()
    page.keyboard.type("admin@demo.no")
    page.keyboard.press("Tab")
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/home")
    assert "Ada Admin" in page.content()


def test_admin_pages_are_accessible_and_form_errors_are_announced(page, live_server, axe):
    log_in(page, live_server, "admin@demo.no")
    for path in ["/admin/organisations/", "/admin/organisations/entities/new", "/admin/organisations/units/new", "/admin/users", "/admin/audit"]:
        page.goto(live_server + path)
        assert_accessible(axe, page)
    page.goto(live_server + "/admin/organisations/entities/new")
    page.get_by_label("Navn").fill("Feilby kommune")
    page.get_by_label("Organisasjonsnummer").fill("974760674")
    page.get_by_role("button", name="Lagre").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()  # waits as Playwright does, not by eval in the page (the CSP refuses it)
    assert page.get_by_label("Navn").input_value() == "Feilby kommune"
    assert_accessible(axe, page)
