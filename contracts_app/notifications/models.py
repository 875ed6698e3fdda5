"""A notice to one user. The text is rendered from ``kind`` and ``params`` in the reader's language."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # What happened, e.g. "capacity.request_received"; the message catalogue in messages.py renders it.
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]]
    # Where to look (a path inside the app).
    link: Mapped[Optional[str]] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column()
    read_at: Mapped[Optional[dt.datetime]] = mapped_column()

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id}>"
