"""The public free-seat page in Chromium: no login, accessible (axe-core, WCAG 2.1 A/AA) with and without a
filter error, and its filters work from the keyboard's point of view (labels, one submit)."""
from __future__ import annotations

import pytest

from .browser import assert_accessible

PATH = "/open/ledige-plasser"


def test_the_public_page_lists_free_seats_without_login_and_is_accessible(page, live_server, axe):
    page.goto(live_server + PATH)
    assert page.locator("h1").count() == 1
    assert page.locator("table#offers caption").is_visible()
    assert page.get_by_role("button", name="Logg ut").count() == 0  # an anonymous visitor has no user menu
    assert page.locator("nav.site-nav").count() == 0
    assert page.locator("tbody tr[data-offer-id]").count() > 0  # the demo publishes offers to everyone
    assert_accessible(axe, page)


@pytest.mark.parametrize("label,value,field", [
    ("Kommune", "Atlantis", "municipality"),
    ("Kommune", "<script>alert(1)</script>", "municipality"),
])
def test_a_bad_filter_is_a_message_at_its_field_and_the_page_stays_accessible(page, live_server, axe, label, value, field):
    page.goto(live_server + PATH)
    page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Vis").click()
    page.locator(f"#{field}-error").wait_for()
    assert page.get_attribute(f"#{field}", "aria-invalid") == "true"
    assert page.locator("#filter-errors").is_visible()
    assert_accessible(axe, page)


def test_filtering_by_format_narrows_the_list(page, live_server):
    page.goto(live_server + PATH)
    everything = page.locator("tbody tr[data-offer-id]").count()
    page.get_by_label("Undervisningsform", exact=True).select_option("digital")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**format=digital**")
    rows = page.locator("tbody tr[data-offer-id]")
    assert rows.count() <= everything
    assert all(rows.nth(i).locator("td").nth(3).inner_text() == "Digitalt" for i in range(rows.count()))
