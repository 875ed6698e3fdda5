"""The jobs page at national scale (issue 22): the same number of SQL statements with a few runs as with many
(each job's last run in one statement, the page of runs and its counts in the database), and the run results
worked out once per row."""
from __future__ import annotations

import datetime as dt

import pytest

from contracts_app import clock
from contracts_app.jobs.models import JobRun, RunStatus

from ..support import login

#: user and session, the header's unread count, the page's count and rows, the hidden runs' count, each job's
#: last run, the failed e-mails' count
JOBS_PAGE_STATEMENTS = 7


def _runs(db, n: int, *, after: int = 0) -> None:
    """``n`` runs of two jobs, a minute apart from minute ``after`` of yesterday: some changed something, some
    failed, some changed nothing."""
    start = clock.now() - dt.timedelta(days=1)
    for i in range(n):
        at = start + dt.timedelta(minutes=after + i)
        status = RunStatus.failed if i % 5 == 4 else RunStatus.succeeded
        result = None if status is RunStatus.failed else {"sent": i % 3, "failed": 0}
        db.add(JobRun(job=("notifications.mailer", "capacity.holds")[i % 2], window_key=at.strftime("%Y-%m-%dT%H:%MZ"),
                      status=status, trigger="schedule", attempts=1, started_at=at, finished_at=at, result=result,
                      error="Traceback\nRuntimeError: boom" if status is RunStatus.failed else None))
    db.commit()


@pytest.mark.parametrize("query", ["", "?result=all", "?result=idle", "?result=failed"])
def test_the_jobs_page_runs_the_same_statements_with_a_few_runs_as_with_many(client, db, world, count_statements, query):
    login(client, world.users["admin"].email)
    _runs(db, 5)
    db.expunge_all()
    with count_statements() as few:
        assert client.get(f"/admin/jobs{query}").status_code == 200
    assert len(few) <= JOBS_PAGE_STATEMENTS, "\n".join(few)
    _runs(db, 120, after=5)
    db.expunge_all()
    with count_statements() as many:
        response = client.get(f"/admin/jobs{query}")
    assert response.status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_the_jobs_page_shows_each_runs_result_or_error(client, db, world):
    login(client, world.users["admin"].email)
    _runs(db, 5)
    html = client.get("/admin/jobs?result=all").get_data(as_text=True)
    assert "RuntimeError: boom" in html  # the error's last line as the summary
    assert "sendt: 2" in html  # a run that changed something: its counts in words
    assert "ingen endringer" in html  # a run that changed nothing
