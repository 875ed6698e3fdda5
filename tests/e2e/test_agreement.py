"""A cooperation agreement from draft to signing in a real browser: the coordinator drafts it step by step, a
jurist comments and asks for changes, the coordinator changes it, the jurist approves, both parties sign.
Every page passes axe-core (WCAG 2.1 A/AA)."""
from __future__ import annotations

import datetime as dt
import re

from contracts_app import clock

from .browser import assert_accessible, log_in, save_screenshot


def _save_and_continue(page):
    page.get_by_role("button", name="Lagre og fortsett").click()
    page.wait_for_load_state()


def test_draft_review_changes_approval_signing(browser, live_server, axe):
    start = dt.date(clock.today().year + 1, 1, 1)  # the live server runs on the system clock
    drafter = browser.new_context(locale="nb-NO").new_page()
    log_in(drafter, live_server, "koordinator.fjordvik@demo.no")
    drafter.goto(live_server + "/agreements")
    assert_accessible(axe, drafter)
    drafter.get_by_role("link", name="Ny avtale").click()
    drafter.locator("#title").fill("E2E samarbeid om norsk og praksis")
    # the party fields are searchable (a combobox with suggestions from the server), used with the mouse …
    nav = "Nav Fjordvik (Arbeids- og velferdsetaten)"
    drafter.locator("#parties-0-who").fill("nav fjordv")
    drafter.locator("#parties-0-who-listbox").get_by_role("option", name=re.compile(re.escape(nav))).click()
    assert drafter.locator("#parties-0-who").input_value() == nav
    assert drafter.locator("#parties-0-who_key").input_value().startswith("u:")
    drafter.locator("#parties-0-nav_side").select_option("state")
    # … and with the keyboard: type, Down to the first suggestion, Enter picks it (the form is not sent)
    field = drafter.locator("#parties-1-who")
    field.fill("")
    field.press_sequentially("Fjordvik voksenoppl")
    listbox = drafter.locator("#parties-1-who-listbox")
    listbox.wait_for()
    assert field.get_attribute("aria-expanded") == "true"
    assert_accessible(axe, drafter)  # with the suggestions open
    field.press("ArrowDown")
    assert field.get_attribute("aria-activedescendant") == listbox.get_by_role("option").first.get_attribute("id")
    field.press("Enter")
    assert field.input_value() == "Fjordvik voksenopplæring (Fjordvik kommune (demo))"
    assert field.get_attribute("aria-expanded") == "false" and "/agreements/new" in drafter.url
    assert_accessible(axe, drafter)
    drafter.get_by_role("button", name="Opprett utkast").click()
    drafter.wait_for_url("**/edit/subject")
    assert_accessible(axe, drafter)
    # the step bar's steps stand apart ("1. Parter" "2. Gjenstand", never "1. Parter2. Gjenstand")
    first, second = (drafter.locator("ol.wizard-steps > li").nth(i).bounding_box() for i in range(2))
    assert first["x"] + first["width"] < second["x"] or second["y"] >= first["y"] + first["height"]
    drafter.goto(drafter.url.replace("/edit/subject", "/edit/parties"))
    # the covered units multi-select shows several options, not a one-line box
    assert drafter.locator("#covered_unit_ids").bounding_box()["height"] > 100
    drafter.goto(drafter.url.replace("/edit/parties", "/edit/subject"))
    drafter.locator("#subject").fill("Norskopplæring med arbeidspraksis for Navs brukere.")
    drafter.locator("#cpv_codes").fill("80580000-3")
    _save_and_continue(drafter)
    drafter.wait_for_url("**/edit/period")
    drafter.locator("#start_date").fill("2026-05-01")
    drafter.locator("#end_date").fill("2026-04-01")  # before the start: a field error, the draft is kept
    drafter.get_by_role("button", name="Lagre og fortsett").click()
    assert "Sluttdatoen kan ikke være før startdatoen" in drafter.locator("#error-summary").inner_text()
    assert_accessible(axe, drafter)
    drafter.locator("#start_date").fill(start.isoformat())
    drafter.locator("#end_date").fill("")
    drafter.locator("#option_scheme").select_option("2+1")
    drafter.locator("#max_duration_months").fill("36")
    _save_and_continue(drafter)
    drafter.wait_for_url("**/edit/value")
    # the verdict follows the typing, before anything is saved (static/wizard.js, debounced)
    drafter.locator("#estimated_value").fill("40 000")
    drafter.wait_for_selector('#verdict-panel [data-verdict="below_scope"]')
    assert "ulagrede endringer" in drafter.locator("#verdict-panel").inner_text()
    drafter.locator("#estimated_value").fill("900 000")
    drafter.wait_for_selector('#verdict-panel [data-verdict]:not([data-verdict="below_scope"])')
    assert drafter.locator("#verdict-panel").get_attribute("aria-live") == "polite"
    drafter.locator("#options_value").fill("450 000")
    _save_and_continue(drafter)
    drafter.wait_for_url("**/edit/cooperation")
    for i, (task, contribution, share) in enumerate([
        ("Arbeidsrettet oppfølging", "Veiledere\nPraksisplasser", "0"), ("Opplæring i norsk", "Lærere\nLokaler", "3")]):
        drafter.locator(f"#parties-{i}-statutory_task").fill(task)
        drafter.locator(f"#parties-{i}-contributions").fill(contribution)
        drafter.locator(f"#parties-{i}-payment_only").select_option("no")
        drafter.locator(f"#parties-{i}-open_market_share_pct").fill(share)
    drafter.locator("#common_objectives").fill("Flere i arbeid gjennom norsk og praksis.")
    drafter.locator("#pricing").select_option("own_costs_each")
    drafter.locator("#activity_basis").select_option("avg_turnover_3y")
    drafter.locator("#public_interest_only").select_option("yes")
    drafter.locator("#private_operator_advantaged").select_option("no")
    drafter.locator("#third_party_subcontracting").select_option("no")
    assert_accessible(axe, drafter)
    _save_and_continue(drafter)
    drafter.wait_for_url(re.compile(r".*/agreements/\d+$"))
    agreement_url = drafter.url
    assert "Unntatt fra anskaffelsesregelverket" in drafter.locator("#verdict").inner_text()
    assert_accessible(axe, drafter)
    drafter.goto(agreement_url + "/edit/parties")  # the parties step with its list of further units covered
    assert drafter.get_by_label("Flere enheter avtalen dekker").count() == 1
    assert_accessible(axe, drafter)
    drafter.goto(agreement_url)
    drafter.get_by_role("button", name="Send til juridisk gjennomgang").click()
    assert drafter.locator("#status").inner_text() == "Til juridisk gjennomgang"

    jurist = browser.new_context(locale="nb-NO").new_page()
    log_in(jurist, live_server, "jurist.nav@demo.no")
    jurist.goto(agreement_url)
    assert_accessible(axe, jurist)
    jurist.locator("#section").select_option("cooperation")
    jurist.locator("#body").fill("Beskriv styringen av samarbeidet.")
    jurist.get_by_role("button", name="Legg til kommentar").click()
    assert "Beskriv styringen av samarbeidet." in jurist.locator("#comments").inner_text()
    jurist.locator("#note").fill("Styringen mangler.")
    jurist.get_by_role("button", name="Be om endringer").click()
    assert jurist.locator("#status").inner_text() == "Endringer etterspurt"
    assert_accessible(axe, jurist)

    drafter.goto(agreement_url)
    drafter.get_by_role("textbox", name="Svar").fill("Lagt inn styringsgruppe.")
    drafter.get_by_role("button", name="Svar").click()
    drafter.goto(agreement_url + "/edit/cooperation")
    drafter.locator("#governance").fill("Felles styringsgruppe som møtes hvert kvartal.")
    _save_and_continue(drafter)
    drafter.get_by_role("button", name="Send til juridisk gjennomgang").click()
    assert drafter.locator("#status").inner_text() == "Til juridisk gjennomgang"

    jurist.goto(agreement_url)
    jurist.get_by_role("button", name="Merk som løst").click()
    jurist.get_by_role("button", name="Godkjenn").click()
    assert jurist.locator("#status").inner_text() == "Godkjent"
    assert "SHA-256" in jurist.locator("#frozen").inner_text()
    assert_accessible(axe, jurist)

    # each side records its own signature: the coordinator for the municipality, Nav Fjordvik's budget owner for the State
    nav = browser.new_context(locale="nb-NO").new_page()
    log_in(nav, live_server, "budsjett.fjordvik@demo.no")
    for page, party, signer in ((drafter, "Fjordvik kommune (demo)", "Kari Leder"), (nav, "Arbeids- og velferdsetaten", "Berit Leder")):
        page.goto(agreement_url)
        assert page.locator("#party_id option").all_inner_texts() == [party]  # only its own party is offered
        page.locator("#signer_name").fill(signer)
        page.locator("#signer_role").fill("Enhetsleder")
        page.get_by_role("button", name="Registrer signatur").click()
    drafter.goto(agreement_url)
    assert drafter.locator("#status").inner_text() == "Signert"
    assert "registrert av Berit Budsjett for egen part" in drafter.locator("#signatures").inner_text()
    assert_accessible(axe, drafter)
    with drafter.expect_download() as download:
        drafter.get_by_role("link", name=re.compile(r"samarbeidsavtale-\d+-v\d+\.docx")).first.click()
    assert download.value.suggested_filename.endswith(".docx")
    save_screenshot(drafter, "workflow-4-5-agreement-signed")
