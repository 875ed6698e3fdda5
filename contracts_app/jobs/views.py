"""Admin page for scheduled jobs: what ran (start, end, result, error) and "run now"."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from ..formbase import FlaskForm
from sqlalchemy import func, select

from .. import audit, clock
from ..auth import permissions as perm
from ..auth.access import requires
from ..db import get_session
from ..notifications.models import OutboxMessage, OutboxStatus
from ..web import current_actor
from . import runner
from .models import JobRun
from .registry import JOBS

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


@bp.get("")
@requires(perm.is_admin)
def index():
    session = get_session()
    job = request.args.get("job") if request.args.get("job") in JOBS else None
    stmt = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(100)
    if job:
        stmt = stmt.where(JobRun.job == job)
    runs = session.scalars(stmt).all()
    latest_ids = session.execute(select(JobRun.job, func.max(JobRun.id)).group_by(JobRun.job)).all()
    latest = {r.job: r for r in session.scalars(select(JobRun).where(JobRun.id.in_([i for _, i in latest_ids])))} if latest_ids else {}
    failed_mail = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.failed)) or 0
    return render_template("jobs/index.html", jobs=JOBS.values(), runs=runs, latest=latest, job=job, failed_mail=failed_mail,
                           form=FlaskForm())


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
        flash(_("%(job)s ran: %(result)s", job=name, result=", ".join(f"{k} {v}" for k, v in outcome.result.items())), "success")
    else:
        flash(_("%(job)s failed: %(error)s", job=name, error=outcome.error or ""), "error")
    return redirect(url_for(".index"))
