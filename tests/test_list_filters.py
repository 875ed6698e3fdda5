"""Every list page reads its query string with a form (issue 19, item 1): an unknown choice, a bad number or a
value too long is a message next to its filter and the page still answers 200, with the list of the filters that
hold (never a filter silently dropped under a misleading count); page numbers are bounded. Valid filters still
filter. The law-change list has its own table in tests/lawchange/test_lawchange.py."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from contracts_app.jobs.models import JobRun, RunStatus
from contracts_app.notifications.models import OutboxMessage, OutboxStatus

from .support import FIXED_NOW, login


# The world is built once per module and every test runs in a savepoint rolled back after it (tests/conftest.py,
# module_world): each test still starts from the same fresh world, without building it again.
pytestmark = pytest.mark.shared_world()


LONG = "9" * 400
NOT_A_CHOICE = "Ikke et gyldig valg"
NO_CHANGE = "Velg en regelendring fra listen."


def _errors(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'class="ds-validation-message"[^>]*>([^<]*)<', page)]


@pytest.mark.parametrize("email,url,messages", [
    # /admin/jobs
    ("admin@test.no", "/admin/jobs?job=no.such.job", [NOT_A_CHOICE]),
    ("admin@test.no", "/admin/jobs?result=sometimes", [NOT_A_CHOICE]),
    ("admin@test.no", f"/admin/jobs?job={LONG}&result={LONG}&page={LONG}&per_page=-1", [NOT_A_CHOICE, NOT_A_CHOICE]),
    ("admin@test.no", "/admin/jobs?page=abc&per_page=1e9", []),
    ("admin@test.no", "/admin/jobs?page=-1", []),
    # /admin/outbox
    ("admin@test.no", "/admin/outbox?status=nope", [NOT_A_CHOICE]),
    ("admin@test.no", "/admin/outbox?status=SENT", [NOT_A_CHOICE]),
    ("admin@test.no", f"/admin/outbox?status={LONG}&page={LONG}", [NOT_A_CHOICE]),
    ("admin@test.no", "/admin/outbox?page=0&per_page=100000", []),
    # /admin/audit
    ("admin@test.no", "/admin/audit?object_type=no_such_type", [NOT_A_CHOICE]),
    ("admin@test.no", f"/admin/audit?object_id={'x' * 65}", ["Feltet kan ikke være lenger enn 64 tegn."]),
    ("admin@test.no", f"/admin/audit?action={'a' * 81}&actor={'b' * 201}",
     ["Feltet kan ikke være lenger enn 200 tegn.", "Feltet kan ikke være lenger enn 80 tegn."]),
    ("admin@test.no", f"/admin/audit?page={LONG}", []),
    # /law-changes (empty here: the messages and the page size still hold)
    ("legal@test.no", "/law-changes?change=abc&kind=contract&verdict=x&handled=maybe", [NO_CHANGE] + [NOT_A_CHOICE] * 3),
    ("legal@test.no", f"/law-changes?change={LONG}&page={LONG}", [NO_CHANGE]),
    ("legal@test.no", "/law-changes?change=-1&page=-1", [NO_CHANGE]),
])
def test_a_bad_filter_is_a_message_on_its_field_and_the_page_answers(client, world, email, url, messages):
    login(client, email)
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert sorted(_errors(page)) == sorted(messages)
    assert page.count('aria-invalid="true"') == len(messages)


@pytest.mark.parametrize("url", [
    "/admin/jobs?job=a%00b", "/admin/outbox?status=%1b", "/admin/audit?actor=x%00y", "/law-changes?kind=%00",
])
def test_control_characters_in_a_filter_are_refused_at_the_boundary_not_a_500(client, world, url):
    login(client, "legal@test.no" if url.startswith("/law") else "admin@test.no")
    assert client.get(url).status_code == 400  # boundary.py: no list takes them (a page with the reason)


@pytest.mark.parametrize("value", ["abc", "-1", "0", LONG, "1.5", "99999"])
def test_a_scenario_that_is_not_there_says_so_and_never_500s(client, world, value):
    login(client, "legal@test.no")
    response = client.get(f"/regelsjekk?scenario={value}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Fant ikke scenarioet." in page and 'name="reference_date"' in page  # the empty form, with the reason


def test_an_empty_scenario_is_no_scenario(client, world):
    login(client, "legal@test.no")
    response = client.get("/regelsjekk?scenario=")
    assert response.status_code == 200 and "Fant ikke scenarioet." not in response.get_data(as_text=True)


# --- valid filters still filter -----------------------------------------------------------------------------------


def _message(db, n: int, status: OutboxStatus) -> OutboxMessage:
    m = OutboxMessage(user_id=None, to_address=f"x{n}@test.no", subject=f"Emne {n}", body="Hei", locale="nb",
                      dedupe_key=f"t:{n}", status=status, attempts=0, next_attempt_at=FIXED_NOW, created_at=FIXED_NOW)
    db.add(m)
    return m


@pytest.mark.parametrize("query,subjects", [
    ("", {"Emne 1", "Emne 2", "Emne 3"}),
    ("status=failed", {"Emne 1"}),
    ("status=sink", {"Emne 2", "Emne 3"}),
    ("status=sent", set()),
    ("status=bogus", {"Emne 1", "Emne 2", "Emne 3"}),  # not applied, and said so
])
def test_the_outbox_filters_by_status(client, db, world, query, subjects):
    _message(db, 1, OutboxStatus.failed)
    _message(db, 2, OutboxStatus.sink)
    _message(db, 3, OutboxStatus.sink)
    db.commit()
    login(client, "admin@test.no")
    page = client.get(f"/admin/outbox?{query}").get_data(as_text=True)
    assert set(re.findall(r"<summary>(Emne \d)</summary>", page)) == subjects
    assert f"{len(subjects)} e-post" in page
    assert "Lagret her, ikke sendt (ingen SMTP-server) (2)" in page  # the statuses in words, with their counts


def test_the_outbox_pages_in_the_database(client, db, world):
    for n in range(1, 8):
        _message(db, n, OutboxStatus.sink)
    db.commit()
    login(client, "admin@test.no")
    first = client.get("/admin/outbox?status=sink&per_page=3").get_data(as_text=True)
    assert first.count("<summary>") == 3 and "Side 1 av 3" in first and "status=sink" in first.split('rel="next"')[1][:200]
    last = client.get("/admin/outbox?status=sink&per_page=3&page=3").get_data(as_text=True)
    assert last.count("<summary>") == 1


@pytest.mark.parametrize("query,actions", [
    ("object_type=user_account&action=user.created", {"user.created"}),
    ("action=membership.", {"membership.added"}),
    ("object_type=no_such_type&action=membership.", {"membership.added"}),  # the valid filter still holds
])
def test_the_audit_log_filters(client, world, query, actions):
    login(client, "admin@test.no")
    page = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    shown = set(re.findall(r'data-action="([a-z_]+\.[a-z_]+)"', page))
    assert shown == actions


def _run(db, job: str, minute: int, result: dict | None, status: RunStatus = RunStatus.succeeded) -> JobRun:
    at = FIXED_NOW - dt.timedelta(minutes=minute)
    run = JobRun(job=job, window_key=at.strftime("%Y-%m-%dT%H:%MZ"), status=status, trigger="schedule", attempts=1,
                 started_at=at, finished_at=at if status is not RunStatus.running else None, result=result,
                 error="RuntimeError: boom" if status is RunStatus.failed else None)
    db.add(run)
    return run


@pytest.fixture
def runs(db, world):
    idle_mail = {"immediate": 0, "digest": 0, "inbox_only": 0, "sent": 0, "failed": 0, "sink": 0}
    for minute in range(1, 11):  # ten idle mailer runs, then one that sent, then five idle again
        _run(db, "notifications.mailer", minute, idle_mail)
    _run(db, "notifications.mailer", 11, {**idle_mail, "immediate": 2, "sent": 2})
    for minute in range(12, 17):
        _run(db, "notifications.mailer", minute, idle_mail)
    _run(db, "law.reassess", 20, {"changes": [], "checked": 0, "moved": 0, "notices": 0})
    _run(db, "law.reassess", 21, {"changes": [3], "checked": 40, "moved": 12, "notices": 2})
    _run(db, "budget.alerts", 30, None, RunStatus.failed)
    _run(db, "capacity.holds", 0, None, RunStatus.running)
    db.commit()


def _shown(page: str) -> tuple[int, list[int]]:
    """(single run rows, sizes of the folded rows)."""
    return page.count("data-run="), [int(n) for n in re.findall(r'data-run-fold="(\d+)"', page)]


@pytest.mark.parametrize("query,total,singles,folds,hidden", [
    # by default: the runs that did something, failed or still run; the 16 idle ones are counted, not listed
    ("", 4, 4, [], 16),
    ("job=notifications.mailer", 1, 1, [], 15),
    ("job=law.reassess", 1, 1, [], 1),
    ("result=failed", 1, 1, [], 0),
    ("result=running", 1, 1, [], 0),
    # all runs: consecutive idle runs of a job are one row
    ("result=all", 20, 5, [10, 5], 0),
    ("result=all&job=notifications.mailer", 16, 1, [10, 5], 0),
    ("result=idle", 16, 1, [15], 0),
    ("result=succeeded&job=law.reassess", 2, 2, [], 0),
    # an invalid filter is not applied (and said so): the default list
    ("job=nope", 4, 4, [], 16),
])
def test_the_jobs_page_filters_by_job_and_result_and_folds_runs_without_changes(
        client, runs, query, total, singles, folds, hidden):
    login(client, "admin@test.no")
    response = client.get(f"/admin/jobs?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    status = re.sub(r"\s+", " ", page.split('id="runs-total"')[1].split("</p>")[0])
    assert f"{total} kjøring" in status
    assert (f"{hidden} kjøring" in status and "uten endringer vises ikke" in status) if hidden else "vises ikke" not in status
    assert _shown(page) == (singles, folds)


def test_the_jobs_page_speaks_bokmal_and_pages(client, runs):
    login(client, "admin@test.no")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "hvert minutt" in page and "hver time" in page and "daglig kl. 00:10" in page  # schedules
    assert ">planlagt<" in page and ">fullført<" in page and ">feilet<" in page  # trigger and statuses
    assert "regelendringer vurdert på nytt: 3" in page and "konklusjoner endret: 12" in page  # the result in words
    assert ">succeeded<" not in page and '"moved"' not in page and ">schedule<" not in page
    paged = client.get("/admin/jobs?result=all&per_page=5").get_data(as_text=True)
    assert "Side 1 av 4" in paged and "result=all" in paged.split('rel="next"')[1][:200]
    assert _shown(paged) == (1, [4])  # the running run, then four idle mailer runs in one row
