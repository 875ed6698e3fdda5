"""An advisor finds a course, buys a seat, and sees the budget go down; the pages pass axe-core."""
from __future__ import annotations

import re

from .browser import assert_accessible, log_in


def test_advisor_buys_a_seat_and_the_budget_goes_down(browser, live_server, axe):
    budget_owner = browser.new_context(locale="nb-NO").new_page()
    log_in(budget_owner, live_server, "budsjett.fjordvik@demo.no")
    budget_owner.goto(live_server + "/budgets/")
    assert_accessible(axe, budget_owner)
    budget_owner.get_by_role("link", name=re.compile(r"Tiltaksmidler opplæring \d{4}")).first.click()
    assert_accessible(axe, budget_owner)
    before = budget_owner.locator("table").first.locator("tbody td").nth(3).inner_text()

    page = browser.new_context(locale="nb-NO").new_page()
    log_in(page, live_server, "veileder.fjordvik@demo.no")
    page.goto(live_server + "/courses/?q=dagtid")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Norskkurs A1–A2, dagtid").click()
    assert_accessible(axe, page)
    page.get_by_role("link", name="Kjøp plass").click()
    page.get_by_label("Deltakerreferanse").fill("E2E-001")
    budget = page.get_by_label("Budsjettlinje")
    value = budget.evaluate("s => [...s.options].find(o => o.text.startsWith('Tiltaksmidler opplæring')).value")
    budget.select_option(value)
    page.get_by_role("button", name="Vis pris og budsjett").click()
    assert page.locator("#preview").is_visible()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Bekreft kjøp").click()
    page.wait_for_url("**/purchases/*")
    assert "E2E-001" in page.content()
    assert_accessible(axe, page)

    budget_owner.reload()
    after = budget_owner.locator("table").first.locator("tbody td").nth(3).inner_text()
    assert after != before
