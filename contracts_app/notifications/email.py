"""E-mail: preferences, the outbox, the dispatcher, the daily digest and SMTP delivery.

Flow: a notice is stored (services.notify_users) → the dispatcher job looks at it once and, by the user's
preference for its kind, queues an e-mail now (``immediate``), keeps it for the digest (``digest``) or leaves it
in the inbox only (``none``) → the digest job writes one e-mail a day per user → the same dispatcher job sends
what is due from the outbox. Every outbox row has a unique dedupe key, so a rerun never queues a second copy.

Sending is at-least-once per message: a row is leased (attempts + 1, next attempt pushed back) and committed
before the SMTP conversation, and marked sent right after the server accepts it. Only a crash between those two
moments can send a message twice; its Message-ID is derived from the dedupe key, so mail clients show one.
No SMTP host configured: the outbox is the sink (status ``sink``), nothing leaves, admins read it at /admin/outbox.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import smtplib
import ssl
from collections import defaultdict
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import clock
from ..auth.models import User
from ..db import begin_write
from .messages import DEFAULT_MODE, KIND_LABELS, render
from .models import DeliveryMode, EmailStatus, Notification, NotificationPreference, OutboxMessage, OutboxStatus

DISPATCH_BATCH = 1000
SEND_BATCH = 200
BACKOFF_FIRST_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600


# --- preferences ---------------------------------------------------------------------------------------------

def preferences(session: Session, user_id: int) -> dict[str, str]:
    """Every kind the user can choose for → its mode (the default where nothing is saved)."""
    saved = {p.kind: p.mode.value for p in session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    return {kind: saved.get(kind, DEFAULT_MODE) for kind in KIND_LABELS}


def set_preferences(session: Session, user_id: int, modes: dict[str, str], *, now: dt.datetime) -> int:
    """Save the user's choices (unknown kinds and modes are ignored). Returns how many changed."""
    from .. import audit
    from ..audit import Actor

    valid = {m.value for m in DeliveryMode}
    saved = {p.kind: p for p in session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    changed = {}
    for kind, mode in modes.items():
        if kind not in KIND_LABELS or mode not in valid:
            continue
        row = saved.get(kind)
        current = row.mode.value if row else DEFAULT_MODE
        if current == mode:
            continue
        if row is None:
            session.add(NotificationPreference(user_id=user_id, kind=kind, mode=DeliveryMode(mode), updated_at=now))
        else:
            row.mode, row.updated_at = DeliveryMode(mode), now
        changed[kind] = mode
    if changed:
        session.flush()
        audit.record(session, Actor(user_id), "notification.preferences_changed", object_type="user_account", object_id=user_id,
                     at=now, after=changed)
    return len(changed)


# --- composing -----------------------------------------------------------------------------------------------

def _locale(user: User) -> str:
    return user.locale if user.locale in ("nb", "en") else current_app.config["DEFAULT_LOCALE"]


def _url(path: str | None) -> str | None:
    if not path or not path.startswith("/") or path.startswith("//"):
        return None
    return current_app.config["BASE_URL"].rstrip("/") + path


def _footer() -> str:
    return "\n-- \n" + _("You get this e-mail because of your notification settings. Change them here: %(url)s",
                         url=_url("/settings/notifications"))


_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def header_text(value: str) -> str:
    """A subject or display name as one header line: line breaks and other control characters (a decline reason
    typed over two lines) become one space. A header with CR/LF is refused by the e-mail library, and a message
    that cannot be built is retried until it fails for good."""
    return " ".join(_HEADER_BREAKS.sub(" ", value or "").split())


def enqueue(session: Session, user: User, subject: str, body: str, *, locale: str, dedupe_key: str, now: dt.datetime) -> bool:
    """Put one e-mail in the outbox unless a message with this key exists. Returns whether it was added."""
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
        return False
    subject = header_text(subject)
    session.add(OutboxMessage(user_id=user.id, to_address=user.email, subject=subject[:300], body=body, locale=locale,
                              dedupe_key=dedupe_key[:200], status=OutboxStatus.queued, attempts=0, next_attempt_at=now,
                              created_at=now))
    session.flush()
    return True


def _immediate(session: Session, user: User, n: Notification, now: dt.datetime) -> bool:
    locale = _locale(user)
    with force_locale(locale):
        text = render(n.kind, n.params)
        summary = text if len(text) <= 110 else text[:108].rstrip() + "…"
        subject = _("Course portal: %(summary)s", summary=summary)
        lines = [_("Hello %(name)s,", name=user.name), "", text]
        if _url(n.link):
            lines += ["", _("Open it: %(url)s", url=_url(n.link))]
        body = "\n".join(lines) + "\n" + _footer() + "\n"
    return enqueue(session, user, subject, body, locale=locale, dedupe_key=f"notification:{n.id}", now=now)


# --- the dispatcher job: fan-out of new notices, then delivery --------------------------------------------------

def dispatch_pending(session: Session, now: dt.datetime) -> dict[str, int]:
    """Look once at every new notice: queue an e-mail, keep it for the digest, or leave it in the inbox."""
    notes = session.scalars(select(Notification).where(Notification.email_status == EmailStatus.pending)
                            .order_by(Notification.id).limit(DISPATCH_BATCH)).all()
    if not notes:
        return {"immediate": 0, "digest": 0, "inbox_only": 0}
    user_ids = {n.user_id for n in notes}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    prefs = {(p.user_id, p.kind): p.mode.value for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids)))}
    counts = {"immediate": 0, "digest": 0, "inbox_only": 0}
    for n in notes:
        user = users.get(n.user_id)
        mode = prefs.get((n.user_id, n.kind), DEFAULT_MODE) if user is not None and user.is_active else "none"
        if mode == "immediate":
            _immediate(session, user, n, now)
            n.email_status = EmailStatus.queued
            counts["immediate"] += 1
        elif mode == "digest":
            n.email_status = EmailStatus.digest
            counts["digest"] += 1
        else:
            n.email_status = EmailStatus.skipped
            counts["inbox_only"] += 1
    session.flush()
    return counts


def send_digests(session: Session, now: dt.datetime) -> dict[str, int]:
    """The daily digest: one e-mail per user with every notice kept for it, in the user's language."""
    notes = session.scalars(select(Notification).where(Notification.email_status == EmailStatus.digest,
                                                       Notification.created_at <= now)
                            .order_by(Notification.user_id, Notification.id)).all()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in notes:
        by_user[n.user_id].append(n)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(by_user))))} if by_user else {}
    digests = 0
    for uid, items in by_user.items():
        user = users[uid]
        if user.is_active:
            locale = _locale(user)
            with force_locale(locale):
                subject = _("Course portal: your daily summary (%(n)s new)", n=len(items))
                lines = [_("Hello %(name)s,", name=user.name), "", _("This happened since your last summary:"), ""]
                for n in items:
                    lines.append("• " + render(n.kind, n.params))
                    if _url(n.link):
                        lines.append("  " + _url(n.link))
                lines += ["", _("Your inbox: %(url)s", url=_url("/inbox"))]
                body = "\n".join(lines) + "\n" + _footer() + "\n"
            # The key names the last notice in it: a rerun after a crash finds the same key and adds nothing;
            # notices that arrive later the same day go into a digest of their own.
            digests += int(enqueue(session, user, subject, body, locale=locale,
                                   dedupe_key=f"digest:{uid}:{items[-1].id}", now=now))
        for n in items:
            n.email_status = EmailStatus.digested
    session.flush()
    return {"users": len(by_user), "digests": digests, "notices": len(notes)}


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th try: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return dt.timedelta(seconds=min(BACKOFF_FIRST_SECONDS * 2 ** max(0, attempts - 1), BACKOFF_MAX_SECONDS))


def message_id(dedupe_key: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    return f"<{hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]}@{domain}>"


def build(msg: OutboxMessage, sender: str, now: dt.datetime) -> EmailMessage:
    m = EmailMessage()
    # Cleaned here too: rows queued before enqueue cleaned subjects, and a display name in CONTRACTS_SMTP_FROM.
    m["From"] = header_text(sender)
    m["To"] = header_text(msg.to_address)
    m["Subject"] = header_text(msg.subject)
    m["Date"] = format_datetime(msg.created_at)
    m["Message-ID"] = message_id(msg.dedupe_key, sender)
    m["Auto-Submitted"] = "auto-generated"
    m["Content-Language"] = msg.locale
    m.set_content(msg.body)
    return m


def connect(cfg) -> smtplib.SMTP:
    host, port, timeout = cfg["SMTP_HOST"], cfg["SMTP_PORT"], cfg["SMTP_TIMEOUT"]
    if cfg["SMTP_TLS"] == "ssl":
        conn = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(host, port, timeout=timeout)
        if cfg["SMTP_TLS"] == "starttls":
            conn.starttls(context=ssl.create_default_context())
    if cfg.get("SMTP_USER"):
        conn.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
    return conn


def _lease(session: Session, msg: OutboxMessage, at: dt.datetime, hold: dt.timedelta) -> int | None:
    """Take the message for this attempt, right before sending it: attempts + 1 and the next attempt pushed back
    past the time a send can take (``_record`` sets the real retry time), committed before we talk to the server.
    A second sender at the same moment finds it taken (the WHERE no longer matches). Returns the attempt number."""
    tries = msg.attempts + 1
    got = session.execute(
        update(OutboxMessage).where(OutboxMessage.id == msg.id, OutboxMessage.status == OutboxStatus.queued,
                                    OutboxMessage.attempts == msg.attempts, OutboxMessage.next_attempt_at <= at)
        .values(attempts=tries, next_attempt_at=at + max(backoff(tries), hold)).execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return tries if got == 1 else None


def _record(session: Session, msg_id: int, tries: int, *, now: dt.datetime, error: str | None, max_attempts: int,
            leased_at: dt.datetime) -> None:
    """The outcome of our attempt — unless the lease ran out and another sender has taken the message since. A
    failure is retried ``backoff(attempts)`` after the attempt started."""
    begin_write(session)
    msg = session.get(OutboxMessage, msg_id, populate_existing=True)
    if msg.attempts != tries:
        session.commit()
        return
    if error is None:
        msg.status, msg.sent_at, msg.last_error = OutboxStatus.sent, now, None
    else:
        msg.last_error = error[:2000]
        msg.next_attempt_at = leased_at + backoff(tries)
        if msg.attempts >= max_attempts:
            msg.status = OutboxStatus.failed
    session.commit()


def deliver_due(session: Session, now: dt.datetime) -> dict[str, int]:
    """Send what is due from the outbox (or, without an SMTP host, move it to the sink). Each message is leased
    just before it is sent, so a slow server cannot let a lease run out while the message still waits here."""
    cfg = current_app.config
    begin_write(session)
    due = session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.queued,
                                                      OutboxMessage.next_attempt_at <= now)
                          .order_by(OutboxMessage.id).limit(SEND_BATCH)
                          .execution_options(populate_existing=True)).all()  # attempts as committed now
    if not due:
        return {"sent": 0, "failed": 0, "sink": 0}
    if not cfg.get("SMTP_HOST"):
        for msg in due:
            msg.status = OutboxStatus.sink
        session.commit()
        return {"sent": 0, "failed": 0, "sink": len(due)}
    session.commit()
    max_attempts = cfg["SMTP_MAX_ATTEMPTS"]
    hold = dt.timedelta(seconds=3 * float(cfg["SMTP_TIMEOUT"]) + 60)  # connect + send, with room to spare
    sent = failed = 0
    conn = broken = None
    try:
        for msg in due:
            at = max(now, clock.now())
            tries = _lease(session, msg, at, hold)
            if tries is None:
                continue
            if conn is None and broken is None:
                try:
                    conn = connect(cfg)
                except (OSError, smtplib.SMTPException) as exc:
                    broken = f"connect {cfg['SMTP_HOST']}:{cfg['SMTP_PORT']}: {type(exc).__name__}: {exc}"
            if broken is not None:
                _record(session, msg.id, tries, now=now, error=broken, max_attempts=max_attempts, leased_at=at)
                failed += 1
                continue
            try:
                conn.send_message(build(msg, cfg["SMTP_FROM"], now))
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                broken = f"{type(exc).__name__}: {exc}"
                _record(session, msg.id, tries, now=now, error=broken, max_attempts=max_attempts, leased_at=at)
                failed += 1
            except Exception as exc:  # noqa: BLE001 - refused recipient, too big, a bad address …: this message only
                _record(session, msg.id, tries, now=now, error=f"{type(exc).__name__}: {exc}", max_attempts=max_attempts, leased_at=at)
                failed += 1
            else:
                _record(session, msg.id, tries, now=now, error=None, max_attempts=max_attempts, leased_at=at)
                sent += 1
    finally:
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return {"sent": sent, "failed": failed, "sink": 0}


def requeue(session: Session, msg_id: int, *, actor, now: dt.datetime) -> OutboxMessage | None:
    """An admin sends a failed (or sink) message again: attempts start over."""
    from .. import audit

    msg = session.get(OutboxMessage, msg_id)
    if msg is None or msg.status not in (OutboxStatus.failed, OutboxStatus.sink):
        return None
    before = msg.status.value
    msg.status, msg.attempts, msg.next_attempt_at = OutboxStatus.queued, 0, now
    session.flush()
    audit.record(session, actor, "outbox.requeued", msg, at=now, before={"status": before}, after={"status": "queued"})
    return msg


def mailer(session: Session, now: dt.datetime) -> dict[str, int]:
    """The dispatcher job: new notices → outbox, then send what is due."""
    fan_out = dispatch_pending(session, now)
    session.commit()
    sent = deliver_due(session, now)
    return {**fan_out, **sent}
