"""Notices to users, their e-mail preferences, and the e-mail outbox.

A notice is rendered from ``kind`` and ``params`` in the reader's language when shown. E-mail is a second
channel: the dispatcher (a scheduled job) looks at each new notice once and, by the user's preference, puts an
e-mail in the outbox now, keeps it for the daily digest, or leaves it in the inbox only.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..vocab import LabelledEnum


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, validate_strings=True, length=20)


class EmailStatus(str, enum.Enum):
    pending = "pending"  # new: the dispatcher has not looked at it yet
    skipped = "skipped"  # inbox only (the user's choice, an inactive user, or a notice from before e-mail existed)
    queued = "queued"  # an immediate e-mail is in the outbox
    digest = "digest"  # waits for the user's daily digest
    digested = "digested"  # went out in a digest


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_email_status", "email_status", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # What happened, e.g. "capacity.request_received"; the message catalogue in messages.py renders it.
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]]
    # Where to look (a path inside the app).
    link: Mapped[Optional[str]] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column()
    read_at: Mapped[Optional[dt.datetime]] = mapped_column()
    # Set by scheduled jobs: the same notice to the same user is stored once, however often a job reruns
    # ("agreement.ends_soon:12:2026-06-30:30|u5"). Null for notices of user actions, which happen once anyway.
    dedupe_key: Mapped[Optional[str]] = mapped_column(String(200), unique=True)
    # Where the notice is on the e-mail side (see EmailStatus).
    email_status: Mapped[EmailStatus] = mapped_column(_enum(EmailStatus, "notification_email_status"), default=EmailStatus.pending)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id}>"


class DeliveryMode(str, enum.Enum):
    none = "none"  # inbox only
    immediate = "immediate"  # an e-mail for each notice, within a minute
    digest = "digest"  # one e-mail a day with all such notices


class NotificationPreference(Base):
    """A user's choice for one kind of notice. No row = the default of messages.DEFAULT_MODE."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    mode: Mapped[DeliveryMode] = mapped_column(_enum(DeliveryMode, "delivery_mode"))
    updated_at: Mapped[dt.datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"<NotificationPreference user={self.user_id} {self.kind}={self.mode.value}>"


class OutboxStatus(LabelledEnum):
    queued = "queued"  # waits to be sent (again) at next_attempt_at
    sent = "sent"  # the SMTP server accepted it
    sink = "sink"  # no SMTP host is configured: kept here, never sent (development and tests)
    failed = "failed"  # gave up after CONTRACTS_SMTP_MAX_ATTEMPTS; an admin can queue it again

    __labels__ = {"queued": _l("Queued"), "sent": _l("Sent"), "sink": _l("Kept here, not sent (no SMTP server)"), "failed": _l("Failed")}


class OutboxMessage(Base):
    """One e-mail, rendered in the recipient's language when it was queued."""

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # nb | en: the language it was written in.
    locale: Mapped[str] = mapped_column(String(5))
    # One message per event and recipient, however often a job reruns: "notification:17", "digest:5:2026-03-02".
    # Also the source of the Message-ID header, so a mail client can recognise a resend.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.queued)
    # Sending attempts so far; each failure doubles the wait before the next (runner: backoff()).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column()
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column()
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column()

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status.value} to={self.to_address!r} attempts={self.attempts}>"
