"""Admin page for scheduled jobs: what ran (start, end, result, error), filtered by job and result and paged in
the database, and "run now". By default the runs that changed nothing are left out (the mailer runs every minute);
"all runs" shows them, consecutive ones of a job folded into one row."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import false, func, select, true

from .. import audit, clock
from ..auth import permissions as perm
from ..auth.access import requires
from ..db import get_session
from ..notifications.models import OutboxMessage, OutboxStatus
from ..pagination import paginate, requested
from ..web import current_actor
from . import runner
from .forms import RunFilterForm
from .labels import job_title, result_items, result_summary, schedule_label, trigger_label, window_label
from .models import JobRun, RunStatus
from .registry import JOBS

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


PAGE_SIZE = 50


def _runs(job: str, result: str):
    stmt = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if job:
        stmt = stmt.where(JobRun.job == job)
    if result == "":
        stmt = stmt.where(JobRun.idle == false())
    elif result == "idle":
        stmt = stmt.where(JobRun.idle == true())
    elif result != "all":
        stmt = stmt.where(JobRun.status == RunStatus(result))
    return stmt


def _folded(runs: list[JobRun], fold: bool) -> list[dict]:
    """The page's rows: with ``fold``, consecutive runs of one job that changed nothing are one row. A row carries
    its first run's result as labelled items (``result_items``), worked out once here for the template."""
    rows: list[dict] = []
    for run in runs:
        items = result_items(run.result) if run.status is RunStatus.succeeded else []
        idle = run.status is RunStatus.succeeded and not items
        last = rows[-1] if rows else None
        if fold and idle and last is not None and last["idle"] and last["runs"][0].job == run.job:
            last["runs"].append(run)
        else:
            rows.append({"idle": idle, "runs": [run], "result": items})
    return rows


@bp.get("")
@requires(perm.is_admin)
def index():
    session = get_session()
    form = RunFilterForm(request.args)
    filters = form.filters()  # an invalid filter has a message on its field and is not applied
    job, result = filters["job"], filters["result"]
    page, per_page = requested(request.args, per_page=PAGE_SIZE)
    total, hidden = None, 0
    if result == "":  # the runs listed and those hidden (changed nothing, JobRun.idle), counted in one pass
        total, hidden = session.execute(_runs(job, "all").with_only_columns(
            func.count().filter(JobRun.idle == false()), func.count().filter(JobRun.idle == true())).order_by(None)).one()
    found = paginate(session, _runs(job, result), page=page, per_page=per_page, total=total)
    newest_ids = select(func.max(JobRun.id)).group_by(JobRun.job)  # each job's last run, in the same statement
    latest = {r.job: r for r in session.scalars(select(JobRun).where(JobRun.id.in_(newest_ids)))}
    failed_mail = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.failed)) or 0
    args = {k: v for k, v in filters.items() if v}
    if "per_page" in request.args:
        args["per_page"] = found.per_page
    return render_template(
        "jobs/index.html", jobs=JOBS.values(), rows=_folded(found.items, fold=result in ("all", "idle", "succeeded")),
        found=found, args=args, hidden=hidden, job=job, result=result, filter_form=form, latest=latest,
        failed_mail=failed_mail, schedule_label=schedule_label, trigger_label=trigger_label,
        job_title=job_title, window_label=window_label,
    )


@bp.post("/<name>/run")
@requires(perm.is_admin)
def run_now(name: str):
    if name not in JOBS:
        abort(404)
    actor = current_actor()
    # The job runs in transactions of its own. This request's session has read (the user) in a transaction
    # that began before the job wrote: on SQLite that transaction can never take the write lock after the job
    # committed ("database is locked", at once, whatever the busy timeout). So end it here, and write the audit
    # row in the transaction that records the run's outcome: both are committed together, or neither.
    get_session().commit()

    def audited(session, outcome: runner.Outcome) -> None:
        audit.record(session, actor, "job.run_manually", object_type="job_runs", object_id=outcome.run_id, at=clock.now(),
                     after={"job": name, "window_key": outcome.window_key, "status": outcome.status})

    outcome = runner.run_job(name, trigger="manual", on_finish=audited)
    if outcome.status == "succeeded":
        flash(_("%(job)s ran: %(result)s", job=job_title(name), result=result_summary(outcome.result)), "success")
    else:
        flash(_("%(job)s failed: %(error)s", job=job_title(name), error=outcome.error or ""), "error")
    return redirect(url_for(".index"))
