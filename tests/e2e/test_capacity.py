"""Workflows 1 and 3 (brief § 4), the free-seat flow with two people: a coordinator publishes free seats, an
advisor finds and requests them, the coordinator is told and accepts, the advisor is told and sees the confirmed
purchase, and the budget line's remaining amount goes down by exactly the price. Every page passes axe-core; the
end state is saved as a screenshot."""
from __future__ import annotations

import re

from .browser import amount, assert_accessible, inbox_notice, log_in, ntr, save_screenshot, tr

BUDGET = "Kvalifiseringsprogrammet, opplæring"  # Nav Fjordvik's municipal side buys from its own municipality


FIND = ("s => { const y = document.getElementById('start_date').value.slice(0, 4);"
        f" return [...s.options].find(o => o.text.startsWith({BUDGET!r} + ' ' + y)); }}")


def _remaining(page) -> str:
    """The remaining amount the budget choice shows for the municipal budget line of the request's year."""
    text = page.get_by_label("Budsjettlinje").evaluate(f"s => ({FIND})(s).text")
    return amount(text.rsplit("gjenstår", 1)[1])


def test_publish_request_accept_and_see_the_purchase(browser, live_server, axe):
    coordinator = browser.new_context(locale="nb-NO").new_page()
    log_in(coordinator, live_server, "koordinator.fjordvik@demo.no")
    coordinator.get_by_role("navigation").get_by_role("link", name=tr("Courses"), exact=True).click()
    coordinator.get_by_label(tr("Search"), exact=True).fill("kveld")
    coordinator.get_by_role("search").get_by_role("button").click()
    coordinator.get_by_role("link", name="Norsk B1 kveld, digitalt").click()
    coordinator.get_by_role("link", name="Publiser ledige plasser").click()
    assert_accessible(axe, coordinator)
    # a bad number first: the form comes back with the error and the input kept
    coordinator.get_by_label("Ledige plasser som tilbys").fill("0")
    coordinator.get_by_role("button", name="Publiser").click()
    assert coordinator.locator("#error-summary").is_visible()
    assert_accessible(axe, coordinator)
    coordinator.get_by_label("Ledige plasser som tilbys").fill("2")
    coordinator.get_by_label("Merknader til dem som ber om plass").fill("Kveldskurs med ledige plasser fra nå.")
    coordinator.get_by_role("button", name="Publiser").click()
    coordinator.wait_for_url("**/capacity/offers/*")
    offer_url = coordinator.url
    assert coordinator.locator("#available").inner_text() == "2"
    assert_accessible(axe, coordinator)

    advisor = browser.new_context(locale="nb-NO").new_page()
    log_in(advisor, live_server, "veileder.fjordvik@demo.no")
    advisor.goto(live_server + "/capacity?q=KVELD&level=B1")
    assert_accessible(axe, advisor)
    advisor.get_by_role("link", name="Norsk B1 kveld, digitalt").click()
    assert advisor.url == offer_url
    assert_accessible(axe, advisor)
    advisor.get_by_role("link", name="Be om plass").click()
    budget = advisor.get_by_label("Budsjettlinje")
    budget.select_option(budget.evaluate(f"s => ({FIND})(s).value"))
    before = _remaining(advisor)
    advisor.get_by_label("Deltakerreferanse").fill("KVELD-001")
    advisor.get_by_role("button", name="Vis pris og budsjett").click()
    assert advisor.locator("#preview").is_visible()
    total = amount(re.search(r"kr\s?[\d\s\u00a0.,]+\d", advisor.locator("#preview strong").first.inner_text()).group(0))
    assert total > 0
    assert_accessible(axe, advisor)
    advisor.get_by_role("button", name="Send forespørselen").click()
    advisor.wait_for_url("**/capacity/requests/*")
    request_url = advisor.url
    assert "Plasser holdt av" in advisor.locator("#request-status").inner_text()
    assert_accessible(axe, advisor)

    # The coordinator is told: a notice in the inbox and the request waiting on the start page.
    assert inbox_notice(coordinator, "Nav Fjordvik", "Norsk B1 kveld, digitalt").count() >= 1
    assert_accessible(axe, coordinator)
    coordinator.goto(live_server + "/home")
    coordinator.get_by_role("link", name=re.compile(r"1 forespørsel venter på svaret ditt")).click()
    assert_accessible(axe, coordinator)
    coordinator.get_by_role("link", name="Norsk B1 kveld, digitalt").first.click()
    assert coordinator.url == request_url and "KVELD-001" in coordinator.content()
    assert_accessible(axe, coordinator)
    coordinator.get_by_role("button", name="Godta og bekreft kjøpet").click()
    assert "Godtatt" in coordinator.locator("#request-status").inner_text()
    coordinator.goto(offer_url)
    assert coordinator.locator("#available").inner_text() == "1"  # two offered, one taken
    assert_accessible(axe, coordinator)

    # The advisor is told in the inbox, and the purchase is confirmed at exactly the previewed price.
    told = ntr("Your request for %(seats)s seat on %(course)s was accepted: the purchase is confirmed.",
               "Your request for %(seats)s seats on %(course)s was accepted: the purchase is confirmed.", 1,
               seats=1, course="Norsk B1 kveld, digitalt")
    notice = inbox_notice(advisor, told)
    assert notice.count() >= 1, advisor.locator("main").inner_text()
    assert_accessible(axe, advisor)
    advisor.goto(request_url)
    assert "Godtatt" in advisor.locator("#request-status").inner_text()
    advisor.get_by_role("link", name=re.compile(r"Kjøp \d+")).click()
    advisor.wait_for_url("**/purchases/*")
    assert "KVELD-001" in advisor.content()
    assert advisor.locator("h1 + p .ds-tag").inner_text() == tr("Confirmed")
    assert amount(advisor.locator("dl.facts dd").nth(4).inner_text()) == total
    assert_accessible(axe, advisor)
    save_screenshot(advisor, "workflow-3-accepted-purchase")
    advisor.goto(offer_url + "/request")
    after = _remaining(advisor)
    assert after == before - total
    save_screenshot(coordinator, "workflow-1-offer-after-acceptance")
