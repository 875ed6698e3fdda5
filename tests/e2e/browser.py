"""What the browser tests share besides fixtures: the axe-core check, the Content-Security-Policy check and
logging in through the page."""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from contracts_app import demo

from ..support import wtforms_english_messages

_ENGLISH = wtforms_english_messages()

# Chromium reports every blocked inline script, event handler, style or foreign resource as a console error
# naming the policy ("… violates the following Content Security Policy directive …").
_csp_messages: dict[int, list[str]] = {}


def watch_csp(page) -> None:
    """Collect the page's Content-Security-Policy violations from now on (once per page; log_in and the
    ``page`` fixture call it, so every page a test drives is watched from its first request)."""
    if id(page) in _csp_messages:
        return
    seen: list[str] = []
    _csp_messages[id(page)] = seen
    page.on("console", lambda msg: seen.append(f"{page.url}: {msg.text}") if "Content Security Policy" in msg.text else None)
    page.on("close", lambda _page: _csp_messages.pop(id(page), None))


def assert_no_csp_violations(page) -> None:
    seen = _csp_messages.get(id(page), [])
    assert seen == [], "the Content-Security-Policy blocked something:\n" + "\n".join(seen)

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}


def assert_no_english_form_messages(page) -> None:
    """On a bokmål page no WTForms message in English ("Not a valid choice.", "Field must be …")."""
    if not (page.get_attribute("html", "lang") or "").startswith("nb"):
        return
    text = page.inner_text("body")
    found = sorted({m.group(0) for p in _ENGLISH for m in [p.search(text)] if m})
    assert found == [], f"English WTForms messages on the bokmål page {page.url}: {found}"


def assert_accessible(axe, page) -> None:
    """WCAG 2.1 A/AA by axe-core, and (checked here because every test calls it on every page it visits) no
    Content-Security-Policy violation so far on this page, no English WTForms message on a bokmål page, and
    not a server error page (an error page passes axe, so it is checked here)."""
    assert_no_csp_violations(page)
    assert_no_english_form_messages(page)
    failed = page.locator("[data-error-status^='5']")
    assert failed.count() == 0, f"{page.url} is a server error page ({failed.first.get_attribute('data-error-status')})"
    results = axe.run(page, options=WCAG_AA)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert violations == [], f"axe-core found WCAG 2.1 A/AA violations on {page.url}:\n" + "\n".join(violations)


# The session cookies of each demo user's first login through the form, per server: a later ``log_in`` of the
# same user in a new browser context starts from them (one request instead of the login form's three).
_SESSIONS: dict[tuple[str, str], list] = {}


def log_in(page, base: str, email: str, password: str = demo.DEMO_PASSWORD, *, through_form: bool = False) -> None:
    """Log ``email`` in and land on their home page. The first time per user and server (and always with
    ``through_form``) through the login form; later with that login's session cookies, unless the server no
    longer takes them (logged out everywhere, idle too long …), then through the form again."""
    watch_csp(page)
    key = (base, email)
    if not through_form and password == demo.DEMO_PASSWORD and key in _SESSIONS:
        page.context.add_cookies(_SESSIONS[key])
        page.goto(base + "/home")
        if urlsplit(page.url).path == "/home":
            return
        page.context.clear_cookies()
    page.goto(base + "/login")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/home")
    if password == demo.DEMO_PASSWORD:
        _SESSIONS[key] = page.context.cookies(base)


#: Where the workflow tests save a screenshot of their end state (CI keeps the folder as an artifact).
ARTIFACTS = Path(os.environ.get("CONTRACTS_TEST_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts")


def save_screenshot(page, name: str) -> Path:
    """A full-page PNG of ``page`` as ``test-artifacts/screenshots/<name>.png``; returns its path."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^\w.-]+", "-", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


# --- the workflow tests' helpers (tests/e2e/test_workflows.py): the app's own words, amounts, inbox, language ---

_TRANSLATIONS: dict[str, object] = {}


def tr(msgid: str, lang: str = "nb", **params) -> str:
    """The app's text for the English ``msgid`` in ``lang`` from its compiled catalogue, so a test names a button
    or a label the way the page shows it in either language (a changed bokmål wording does not break it)."""
    from babel.support import NullTranslations, Translations

    if lang not in _TRANSLATIONS:
        folder = Path(__file__).resolve().parents[2] / "contracts_app" / "translations"
        _TRANSLATIONS[lang] = NullTranslations() if lang == "en" else Translations.load(str(folder), [lang])
    text = _TRANSLATIONS[lang].gettext(msgid)
    return text % params if params else text


def amount(text: str):
    """A shown amount ("kr 12 345,50", "NOK 12,345.50", "kr −1 200,00") as a Decimal."""
    from decimal import Decimal

    text = text.replace("\u2212", "-").strip()
    sign = -1 if "-" in text else 1
    digits = re.sub(r"[^\d,.]", "", text)
    if re.search(r",\d{1,2}$", digits):  # bokmål: comma decimals, dots or spaces as thousands separators
        digits = digits.replace(".", "").replace(",", ".")
    else:  # English: comma thousands separators
        digits = digits.replace(",", "")
    return sign * Decimal(digits)


def budget_figures(page) -> dict[str, object]:
    """The budget page's status table (amount, committed, spent, remaining) as Decimals, by column position."""
    cells = page.locator("table").first.locator("tbody td").all_inner_texts()
    return dict(zip(("amount", "committed", "spent", "remaining"), (amount(c) for c in cells[:4])))


def inbox_notice(page, *texts: str):
    """Open the inbox through the header link and return the one notice that contains every one of ``texts``."""
    page.locator("#inbox-link").click()
    page.wait_for_url("**/inbox")
    card = page.locator("li.ds-card")
    for text in texts:
        card = card.filter(has_text=text)
    return card


def switch_language(page, lang: str) -> None:
    """Pick the language in the header (it is saved on the user: switch back at the end of a test)."""
    page.locator("#header-locale").select_option(lang)
    page.locator("form.lang-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == lang


@contextmanager
def in_language(lang: str, *pages):
    """The users of ``pages`` work in ``lang`` inside the block and in bokmål again after it (the language is
    saved on the user, and the other tests expect bokmål)."""
    if lang != "nb":
        for page in pages:
            switch_language(page, lang)
    try:
        yield
    finally:
        if lang != "nb":
            for page in pages:
                switch_language(page, "nb")


def ntr(singular: str, plural: str, n: int, lang: str = "nb", **params) -> str:
    """The app's plural text (``ngettext``) for ``n`` in ``lang``, filled with ``params``."""
    tr("", lang)  # loads the catalogue
    return _TRANSLATIONS[lang].ngettext(singular, plural, n) % params
