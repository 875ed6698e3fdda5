"""The brief's workflows 6–9 (§ 4) in a real browser, by clicking only, as the role the brief names, each ending
with a check of the resulting state through the pages and a screenshot (test-artifacts/screenshots/workflow-*).
Workflows 1–3 are in test_capacity.py and test_purchase.py, 4–5 in test_agreement.py.

Every page a test visits passes axe-core (WCAG 2.1 A/AA), the Content-Security-Policy and, in bokmål, shows no
English form message (browser.assert_accessible). Button and label names come from the app's own catalogue
(browser.tr), so the bokmål and the English run read the same test."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from contracts_app import clock

from .browser import (amount, assert_accessible, budget_figures, in_language, inbox_notice, log_in, save_screenshot,
                      tr)

# The live server runs on the system clock: the budget lines of this year are the ones a purchase starting
# today is made on, and a budget stop must lie within its line's year.
TODAY = clock.today()
COURSE = "Norsk med arbeidspraksis"  # runs through the year end (demo): a purchase starts today, on this year's line
LINE = "Tiltaksmidler opplæring"  # Nav Fjordvik's state-side line (demo)


def _new_page(browser, email, live_server):
    page = browser.new_context(locale="nb-NO").new_page()
    log_in(page, live_server, email)
    return page


def _menu(page, msgid: str, lang: str = "nb") -> None:
    page.get_by_role("navigation").get_by_role("link", name=tr(msgid, lang), exact=True).click()
    page.wait_for_load_state()


def _open_budget_line(page, axe, lang: str = "nb") -> None:
    _menu(page, "Budgets", lang)
    assert_accessible(axe, page)
    page.get_by_role("link", name=f"{LINE} {TODAY.year}", exact=True).click()
    page.wait_for_url(re.compile(r".*/budgets/\d+$"))
    assert_accessible(axe, page)


def _find_course(page, axe, title: str, query: str, lang: str = "nb") -> None:
    _menu(page, "Courses", lang)
    page.get_by_label(tr("Search", lang), exact=True).fill(query)
    page.get_by_role("search").get_by_role("button").click()
    page.wait_for_load_state()
    assert_accessible(axe, page)
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(re.compile(r".*/courses/\d+$"))
    assert_accessible(axe, page)


def _run_job(admin, name: str) -> str:
    """Press "Run now" on the job's row of /admin/jobs (found by its technical name, shown beside its title) and
    return the flash that tells what the run did; the newest run in the table is this one, succeeded."""
    row = admin.locator("table").first.locator("tbody tr").filter(has=admin.locator("th", has_text=name))
    row.get_by_role("button", name=tr("Run now")).click()
    admin.wait_for_load_state()
    flash = admin.locator(".flashes").inner_text()
    newest = admin.locator("tr[data-run], tr[data-run-fold]").first.inner_text()
    assert tr("Succeeded").casefold() in newest.casefold(), newest
    return flash


# --- 6. Budget stop ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["nb", "en"])
def test_workflow_6_budget_stop_refuses_and_a_second_person_overrides(browser, live_server, axe, lang):
    owner = _new_page(browser, "budsjett.fjordvik@demo.no", live_server)
    advisor = _new_page(browser, "veileder.fjordvik@demo.no", live_server)
    with in_language(lang, owner, advisor):
        _budget_stop(owner, advisor, axe, lang)


def _budget_stop(owner, advisor, axe, lang):
    reason = f"Tiltaksstopp E2E {lang}: årets ramme er brukt opp"
    why = f"Deltakeren {lang} mister plassen i introduksjonsprogrammet uten kurset nå"
    note = f"Godkjent {lang}: kurset er en del av planen"

    # The budget owner declares a temporary stop with a reason on this year's line.
    _open_budget_line(owner, axe, lang)
    line_url = owner.url
    committed_before = budget_figures(owner)["committed"]
    owner.get_by_label(tr("Reason for the budget stop", lang)).fill(reason)
    owner.locator("#starts_on").fill(TODAY.isoformat())
    owner.get_by_role("button", name=tr("Declare budget stop", lang)).click()
    owner.wait_for_url(line_url)
    assert reason in owner.locator(".ds-alert[data-color=danger]").inner_text()
    assert_accessible(axe, owner)

    # The advisor's preview is refused with that reason and offers to ask for an override instead of confirming.
    _find_course(advisor, axe, COURSE, "arbeidspraksis", lang)
    advisor.get_by_role("link", name=tr("Buy a seat", lang), exact=True).click()
    budget = advisor.locator("#budget_id")
    budget.select_option(budget.evaluate(f"s => [...s.options].find(o => o.text.startsWith({f'{LINE} {TODAY.year}'!r})).value"))
    advisor.get_by_label(tr("Participant reference", lang)).fill(f"STOPP-{lang}")
    advisor.get_by_role("button", name=tr("Show price and budget", lang)).click()
    preview = advisor.locator("#preview")
    assert reason.rstrip(".") in preview.inner_text()
    assert advisor.get_by_role("button", name=tr("Confirm purchase", lang)).count() == 0
    total = amount(re.search(r"kr\s?[\d\s\u00a0.,]+\d", preview.locator("strong").first.inner_text()).group(0))
    assert_accessible(axe, advisor)
    ask = advisor.get_by_role("button", name=tr("Ask for an override", lang))
    ask.click()  # without a reason: the field says so, the price and the refusal stay
    advisor.wait_for_load_state()
    assert advisor.locator("#error-summary").is_visible()
    assert reason.rstrip(".") in advisor.locator("#preview").inner_text()
    assert_accessible(axe, advisor)
    advisor.get_by_label(tr("Why the purchase cannot wait (for a budget-stop override)", lang)).fill(why)
    advisor.get_by_role("button", name=tr("Ask for an override", lang)).click()
    advisor.wait_for_url(re.compile(r".*/purchases/\d+$"))
    purchase_url = advisor.url
    assert advisor.locator("h1 + p .ds-tag").inner_text() == tr("Awaiting override", lang)
    assert why in advisor.locator("dl.facts").inner_text()
    assert_accessible(axe, advisor)
    # the one who asks cannot decide
    assert advisor.get_by_role("button", name=tr("Approve the override", lang)).count() == 0

    # The budget owner is told in the inbox, opens the purchase from there and approves.
    notice = inbox_notice(owner, COURSE, why)
    assert notice.count() == 1, owner.locator("main").inner_text()
    assert_accessible(axe, owner)
    notice.get_by_role("button", name=tr("Show", lang), exact=True).click()
    owner.wait_for_url(purchase_url)
    assert_accessible(axe, owner)
    owner.locator("#note").fill(note)
    owner.get_by_role("button", name=tr("Approve the override", lang)).click()
    owner.wait_for_url(purchase_url)
    assert owner.locator("h1 + p .ds-tag").inner_text() == tr("Confirmed", lang)
    assert amount(owner.locator("dl.facts dd").nth(4).inner_text()) == total
    assert_accessible(axe, owner)

    # The advisor is told the decision; the purchase is confirmed.
    told = inbox_notice(advisor, COURSE, note)
    assert told.count() == 1, advisor.locator("main").inner_text()
    assert_accessible(axe, advisor)
    told.get_by_role("button", name=tr("Show", lang), exact=True).click()
    advisor.wait_for_url(purchase_url)
    assert advisor.locator("h1 + p .ds-tag").inner_text() == tr("Confirmed", lang)

    # The line's committed amount rose by exactly the purchase's amount; the budget owner lifts the stop.
    owner.goto(line_url)
    assert budget_figures(owner)["committed"] == committed_before + total
    assert owner.get_by_role("link", name=re.compile(re.escape(COURSE))).count() >= 1
    owner.get_by_label(tr("Why the stop is lifted", lang)).fill(f"Opphevet etter E2E {lang}")
    owner.get_by_role("button", name=tr("Lift the budget stop", lang)).click()
    owner.wait_for_url(line_url)
    assert owner.locator(".ds-alert[data-color=danger]").count() == 0
    assert f"Opphevet etter E2E {lang}" in owner.locator("main").inner_text()
    assert_accessible(axe, owner)
    save_screenshot(owner, f"workflow-6-budget-stop-{lang}")


# --- 7. Split-purchase watch ----------------------------------------------------------------------------------------

FOV = "Forberedende opplæring for voksne (FOV)"  # Vestfjell county's course; Nav Lierdal bought 4 seats (demo)


def _lower_limit(on: dt.date):
    """The Act's lower limit in force on ``on``, from the shipped threshold table (never a figure in the code)."""
    import json
    from decimal import Decimal
    from pathlib import Path

    rows = json.loads((Path(__file__).resolve().parents[2] / "contracts_app" / "rules" / "thresholds.json").read_text())["rows"]
    [row] = [r for r in rows if r["key"] == "lower_limit" and r.get("status", "active") == "active"
             and dt.date.fromisoformat(r["effective_from"]) <= on
             and (r["effective_to"] is None or on <= dt.date.fromisoformat(r["effective_to"]))]
    return Decimal(row["value_nok"])


def _preview_total(page):
    return amount(re.search(r"kr\s?[\d\s\u00a0.,]+\d", page.locator("#preview strong").first.inner_text()).group(0))


def _related_total(page):
    """The preview's "aggregated with related purchases" value, or None when it shows none."""
    text = page.locator("#preview .assessment").inner_text()
    found = re.search(re.escape(tr("Aggregated with related purchases")) + r":\s*(kr\s?[\d\s\u00a0.,]+\d)", text)
    return amount(found.group(1)) if found else None


def _buy_page(page, axe, title: str, query: str, seats: int, prefix: str):
    """From the course list to a priced purchase form of ``seats`` seats (one participant row each)."""
    _find_course(page, axe, title, query)
    page.get_by_role("link", name=tr("Buy a seat"), exact=True).click()
    if seats > 1:
        page.locator("#seats").fill(str(seats))
        page.get_by_role("button", name=tr("Show price and budget")).click()  # one participant row per seat
        page.wait_for_load_state()
    for i in range(seats):
        page.locator(f"#participants-{i}-reference").fill(f"{prefix}-{i + 1}")
    page.get_by_role("button", name=tr("Show price and budget")).click()
    page.wait_for_load_state()
    assert page.locator("#preview").is_visible()


def test_workflow_7_split_purchase_watch_and_warning(browser, live_server, axe):
    """Nav Lierdal has bought FOV seats from Vestfjell county (demo). Buying more until the sum nears the Act's
    lower limit, the nightly watch (run now by the admin) tells the budget owner once; a further purchase that
    would take the sum over the limit shows the split-purchase warning (VAL-06) in its rules assessment."""
    import math

    from contracts_app.jobs.split_watch import ALERT_SHARE

    advisor = _new_page(browser, "veileder.lierdal@demo.no", live_server)
    _buy_page(advisor, axe, FOV, "FOV", 1, "LIER-SPLIT")
    per_seat = _preview_total(advisor)
    related = _related_total(advisor) - per_seat  # the earlier purchases of the same kind from the same supplier
    assert related > 0, "the demo's earlier FOV purchase of Nav Lierdal counts as related"
    limit = _lower_limit(dt.date.fromisoformat(advisor.locator("#start_date").input_value()))
    seats = math.ceil((ALERT_SHARE * limit - related) / per_seat)  # the sum reaches the alert share, not the limit
    assert ALERT_SHARE * limit <= related + seats * per_seat < limit

    _buy_page(advisor, axe, FOV, "FOV", seats, "LIER-SPLIT")
    assert _preview_total(advisor) == seats * per_seat
    assert _related_total(advisor) == related + seats * per_seat
    assert "VAL-06" not in advisor.locator("#preview").inner_text()  # still below the limit
    assert_accessible(axe, advisor)
    advisor.get_by_role("button", name=tr("Confirm purchase")).click()
    advisor.wait_for_url(re.compile(r".*/purchases/\d+$"))
    assert advisor.locator("h1 + p .ds-tag").inner_text() == tr("Confirmed")
    assert amount(advisor.locator("dl.facts dd").nth(4).inner_text()) == seats * per_seat
    assert_accessible(axe, advisor)

    # The admin runs the nightly watch now; the run is listed with its result.
    admin = _new_page(browser, "admin@demo.no", live_server)
    _menu(admin, "Jobs")
    assert_accessible(axe, admin)
    flash = _run_job(admin, "purchases.split_watch")
    assert f"{tr('alerts')}: 1" in flash and f"{tr('notices')}: " in flash, flash
    assert f"{tr('alerts')}: 1" in admin.locator("tr[data-run]").first.inner_text()
    assert_accessible(axe, admin)

    # The buying unit's budget owner is told, with the supplier and the rule; running again tells no one twice.
    owner = _new_page(browser, "budsjett.lierdal@demo.no", live_server)
    notice = inbox_notice(owner, "Vestfjell fylkeskommune (demo)", "VAL-06")
    assert notice.count() == 1, owner.locator("main").inner_text()
    assert_accessible(axe, owner)
    flash = _run_job(admin, "purchases.split_watch")
    assert f"{tr('notices')}: " not in flash, flash
    assert inbox_notice(owner, "Vestfjell fylkeskommune (demo)", "VAL-06").count() == 1
    save_screenshot(owner, "workflow-7-split-watch-notice")

    # A further purchase that takes the sum over the limit: the advisor's preview warns before confirming.
    more = math.ceil((limit - related - seats * per_seat) / per_seat)
    _buy_page(advisor, axe, FOV, "FOV", more, "LIER-MORE")
    assert _related_total(advisor) == related + (seats + more) * per_seat >= limit
    warning = advisor.locator("#preview .findings li").filter(has_text="VAL-06")
    assert warning.count() == 1, advisor.locator("#preview").inner_text()
    assert_accessible(axe, advisor)
    save_screenshot(advisor, "workflow-7-split-purchase-preview")


# --- 8. Documents ----------------------------------------------------------------------------------------------------

def _docx_text(download) -> str:
    """All the text of a downloaded Word file (body, tables, headers, footers): it opens with python-docx."""
    import docx

    with open(download.path(), "rb") as f:
        document = docx.Document(io.BytesIO(f.read()))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    parts += [document.core_properties.title or "", document.core_properties.subject or "",
              document.core_properties.comments or "", document.core_properties.keywords or ""]
    return "\n".join(parts)


def _template(kind: str) -> dict:
    import json
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parents[2] / "contract_templates" / "templates.json").read_text())[kind]


def _download(page, name):
    with page.expect_download() as download:
        page.get_by_role("link", name=name).first.click()
    return download.value


def test_workflow_8_order_confirmation_and_agreement_documents(browser, live_server, axe):
    course = "Yrkesnorsk helse og omsorg"
    order = _template("order_confirmation")
    advisor = _new_page(browser, "veileder.fjordvik@demo.no", live_server)
    _find_course(advisor, axe, course, "Yrkesnorsk")
    advisor.get_by_role("link", name=tr("Buy a seat"), exact=True).click()
    advisor.locator("#participants-0-reference").fill("DOK-001")
    advisor.get_by_role("button", name=tr("Show price and budget")).click()
    assert_accessible(axe, advisor)
    advisor.get_by_role("button", name=tr("Confirm purchase")).click()
    advisor.wait_for_url(re.compile(r".*/purchases/\d+$"))
    purchase_id = advisor.url.rsplit("/", 1)[1]
    shown = advisor.locator("#order-confirmation").inner_text()
    assert f"{order['file']}" in shown and order["version"] in shown
    assert_accessible(axe, advisor)
    text = _docx_text(_download(advisor, tr("Order confirmation (Word)")))
    assert course in text and "DOK-001" in text
    assert order["version"] in text, "the document records the template version that made it"

    # The provider's coordinator finds the same purchase among the unit's purchases and gets the same document.
    provider = _new_page(browser, "koordinator.fjordvik@demo.no", live_server)
    _menu(provider, "Purchases")
    assert_accessible(axe, provider)
    provider.locator(f"a[href$='/purchases/{purchase_id}']").click()
    provider.wait_for_url(re.compile(rf".*/purchases/{purchase_id}$"))
    assert_accessible(axe, provider)
    text = _docx_text(_download(provider, tr("Order confirmation (Word)")))
    assert course in text and order["version"] in text

    # The cooperation agreement's document, from the agreement page.
    title = "Samarbeid om norskopplæring med arbeidspraksis i Fjordvik"
    agreement = _template("cooperation_agreement")
    _menu(provider, "Agreements")
    assert_accessible(axe, provider)
    provider.get_by_role("link", name=title, exact=True).first.click()
    provider.wait_for_url(re.compile(r".*/agreements/\d+$"))
    assert_accessible(axe, provider)
    text = _docx_text(_download(provider, re.compile(r"samarbeidsavtale-\d+-v\d+\.docx")))
    assert title in text and agreement["version"] in text
    assessment = _template("exemption_assessment")  # the exempt cooperation's assessment, made at approval
    text = _docx_text(_download(provider, re.compile(rf"{assessment['title'].lower()}-\d+-v\d+\.docx")))
    assert title in text and assessment["version"] in text
    save_screenshot(provider, "workflow-8-documents")


# --- 9. Reminders ----------------------------------------------------------------------------------------------------

def test_workflow_9_budget_alert_job_tells_the_budget_owner_once(browser, live_server, axe):
    """Nav Lierdal's line of next year holds the demo's FOV purchase: with the warning level set below what is
    used, the hourly budget alert tells the budget owner, once however often it runs."""
    line = f"Tiltaksmidler opplæring {TODAY.year + 1}"
    owner = _new_page(browser, "budsjett.lierdal@demo.no", live_server)
    _menu(owner, "Budgets")
    owner.get_by_role("link", name=line, exact=True).click()
    owner.wait_for_url(re.compile(r".*/budgets/\d+$"))
    line_url = owner.url
    figures = budget_figures(owner)
    used_pct = (figures["committed"] + figures["spent"]) * 100 / figures["amount"]
    warning_at = max(int(used_pct) - 1, 1)
    assert 0 < warning_at < used_pct
    owner.get_by_role("main").get_by_role("link", name=tr("Change"), exact=True).click()
    old_warning = owner.locator("#warning_pct").input_value()
    owner.locator("#warning_pct").fill(str(warning_at))
    owner.locator("main form button[type=submit]").last.click()
    owner.wait_for_url(line_url)
    assert owner.locator(".ds-alert[data-color=warning]").count() == 1  # the page itself warns at once
    assert_accessible(axe, owner)
    try:
        admin = _new_page(browser, "admin@demo.no", live_server)
        _menu(admin, "Jobs")
        flash = _run_job(admin, "budget.alerts")
        assert f"{tr('warnings')}: " in flash and f"{tr('notices')}: " in flash, flash
        assert tr("warnings") in admin.locator("tr[data-run]").first.inner_text()
        assert_accessible(axe, admin)
        flash = _run_job(admin, "budget.alerts")  # again: no one is told twice
        assert f"{tr('notices')}: " not in flash, flash
        notice = inbox_notice(owner, f"Tiltaksmidler opplæring» {TODAY.year + 1}")
        assert notice.count() == 1, owner.locator("main").inner_text()
        assert "Nav Lierdal" in notice.inner_text()
        assert_accessible(axe, owner)
        notice.get_by_role("button", name=tr("Show"), exact=True).click()
        owner.wait_for_load_state()
        assert line in owner.locator("h1").inner_text()
        save_screenshot(owner, "workflow-9-budget-alert")
    finally:
        owner.goto(line_url)
        owner.get_by_role("main").get_by_role("link", name=tr("Change"), exact=True).click()
        owner.locator("#warning_pct").fill(old_warning)
        owner.locator("main form button[type=submit]").last.click()
        owner.wait_for_url(line_url)
