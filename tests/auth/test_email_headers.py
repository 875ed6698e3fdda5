"""Issue 18, item 9: subjects and display names reach the message without CR/LF, so a line break typed into a
reason can neither add a header nor keep a notice's e-mail failing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from contracts_app.notifications import email
from contracts_app.notifications.models import OutboxMessage

from ..support import FIXED_NOW

SUBJECTS = [
    ("Avslått:\r\nBcc: alle@example.test", "Avslått: Bcc: alle@example.test"),
    ("To linjer\ngrunn", "To linjer grunn"),
    ("Gammel\rMac", "Gammel Mac"),
    ("Unicode\u2028linjeskift\u0085og\x00null", "Unicode linjeskift og null"),
    ("  mellomrom  \t inni ", "mellomrom inni"),
    ("Vanlig emne", "Vanlig emne"),
]


@pytest.mark.parametrize("raw,clean", SUBJECTS)
def test_header_text_is_one_line(raw, clean):
    assert email.header_text(raw) == clean


@pytest.mark.parametrize("raw,clean", SUBJECTS)
def test_queued_subjects_are_cleaned_and_build(db, world, raw, clean):
    user = world.users["advisor"]
    assert email.enqueue(db, user, raw, "body", locale="nb", dedupe_key=f"t:{raw!r}", now=FIXED_NOW)
    msg = db.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"t:{raw!r}"))
    assert msg.subject == clean
    built = email.build(msg, "kursportalen@localhost", FIXED_NOW)
    header_lines = built.as_string().split("\n\n", 1)[0].splitlines()
    assert built["Subject"] == clean and not any(line.startswith("Bcc:") for line in header_lines)


@pytest.mark.parametrize(
    "sender",
    ["Kursportalen\r\nBcc: x@example.test <k@example.test>", "kursportalen@localhost", "Kursportalen <k@example.test>"],
)
def test_rows_queued_before_the_cleaning_and_sender_names_are_cleaned_when_built(db, world, sender):
    row = OutboxMessage(user_id=world.users["advisor"].id, to_address="advisor@test.no", subject="Ny\r\nBcc: x@example.test",
                        body="b", locale="nb", dedupe_key="old", attempts=0, next_attempt_at=FIXED_NOW, created_at=FIXED_NOW)
    built = email.build(row, sender, FIXED_NOW)
    header_lines = built.as_string().split("\n\n", 1)[0].splitlines()
    assert built["Subject"] == "Ny Bcc: x@example.test"
    assert not any(line.startswith("Bcc:") for line in header_lines) and built["Bcc"] is None
    assert "\r" not in str(built["From"]) and "\n" not in str(built["From"])
