"""The scheduler's jobs and "run now" while many people log in, browse and buy (issue 19, item 5).

On SQLite — the database of `make run` — every writer waits its turn for the one write lock: a request or job
that read first and then writes in a deferred transaction fails at once with "database is locked" when another
writer committed in between (a WAL snapshot that is out of date cannot be upgraded; the busy timeout does not
help). So every write path takes the write lock first (`db.begin_write`). This test runs every job, by hand
("Kjør nå" on /admin/jobs, which audits each run) and as the scheduler does, while 20 clients log in, browse,
buy and read their notices on a database file of its own: no answer is a 5xx, and no audit row is lost.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

from sqlalchemy import func, select

from contracts_app.audit import AuditEvent
from contracts_app.courses.pricing import Rate
from contracts_app.jobs import runner
from contracts_app.jobs.models import JobRun, RunStatus
from contracts_app.jobs.registry import JOBS
from contracts_app.purchases.form_tokens import new_token
from contracts_app.purchases.models import SeatPurchase

from contracts_app.auth.models import Role

from ..factories import make_budget, make_course, make_user, make_world
from ..support import login

CLIENTS = 20
ROUNDS = 2


def _setup(app) -> tuple[int, int, int]:
    with app.app_context():
        from contracts_app.db import get_session

        session = get_session()
        world = make_world(session)
        course = make_course(session, world.adult_education, title="Mange plasser", total_seats=1000,
                             rates=[Rate(dt.date(2026, 1, 1), Decimal("60"))])
        budget = make_budget(session, world.nav_office, line="Drift", amount="1000000")  # forecast.py overflows far beyond year 9999 (reported)
        # One advisor per client: logging out ends every session of the user.
        for i in range(CLIENTS):
            make_user(session, f"advisor{i}@test.no", role=Role.advisor, unit=world.nav_office)
        session.commit()
        return course.id, budget.id, session.scalar(select(func.count()).select_from(SeatPurchase))


def test_jobs_and_run_now_beside_twenty_clients(live_app):
    app = live_app
    course_id, budget_id, purchases_before = _setup(app)
    errors: list[str] = []
    bought: list[int] = []
    done = threading.Event()

    def record(what: str, status: int) -> int:
        if status >= 500:
            errors.append(f"{what}: {status}")
        return status

    def person(i: int) -> None:
        try:
            for r in range(ROUNDS):
                c = app.test_client()
                c.environ_base["REMOTE_ADDR"] = f"10.0.{i}.{r + 1}"  # the throttle counts per address
                assert record("login", login(c, f"advisor{i}@test.no").status_code) == 302
                for path in ("/", "/courses/", f"/courses/{course_id}", "/inbox"):
                    record(path, c.get(path).status_code)
                data = {"seats": "1", "start_date": "2026-03-02", "end_date": "2026-03-06", "budget_id": str(budget_id),
                        "participants-0-reference": f"LOAD-{i}-{r}", "action": "confirm", "form_token": new_token()}
                r_buy = c.post(f"/courses/{course_id}/buy", data=data)
                if record("buy", r_buy.status_code) == 302 and "/purchases/" in r_buy.location:
                    bought.append(1)
                record("read-all", c.post("/inbox/read-all").status_code)
                record("logout", c.post("/logout").status_code)
        except Exception as exc:  # noqa: BLE001 - reported below, with the thread's name
            errors.append(f"client {i}: {type(exc).__name__}: {exc}")

    manual: list[int] = []

    def admin() -> None:
        """ "Kjør nå" on /admin/jobs, every job in turn, until the clients are done (and at least once each)."""
        try:
            c = app.test_client()
            c.environ_base["REMOTE_ADDR"] = "10.1.0.1"
            assert login(c, "admin@test.no").status_code == 302
            while True:
                for name in JOBS:
                    manual.append(record(f"run {name}", c.post(f"/admin/jobs/{name}/run").status_code))
                if done.is_set():
                    return
        except Exception as exc:  # noqa: BLE001
            errors.append(f"admin: {type(exc).__name__}: {exc}")

    outcomes: list[runner.Outcome] = []

    def scheduler() -> None:
        """What the in-process scheduler does: catch up, then run the jobs on their triggers (here: in a loop)."""
        try:
            with app.app_context():
                outcomes.extend(runner.catch_up())
                while not done.is_set():
                    for name in JOBS:
                        outcomes.append(runner.run_job(name, trigger="schedule", window_key=f"load:{time.monotonic_ns()}"))
        except Exception as exc:  # noqa: BLE001
            errors.append(f"scheduler: {type(exc).__name__}: {exc}")

    people = [threading.Thread(target=person, args=(i,), name=f"client-{i}") for i in range(CLIENTS)]
    background = [threading.Thread(target=admin, name="admin"), threading.Thread(target=scheduler, name="scheduler")]
    for t in background + people:
        t.start()
    for t in people:
        t.join(timeout=120)
    done.set()
    for t in background:
        t.join(timeout=120)

    assert not errors, errors[:10]
    assert manual and set(manual) == {302}, manual
    assert len(bought) == CLIENTS * ROUNDS
    failed = [o for o in outcomes if o.status == "failed"]
    assert not failed, [(o.job, o.error) for o in failed[:5]]
    with app.app_context():
        from contracts_app.db import get_session

        s = get_session()
        # Every "run now" left its run and its audit row, and the run says how it went.
        audited = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "job.run_manually"))
        manual_runs = s.scalar(select(func.count()).select_from(JobRun).where(JobRun.trigger == "manual"))
        assert audited == manual_runs == len(manual)
        assert s.scalar(select(func.count()).select_from(JobRun).where(JobRun.status != RunStatus.succeeded)) == 0
        logins = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.logged_in"))
        assert logins == CLIENTS * ROUNDS + 1
        assert s.scalar(select(func.count()).select_from(SeatPurchase)) == purchases_before + CLIENTS * ROUNDS
