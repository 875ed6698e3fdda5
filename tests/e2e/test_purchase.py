"""Workflow 2 (brief § 4): a Nav advisor searches courses, sees the price, the budget after the purchase and the
agreement, and confirms; the seat and the money are reserved together. In bokmål and in English (the header's
language switch); every page passes axe-core; the end state is checked exactly and saved as a screenshot."""
from __future__ import annotations

import re

import pytest

from .browser import amount, assert_accessible, budget_figures, in_language, log_in, save_screenshot, tr

COURSE = "Norskkurs A1–A2, dagtid"
LINE = "Tiltaksmidler opplæring"  # Nav Fjordvik's state-side line (demo)


def _free_seats(page, lang: str) -> int:
    """The free seats the purchase page's heading line shows ("Ledige plasser: 13" / "13 free seats")."""
    pattern = re.escape(tr("%(n)d free seats", lang)).replace(re.escape("%(n)d"), r"(\d+)")
    return int(re.search(pattern, page.locator("main").inner_text()).group(1))


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_advisor_buys_a_seat_and_the_budget_line_commits_exactly_its_price(browser, live_server, axe, lang):
    owner = browser.new_context(locale="nb-NO").new_page()
    log_in(owner, live_server, "budsjett.fjordvik@demo.no")
    page = browser.new_context(locale="nb-NO").new_page()
    log_in(page, live_server, "veileder.fjordvik@demo.no")
    with in_language(lang, owner, page):
        _buy(owner, page, axe, lang)


def _to_purchase_form(page, axe, lang, check=True):
    page.get_by_role("navigation").get_by_role("link", name=tr("Courses", lang), exact=True).click()
    page.get_by_label(tr("Search", lang), exact=True).fill("dagtid")
    page.get_by_label(tr("Participant's level (CEFR)", lang)).select_option("A2")
    page.get_by_role("search").get_by_role("button").click()
    page.wait_for_load_state()
    if check:
        assert_accessible(axe, page)
    page.get_by_role("link", name=COURSE, exact=True).click()
    if check:
        assert_accessible(axe, page)
    page.get_by_role("link", name=tr("Buy a seat", lang), exact=True).click()


def _buy(owner, page, axe, lang):
    reference = f"E2E-{lang.upper()}-001"
    # The advisor searches the courses (a word of the title and the participant's level) and opens the course.
    _to_purchase_form(page, axe, lang)
    free_before = _free_seats(page, lang)
    year = page.locator("#start_date").input_value()[:4]
    budget = page.locator("#budget_id")
    budget.select_option(budget.evaluate(f"s => [...s.options].find(o => o.text.startsWith({f'{LINE} {year}'!r})).value"))
    page.locator("#participants-0-reference").fill(reference)
    page.get_by_role("button", name=tr("Show price and budget", lang)).click()
    preview = page.locator("#preview")
    assert preview.is_visible()
    total = amount(re.search(r"kr\s?[\d\s\u00a0.,]+\d", preview.locator("strong").first.inner_text()).group(0))
    assert total > 0
    budget_text = preview.locator("p").filter(has_text=tr("remaining after the purchase", lang)).inner_text()
    now, after = [amount(m) for m in re.findall(r"kr\s?[\d\s\u00a0.,]+\d", budget_text)[:2]]
    assert now - after == total  # the remaining budget after the purchase, as the preview says it
    assert_accessible(axe, page)

    # The budget owner's line before the purchase.
    owner.get_by_role("navigation").get_by_role("link", name=tr("Budgets", lang), exact=True).click()
    assert_accessible(axe, owner)
    owner.get_by_role("link", name=f"{LINE} {year}", exact=True).click()
    owner.wait_for_url(re.compile(r".*/budgets/\d+$"))
    assert_accessible(axe, owner)
    before = budget_figures(owner)
    assert before["remaining"] == now

    page.get_by_role("button", name=tr("Confirm purchase", lang)).click()
    page.wait_for_url(re.compile(r".*/purchases/\d+$"))
    facts = page.locator("dl.facts").inner_text()
    assert page.locator("h1 + p .ds-tag").inner_text() == tr("Confirmed", lang)
    assert COURSE in page.locator("h1").inner_text() and reference in page.locator("main").inner_text()
    assert amount(page.locator("dl.facts dd").nth(4).inner_text()) == total
    assert f"{LINE} {year}" in facts
    assert_accessible(axe, page)

    # One seat fewer on the course, and exactly the price committed on the line.
    save_screenshot(page, f"workflow-2-purchase-{lang}")
    _to_purchase_form(page, axe, lang, check=False)
    assert _free_seats(page, lang) == free_before - 1
    owner.reload()
    after_figures = budget_figures(owner)
    assert after_figures["committed"] == before["committed"] + total
    assert after_figures["remaining"] == before["remaining"] - total == after
    assert owner.locator("#commitments ~ table").first.get_by_role("link", name=re.compile(re.escape(COURSE))).count() >= 1
    assert_accessible(axe, owner)
    save_screenshot(owner, f"workflow-2-budget-line-{lang}")
