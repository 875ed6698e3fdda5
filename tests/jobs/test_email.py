"""E-mail: preferences decide immediate / digest / inbox only; texts in the reader's language; an unreachable SMTP
server leaves messages queued and retried with backoff, never lost; a crash mid-way sends nothing twice."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from contracts_app.jobs import runner
from contracts_app.notifications import email as mail
from contracts_app.notifications.models import EmailStatus, Notification, OutboxMessage, OutboxStatus
from contracts_app.notifications.services import notify_users

from .smtp_fake import FakeSMTP, closed_port


def run(name):
    out = runner.run_job(name, trigger="manual")
    assert out.status == "succeeded", out.error
    return out.result


def outbox(db):
    return db.scalars(select(OutboxMessage).order_by(OutboxMessage.id).execution_options(populate_existing=True)).all()


def tell(db, world, role, kind="budget.runout_soon", key=None):
    now = world.clock.now() if hasattr(world, "clock") else None
    from contracts_app import clock

    notify_users(db, [world.users[role].id], kind, {"line": "Tiltak", "year": 2026, "unit": "Nav Testvik",
                                                  "date": "2026-04-12", "days": 41},
                 link="/budgets/1", now=now or clock.now(), dedupe_key=key)
    db.commit()


@pytest.fixture
def smtp(config):
    server = FakeSMTP()
    config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none", SMTP_FROM="kurs@test.no")
    yield server
    server.close()


def test_without_an_smtp_host_the_outbox_is_the_sink(ctx, db, world):
    mail.set_preferences(db, world.users["budget_owner"].id, {"budget.runout_soon": "immediate"}, now=ctx.extensions["clock"].now())
    tell(db, world, "budget_owner")
    assert run("notifications.mailer")["sink"] == 1
    [m] = outbox(db)
    assert m.status == OutboxStatus.sink and m.sent_at is None and m.to_address == "budget@test.no"
    assert "12.04.2026" in m.body and m.subject.startswith("Kursportalen:")  # bokmål by default


def test_preferences_decide_immediate_digest_or_inbox_only(ctx, db, world, smtp):
    now = ctx.extensions["clock"].now()
    mail.set_preferences(db, world.users["budget_owner"].id, {"budget.runout_soon": "immediate"}, now=now)
    mail.set_preferences(db, world.users["legal_reviewer"].id, {"budget.runout_soon": "none"}, now=now)
    world.users["advisor"].locale = "en"  # advisor keeps the default: the daily digest
    for role in ("budget_owner", "legal_reviewer", "advisor"):
        tell(db, world, role)
    r = run("notifications.mailer")
    assert (r["immediate"], r["digest"], r["inbox_only"], r["sent"]) == (1, 1, 1, 1)
    [msg] = smtp.messages
    assert msg["To"] == "budget@test.no" and "budsjettet «Tiltak»" in msg.get_content()
    statuses = {n.user_id: n.email_status for n in db.scalars(select(Notification))}
    assert statuses[world.users["legal_reviewer"].id] == EmailStatus.skipped
    # the digest at 07:00: one e-mail for the advisor, in English
    r = run("notifications.digest")
    assert r == {"users": 1, "digests": 1, "notices": 1}
    run("notifications.mailer")
    digest = smtp.messages[-1]
    assert digest["To"] == "advisor@test.no" and "daily summary" in digest["Subject"] and "runs out on 12.04.2026" in digest.get_content()
    assert run("notifications.digest")["digests"] == 0 and len(smtp.messages) == 2


def test_unreachable_smtp_leaves_messages_queued_with_growing_backoff_then_sends_them_once(ctx, db, world, config):
    clock = ctx.extensions["clock"]
    config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=closed_port(), SMTP_TLS="none")
    for role in ("budget_owner", "advisor"):
        mail.set_preferences(db, world.users[role].id, {"budget.runout_soon": "immediate"}, now=clock.now())
        tell(db, world, role)
    t0 = clock.now()
    assert run("notifications.mailer")["failed"] == 2
    msgs = outbox(db)
    assert [(m.status, m.attempts, m.next_attempt_at) for m in msgs] == [(OutboxStatus.queued, 1, t0 + dt.timedelta(minutes=1))] * 2
    assert all("ConnectionRefusedError" in m.last_error for m in msgs)
    # not due yet: no attempt
    clock.advance(seconds=30)
    assert run("notifications.mailer")["failed"] == 0 and outbox(db)[0].attempts == 1
    clock.advance(seconds=30)
    run("notifications.mailer")
    assert [(m.attempts, m.next_attempt_at) for m in outbox(db)] == [(2, clock.now() + dt.timedelta(minutes=2))] * 2
    clock.advance(minutes=2)
    run("notifications.mailer")
    assert [(m.attempts, m.next_attempt_at) for m in outbox(db)] == [(3, clock.now() + dt.timedelta(minutes=4))] * 2
    # the server is back
    server = FakeSMTP()
    try:
        config["SMTP_PORT"] = server.port
        clock.advance(minutes=4)
        assert run("notifications.mailer")["sent"] == 2
        assert sorted(m["To"] for m in server.messages) == ["advisor@test.no", "budget@test.no"]
        assert all(m.status == OutboxStatus.sent and m.sent_at == clock.now() and m.last_error is None for m in outbox(db))
        clock.advance(minutes=10)
        run("notifications.mailer")
        assert len(server.messages) == 2
    finally:
        server.close()


def test_after_the_last_attempt_a_message_is_failed_and_an_admin_can_queue_it_again(ctx, db, world, config):
    clock = ctx.extensions["clock"]
    config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=closed_port(), SMTP_TLS="none", SMTP_MAX_ATTEMPTS=2)
    mail.set_preferences(db, world.users["budget_owner"].id, {"budget.runout_soon": "immediate"}, now=clock.now())
    tell(db, world, "budget_owner")
    run("notifications.mailer")
    clock.advance(minutes=1)
    run("notifications.mailer")
    [m] = outbox(db)
    assert (m.status, m.attempts) == (OutboxStatus.failed, 2)
    from contracts_app.audit import Actor

    assert mail.requeue(db, m.id, actor=Actor(world.users["admin"].id), now=clock.now()) is not None
    db.commit()
    assert (outbox(db)[0].status, outbox(db)[0].attempts) == (OutboxStatus.queued, 0)


def test_a_crash_in_the_middle_of_sending_and_a_rerun_send_nothing_twice(ctx, db, world, smtp, monkeypatch):
    clock = ctx.extensions["clock"]
    for role in ("budget_owner", "advisor", "legal_reviewer"):
        mail.set_preferences(db, world.users[role].id, {"budget.runout_soon": "immediate"}, now=clock.now())
        tell(db, world, role)
    real_record = mail._record
    calls = {"n": 0}

    def crash_after_first(session, msg_id, *args, **kw):
        real_record(session, msg_id, *args, **kw)
        calls["n"] += 1
        if calls["n"] == 1:
            raise SystemError("the scheduler process was killed")

    monkeypatch.setattr(mail, "_record", crash_after_first)
    out = runner.run_job("notifications.mailer", trigger="manual")
    assert out.status == "failed"
    monkeypatch.setattr(mail, "_record", real_record)
    assert len(smtp.messages) == 1
    # the two leased but unsent messages wait for their backoff; the rerun sends them and never the first again
    clock.advance(minutes=1)
    run("notifications.mailer")
    assert sorted(m["To"] for m in smtp.messages) == ["advisor@test.no", "budget@test.no", "legal@test.no"]
    assert len({m["Message-ID"] for m in smtp.messages}) == 3
    clock.advance(minutes=10)
    run("notifications.mailer")
    assert len(smtp.messages) == 3


def test_a_crash_in_the_middle_of_a_reminder_job_and_a_rerun_tell_everyone_once(ctx, db, world, monkeypatch):
    from contracts_app.agreements.states import AgreementStatus as S
    from contracts_app.jobs import agreements as agreement_jobs

    from ..agreements.helpers import make_agreement

    make_agreement(db, world, state=S.active, start_date="2024-04-01", end_date="2026-03-31")
    make_agreement(db, world, state=S.active, start_date="2024-07-01", end_date="2026-06-30")
    real = agreement_jobs.notify_users
    calls = {"n": 0}

    def crash_on_third(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemError("killed")
        return real(*a, **kw)

    monkeypatch.setattr(agreement_jobs, "notify_users", crash_on_third)
    assert runner.run_job("agreements.reminders").status == "failed"
    monkeypatch.setattr(agreement_jobs, "notify_users", real)
    assert runner.run_job("agreements.reminders").status == "succeeded"  # the failed window is claimed again
    assert runner.run_job("agreements.reminders").status == "skipped"
    runner.run_job("agreements.reminders", trigger="manual")  # and a manual run on top
    reminders = Notification.kind.in_(["agreement.ends_soon", "agreement.option_deadline"])  # not the set-up's own notices
    keys = [n.dedupe_key for n in db.scalars(select(Notification).where(reminders))]
    assert len(keys) == len(set(keys)) == 9  # 3 users × (end of the first, end and option of the second)


def test_a_sender_whose_lease_ran_out_does_not_overwrite_the_next_attempt(ctx, db, world):
    """Sender A leases a message and stalls past its lease; sender B leases it again. A's late result is dropped."""
    clock = ctx.extensions["clock"]
    mail.set_preferences(db, world.users["advisor"].id, {"budget.runout_soon": "immediate"}, now=clock.now())
    tell(db, world, "advisor")
    mail.dispatch_pending(db, clock.now())  # the notice becomes a queued e-mail (no SMTP host: nothing is sent)
    db.commit()
    msg = outbox(db)[0]
    msg.status, msg.attempts, msg.next_attempt_at = OutboxStatus.queued, 0, clock.now()
    db.commit()
    hold = dt.timedelta(seconds=90)
    a = mail._lease(db, msg, clock.now(), hold)
    db.refresh(msg)
    assert a == 1 and mail._lease(db, msg, clock.now(), hold) is None  # taken
    later = clock.now() + dt.timedelta(minutes=5)
    b = mail._lease(db, msg, later, hold)
    assert b == 2
    mail._record(db, msg.id, a, now=later, error="timed out", max_attempts=5, leased_at=clock.now())
    db.refresh(msg)
    assert (msg.attempts, msg.last_error, msg.status) == (2, None, OutboxStatus.queued)
    mail._record(db, msg.id, b, now=later, error=None, max_attempts=5, leased_at=later)
    db.refresh(msg)
    assert msg.status == OutboxStatus.sent
