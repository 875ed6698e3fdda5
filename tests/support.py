"""Plain helpers shared by the test modules (fixtures live in the conftest.py files; test modules import
from here, never from a conftest or from another test module)."""
from __future__ import annotations

import datetime as dt
import os

import pytest

CI = os.environ.get("CI") == "true"
# The PostgreSQL server's database as given; make test runs pytest-xdist workers, and each worker gets a
# database of its own beside it (contracts_test_gw0, …), created by conftest.pytest_configure.
PG_BASE_URL = os.environ.get("CONTRACTS_TEST_DATABASE_URL")
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
PG_URL = f"{PG_BASE_URL}_{XDIST_WORKER}" if PG_BASE_URL and XDIST_WORKER else PG_BASE_URL
# 2 March 2026, 09:00 in Oslo: a Monday, inside the 2024–2026 threshold period.
FIXED_NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)
PASSWORD = "correct-horse-battery"  # noqa: S105 - test data


def need(condition, why: str) -> None:
    """Skip locally when a tool is missing; in CI a missing tool is a failure."""
    if not condition:
        (pytest.fail if CI else pytest.skip)(why)


def login(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def tiny_pdf(pages: int = 1) -> bytes:
    """A real (blank) PDF: signed-PDF uploads must parse as PDF (documents/uploads.py)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def wtforms_english_messages() -> list:
    """WTForms' own English messages (the msgids of ``wtforms/locale/wtforms.pot``) as patterns with any
    ``%(name)s`` as a wildcard: none of them may reach a bokmål page."""
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po
    from wtforms.i18n import messages_path

    with (Path(messages_path()) / "wtforms.pot").open("rb") as fh:
        ids = [m.id for m in read_po(fh) if m.id]
    texts = [t for i in ids for t in (i if isinstance(i, tuple) else (i,))]
    patterns = []
    for text in texts:
        parts = re.split(r"%\(\w+\)[sd]", text.rstrip("."))
        patterns.append(re.compile(".*?".join(re.escape(p) for p in parts) + r"\.?", re.IGNORECASE))
    return patterns


def run_parallel(app, jobs):
    """Run each job (session → result) in its own thread and session at the same moment; a domain refusal is
    its result, any other error fails the test."""
    import threading

    from contracts_app.errors import DomainError

    factory = app.extensions["contracts_db"].factory
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        with app.app_context():
            session = factory()
            barrier.wait()
            try:
                results[i] = job(session)
                session.commit()
            except DomainError as exc:
                session.rollback()
                results[i] = exc
            except Exception as exc:  # noqa: BLE001 - reported below: any other error fails the test
                session.rollback()
                results[i] = ("crash", repr(exc))
            finally:
                session.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [r for r in results if isinstance(r, tuple) and r[0] == "crash"], results
    return results
