"""What the browser tests share besides fixtures: the axe-core check and logging in through the page."""
from __future__ import annotations

from contracts_app import demo

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}


def assert_accessible(axe, page) -> None:
    results = axe.run(page, options=WCAG_AA)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert violations == [], f"axe-core found WCAG 2.1 A/AA violations on {page.url}:\n" + "\n".join(violations)


def log_in(page, base: str, email: str, password: str = demo.DEMO_PASSWORD) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/home")
