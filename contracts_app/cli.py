"""Command-line interface: `flask --app contracts_app <group> <command>`."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import clock


def register(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(rules_cli)
    app.cli.add_command(capacity_cli)
    app.cli.add_command(scheduler_cli)
    from .ocds.cli import ocds_cli  # the OCDS package owns its group

    app.cli.add_command(ocds_cli)
    app.cli.add_command(setup)


@click.command("setup")
@click.option("--demo", is_flag=True, help="Also load the demo organisations, users and data (idempotent).")
@click.pass_context
@with_appcontext
def setup(ctx: click.Context, demo: bool) -> None:
    """Bring the database up to what the app needs, in one process: `db upgrade`, `rules load-thresholds` and,
    with --demo, `demo load` (what `make migrate` and `make run` do)."""
    ctx.invoke(db_upgrade, revision="head")
    ctx.invoke(rules_load_thresholds)
    if demo:
        ctx.invoke(demo_load, scale=None)


db_cli = AppGroup("db", help="Database migrations (Alembic).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from . import migrate

    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    from . import migrate

    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


@db_cli.command("current")
def db_current() -> None:
    from alembic import command

    from . import migrate

    command.current(migrate.alembic_config(current_app.config["DATABASE_URL"]), verbose=True)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    from . import migrate

    command.revision(migrate.alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True)


users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create")
@click.option("--email", required=True, help="Login e-mail address.")
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option(
    "--role",
    type=click.Choice(["admin", "advisor", "provider_coordinator", "budget_owner", "legal_reviewer"]),
    default="admin",
    show_default=True,
)
@click.option("--unit-id", type=int, default=None, help="Unit for the role (not needed for admin).")
def users_create(email: str, name: str, password: str, role: str, unit_id: int | None) -> None:
    """Create a user with one role, e.g. the first administrator."""
    from .audit import SYSTEM
    from .auth import services
    from .auth.models import Role
    from .db import get_session
    from .errors import ValidationFailed
    from .organisations.models import Unit

    session = get_session()
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit_id and unit is None:
        raise click.ClickException(f"No unit with id {unit_id}.")
    try:
        user = services.create_user(session, email=email, name=name, password=password, actor=SYSTEM, now=clock.now())
        services.add_membership(session, user, role=Role(role), unit=unit, actor=SYSTEM, now=clock.now())
    except ValidationFailed as exc:
        session.rollback()
        for err in exc.errors:
            click.echo(f"{err['path']}: {err['message']}", err=True)
        sys.exit(2)
    session.commit()
    click.echo(f"Created {user.email} ({role}).")


demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
@click.option("--scale", default=None, metavar="national|FRACTION",
              help="Also load the national data set (contracts_app/national.py): «national», or a fraction of it such as 0.01.")
def demo_load(scale: str | None) -> None:
    """Load the demo organisations and users (idempotent) and print the logins."""
    from . import demo, national
    from .db import get_session

    try:
        scale and national.parse_scale(scale)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scale") from None
    session = get_session()
    created = demo.load(session, now=clock.now())
    session.commit()
    click.echo(
        f"Demo data: {created['entities']} legal entities, {created['units']} units, {created['users']} users, "
        f"{created['courses']} courses, {created['budgets']} budget lines, {created['agreements']} agreements, "
        f"{created['offers']} offers of free seats created."
    )
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for email, roles, where in demo.logins():
        click.echo(f"  {email:32} {roles:22} {where}")
    if scale:
        national.run_cli(session, scale, click.echo)


rules_cli = AppGroup("rules", help="The procurement rules engine.")


def _table_for_cli():
    """The threshold table in the database; the shipped one when there is no database (yet)."""
    from sqlalchemy.exc import SQLAlchemyError

    from .db import get_session
    from .rulecheck.services import current_table
    from .rules import ThresholdTable

    session = get_session()
    try:
        return current_table(session)
    except SQLAlchemyError:
        session.rollback()
        return ThresholdTable.shipped()


@rules_cli.command("evaluate")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def rules_evaluate(source) -> None:
    """Assess the facts in SOURCE (a JSON file, or - for standard input): one facts object or {"cases": [...]}.

    Prints the assessment as JSON and exits 0; invalid input prints {"errors": [...]} and exits 2.
    A batch prints {"results": [...]}, one assessment or {"errors": [...]} per case in order, and exits 0
    when at least one case was assessed, 2 only when every case was invalid or the document is malformed.
    No cap on the number of cases.
    """
    import gc
    import json
    import os

    from .rules import evaluate_document

    table = _table_for_cli()
    # Batches allocate millions of small objects that all live until the end: the cyclic garbage collector
    # would only walk them again and again.
    gc.disable()
    try:
        doc = json.load(source)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        doc, code = None, 2
        body = {"errors": [{"path": "", "message": f"not valid JSON: {exc}"}]}
    else:
        code, body = evaluate_document(doc, table)
    import orjson

    sys.stdout.flush()
    sys.stdout.buffer.write(orjson.dumps(body) + b"\n")  # compact UTF-8, the same JSON as json.dumps
    sys.stdout.buffer.flush()
    # Skip tearing down the objects one by one: nothing is left to save, and it takes most of a second
    # for a large batch.
    os._exit(code)


@rules_cli.command("load-thresholds")
def rules_load_thresholds() -> None:
    """Load the threshold table shipped with the code into the database (only what is missing)."""
    from .audit import SYSTEM
    from .db import get_session
    from .rulecheck.services import load_shipped

    session = get_session()
    added = load_shipped(session, actor=SYSTEM, now=clock.now())
    session.commit()
    click.echo(f"Threshold periods: {added} added.")


@rules_cli.command("reassess")
@click.option("--show", default=50, show_default=True, help="List at most this many moved items per change.")
def rules_reassess(show: int) -> None:
    """Re-assess the open items for every pending change of the law data (each change once, also when the
    scheduler runs it at the same time) and print the verdicts that moved."""
    from sqlalchemy import select

    from .audit import SYSTEM
    from .db import get_session
    from .lawchange.services import reassess_pending
    from .rulecheck.models import LawChange, LawChangeItem

    session = get_session()
    result = reassess_pending(session, now=clock.now(), actor=SYSTEM)
    session.commit()
    if not result["changes"]:
        click.echo("No pending change of the law data.")
    for change_id in result["changes"]:
        change = session.get(LawChange, change_id)
        click.echo(f"Law change {change.id} ({change.cause}, table {change.table_before_id} → {change.table_after_id}): "
                   f"{change.items_checked} open items checked, {change.items_moved} moved.")
        moved = session.scalars(select(LawChangeItem).where(LawChangeItem.law_change_id == change_id)
                                .order_by(LawChangeItem.id).limit(show))
        for item in moved:
            before = item.verdict_before + (f" ({item.regime_before})" if item.regime_before else "")
            after = item.verdict_after + (f" ({item.regime_after})" if item.regime_after else "")
            click.echo(f"  {item.object_type} {item.object_id} «{item.label}» {item.reference_date}: {before} → {after} "
                       f"[{', '.join(item.rules_before)} → {', '.join(item.rules_after)}]")
        if (change.items_moved or 0) > show:
            click.echo(f"  … and {change.items_moved - show} more (see «Endringer etter regelendring»).")
    click.echo(f"Notices to legal reviewers: {result['notices']}.")


capacity_cli = AppGroup("capacity", help="Free-seat offers and requests.")


@capacity_cli.command("expire")
def capacity_expire() -> None:
    """Release holds that ran out, end offers past their deadline and move waiting lists on (idempotent)."""
    from .capacity.expiry import expire_due
    from .capacity.seats import HoldDays
    from .db import get_session

    session = get_session()
    result = expire_due(session, now=clock.now(), days=HoldDays.from_config(current_app.config))
    session.commit()
    click.echo(f"Expired: {result['requests']} request(s), {result['offers']} offer(s).")


scheduler_cli = AppGroup("scheduler", help="Scheduled jobs (reminders, expiries, alerts, e-mail).")


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the scheduler in this process until stopped (one such process next to the web workers)."""
    from .jobs.scheduler import run_forever

    run_forever(current_app._get_current_object())


@scheduler_cli.command("run-once")
@click.argument("job")
@click.option("--window", default=None, help="Claim this window key instead of a window of its own (e.g. 2026-03-02).")
def scheduler_run_once(job: str, window: str | None) -> None:
    """Run JOB now, through the same claim as the scheduler (a manual run gets a window of its own)."""
    from .jobs.registry import JOBS
    from .jobs.runner import run_job

    if job not in JOBS:
        raise click.ClickException(f"No job {job!r}. Jobs: {', '.join(JOBS)}")
    outcome = run_job(job, trigger="manual", window_key=window)
    click.echo(f"{outcome.job} {outcome.window_key}: {outcome.status} {outcome.result or outcome.error or ''}")
    if outcome.status == "failed":
        sys.exit(1)


@scheduler_cli.command("list")
def scheduler_list() -> None:
    """The jobs and when they run (Europe/Oslo)."""
    from .jobs.registry import JOBS

    for job in JOBS.values():
        click.echo(f"{job.name:24} {job.schedule.describe():16} {job.description}")
