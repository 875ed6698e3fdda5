"""The pages: notification settings, /admin/jobs (runs and run now), /admin/outbox (what was or would be sent);
and the command line."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from contracts_app.audit import AuditEvent
from contracts_app.jobs.models import JobRun
from contracts_app.notifications.models import NotificationPreference, OutboxMessage, OutboxStatus

from ..support import login


def test_a_user_chooses_e_mail_per_kind_of_notice(client, db, world):
    login(client, "budget@test.no")
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "Varslingsinnstillinger" in page and 'name="mode-budget.warning_crossed"' in page
    r = client.post("/settings/notifications", data={"mode-budget.warning_crossed": "immediate", "mode-agreement.expired": "none",
                                                     "mode-budget.runout_soon": "digest", "mode-x": "immediate"})
    assert r.status_code == 302
    prefs = {p.kind: p.mode.value for p in db.scalars(select(NotificationPreference))}
    assert prefs == {"budget.warning_crossed": "immediate", "agreement.expired": "none"}  # the default is not stored
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "notification.preferences_changed")).one()
    assert ev.actor_id == world.users["budget_owner"].id
    assert 'value="immediate" selected' in client.get("/settings/notifications").get_data(as_text=True)


def test_admin_runs_a_job_now_and_sees_the_run(client, db, world):
    login(client, "admin@test.no")
    r = client.post("/admin/jobs/budget.alerts/run")
    assert r.status_code == 302
    [run] = db.scalars(select(JobRun)).all()
    assert run.job == "budget.alerts" and run.trigger == "manual" and run.window_key.startswith("manual:")
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "job.run_manually")).one().after["status"] == "succeeded"
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Planlagte jobber" in page and run.window_key in page and "budget.alerts" in page
    assert client.post("/admin/jobs/no.such.job/run").status_code == 404


def test_admin_sees_what_would_have_been_sent_and_can_send_a_failed_message_again(client, db, world):
    from contracts_app import clock

    db.add(OutboxMessage(user_id=None, to_address="x@test.no", subject="Kursportalen: noe skjedde", body="Hei", locale="nb",
                         dedupe_key="t:1", status=OutboxStatus.failed, attempts=8, next_attempt_at=clock.now(),
                         last_error="ConnectionRefusedError: [Errno 111]", created_at=clock.now()))
    db.commit()
    login(client, "admin@test.no")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Kursportalen: noe skjedde" in page and "ConnectionRefusedError" in page and "CONTRACTS_SMTP_HOST" in page
    msg = db.scalars(select(OutboxMessage)).one()
    assert client.post(f"/admin/outbox/{msg.id}/requeue").status_code == 302
    db.refresh(msg)
    assert (msg.status, msg.attempts) == (OutboxStatus.queued, 0)


def test_run_once_on_the_command_line(app, db, world):
    result = app.test_cli_runner().invoke(args=["scheduler", "run-once", "retention.anonymise"])
    assert result.exit_code == 0 and "succeeded" in result.output
    assert app.test_cli_runner().invoke(args=["scheduler", "run-once", "nope"]).exit_code != 0
    listing = app.test_cli_runner().invoke(args=["scheduler", "list"]).output
    assert "agreements.reminders" in listing and "daily 06:00" in listing


def test_job_and_mail_settings_are_checked_at_start(tmp_path):
    import pytest

    from contracts_app import create_app
    from contracts_app.config import ConfigError

    base = {"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite3"}
    for bad in ({"RETENTION_MONTHS": 0}, {"SMTP_TLS": "maybe"}, {"SCHEDULER_IN_PROCESS": "perhaps"}, {"SMTP_PORT": 70000}):
        with pytest.raises(ConfigError):
            create_app({**base, **bad})
    app = create_app({**base, "SCHEDULER_IN_PROCESS": "off", "RETENTION_MONTHS": 24})
    assert app.config["SCHEDULER_IN_PROCESS"] is False and app.config["RETENTION_MONTHS"] == 24


@pytest.mark.parametrize("link,expected", [
    ("/agreements/7", "/agreements/7"),
    ("//evil.example/x", "/inbox"),
    ("/\\evil.example", "/inbox"),
    ("https://evil.example/", "/inbox"),
    ("/ok\x1bx", "/inbox"),
    (None, "/inbox"),
])
def test_opening_a_notice_follows_only_a_path_on_this_site(client, db, world, link, expected):
    from contracts_app import clock
    from contracts_app.notifications.models import Notification

    n = Notification(user_id=world.users["budget_owner"].id, kind="budget.warning_crossed", params={}, link=link,
                     created_at=clock.now())
    db.add(n)
    db.commit()
    login(client, "budget@test.no")
    r = client.post(f"/inbox/{n.id}/read", data={"open": "1"})
    assert r.status_code == 302 and r.location.endswith(expected)


def test_run_now_says_what_the_job_did_in_words(client, db, world):
    login(client, "admin@test.no")
    page = client.post("/admin/jobs/notifications.mailer/run", follow_redirects=True).get_data(as_text=True)
    assert "Utsending av e-post er kjørt: ingen endringer" in page


@pytest.mark.parametrize("key, shown", [
    ("2026-12-07", "07.12.2026"), ("2026-12-07T15:10Z", "07.12.2026 16:10"), ("manual-17", "manual-17"),
])
def test_a_run_window_is_shown_the_norwegian_way_in_local_time(app, key, shown):
    from contracts_app.jobs.labels import window_label

    with app.test_request_context("/"):
        assert window_label(key) == shown


def test_every_job_has_a_title_in_words(app):
    from contracts_app.jobs.labels import TITLES
    from contracts_app.jobs.registry import JOBS

    assert set(TITLES) == set(JOBS)
