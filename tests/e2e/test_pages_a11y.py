"""The rules check page updates live and, like the other working pages, passes axe-core (WCAG 2.1 A/AA)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .browser import assert_accessible, assert_no_english_form_messages, log_in


def test_rules_check_shows_the_verdict_live_and_is_accessible(page, live_server, axe):
    log_in(page, live_server, "jurist.nav@demo.no")
    page.goto(live_server + "/regelsjekk")
    assert_accessible(axe, page)
    # The cooperation questions appear only when a cooperation is claimed.
    assert page.locator("#buyer_task").is_hidden()
    page.get_by_label("Det påberopes samarbeid", exact=False).check()
    assert page.locator("#buyer_task").is_visible()
    page.get_by_label("Det påberopes samarbeid", exact=False).uncheck()
    page.get_by_label("Skjæringsdato").fill("2026-03-02")
    page.get_by_label("Kjøper", exact=True).select_option(label="Arbeids- og velferdsetaten (889640782)")
    page.get_by_label("Leverandør", exact=True).select_option(label="Fjordvik kommune (demo) (991000100)")
    page.get_by_label("Verdi for den faste avtaleperioden", exact=False).fill("60000")
    page.get_by_label("Verdi for den faste avtaleperioden", exact=False).press("Tab")
    page.locator("#assessment [data-verdict='below_scope']").wait_for(timeout=10000)
    page.get_by_label("Tidligere kjøp av samme slag", exact=False).fill(
        "2025-10-01; 60000; ja\n2025-11-01; 60000; ja\n2026-01-10; 60000; ja")
    page.get_by_label("Tidligere kjøp av samme slag", exact=False).press("Tab")
    page.locator("#assessment [data-verdict='procurement_required']").wait_for(timeout=10000)
    assert "VAL-06" in page.locator("#assessment").inner_text()
    assert_accessible(axe, page)


def test_rules_check_hides_in_house_for_a_private_supplier_and_links_questions(page, live_server, axe):
    log_in(page, live_server, "jurist.nav@demo.no")
    page.goto(live_server + "/regelsjekk")
    assert page.locator("#in-house").is_visible()
    page.locator("#supplier_entity").select_option("other")
    page.locator("#supplier_legal_type").select_option("private")
    assert page.locator("#in-house").is_hidden() and page.locator("#in-house-note").is_visible()
    page.locator("#supplier_legal_type").select_option("public_body")
    assert page.locator("#in-house").is_visible()
    page.locator("#supplier_name").fill("Fjordvik opplæring KF")
    page.locator("#supplier_entity_id").fill("NO-FJ-KF")
    page.locator("#buyer_entity").select_option(label="Arbeids- og velferdsetaten (889640782)")
    page.locator("#reference_date").fill("2026-03-02")
    page.locator("#reference_date").press("Tab")
    # "what is missing" is questions, each a link to the field that answers it
    link = page.locator("#assessment .missing-questions a[href='#base_nok']")
    link.wait_for(timeout=10000)
    assert "." not in link.inner_text().split("?")[0].replace("eks. mva.", "")
    link.click()
    assert page.evaluate("document.activeElement.id") == "base_nok"
    assert_accessible(axe, page)


@pytest.mark.parametrize(
    "email,path",
    [
        ("jurist.fjordvik@demo.no", "/admin/thresholds"),
        ("jurist.nav@demo.no", "/law-changes"),
        ("jurist.nav@demo.no", "/law-changes/items/1"),
        ("koordinator.fjordvik@demo.no", "/courses/new"),
        ("koordinator.fjordvik@demo.no", "/purchases"),
        ("budsjett.fjordvik@demo.no", "/budgets/new"),
        ("budsjett.fjordvik@demo.no", "/settings/notifications"),
        ("admin@demo.no", "/admin/jobs"),
        ("admin@demo.no", "/admin/outbox"),
        ("admin@demo.no", "/admin/users/1"),
        ("budsjett.fjordvik@demo.no", "/account/password"),
        ("budsjett.fjordvik@demo.no", "/reset-password/not-a-token"),
    ],
)
def test_working_pages_are_accessible(page, live_server, axe, email, path):
    log_in(page, live_server, email)
    page.goto(live_server + path)
    assert page.locator("h1").count() == 1
    assert_accessible(axe, page)


def test_course_form_errors_are_announced_and_accessible(page, live_server, axe):
    log_in(page, live_server, "koordinator.fjordvik@demo.no")
    page.goto(live_server + "/courses/new")
    page.get_by_role("button", name="Lagre").click()
    # Playwright's own assertion waits for the focus (a wait_for_function string is eval'd in the page, which
    # the app's CSP refuses whenever the first check comes before app.js has moved the focus).
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(axe, page)


@pytest.mark.parametrize("lang, text, caught", [
    ("nb", "Not a valid choice.", True), ("nb", "Field must be exactly 4 characters long.", True),
    ("nb", "Ikke et gyldig valg.", False), ("en", "Not a valid choice.", False),
])
def test_the_sweep_catches_english_form_messages_on_bokmal_pages(page, lang, text, caught):
    page.set_content(f'<html lang="{lang}"><body><p class="error">{text}</p></body></html>')
    if caught:
        with pytest.raises(AssertionError, match="English WTForms"):
            assert_no_english_form_messages(page)
    else:
        assert_no_english_form_messages(page) is None


def test_the_sweep_fails_on_a_server_error_page(page, axe):
    page.set_content('<html lang="nb"><head><title>Feil</title></head><body><main><h1>Noe gikk galt</h1>'
                     '<div data-error-status="500"><p>Feilkode: 500</p></div></main></body></html>')
    with pytest.raises(AssertionError, match="server error page"):
        assert_accessible(axe, page)
