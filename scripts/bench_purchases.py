"""Benchmark: confirmed seat purchases per second and latency with concurrent HTTP clients.

For each database (SQLite file, and PostgreSQL when a server can be had) it:
1. migrates an empty database and seeds it with the real services for organisations and users, then bulk
   inserts 10 000 courses and 100 000 earlier purchases (consistent seat and budget ledgers);
2. serves the app with gunicorn on 127.0.0.1 as the README's production command does (4 sync workers, no
   access log; or --workers/--threads);
3. runs 20 client threads, each an advisor at its own Nav office with its own budget line, that buy one seat
   on a random course through the real purchase form (preview skipped, confirm posted): first for a few
   seconds of warm-up (not measured), then for a fixed time (--repeat: that many windows one after another);
4. prints purchases per second, p50/p95/p99 latency, the CPU per purchase of the app, the database and the
   client for each window (and the app's per millisecond of the database's, which the machine's changing
   speed moves much less than the rest), and checks the ledgers afterwards (seats sold and money committed
   equal the confirmed purchases).

Usage:  .venv/bin/python scripts/bench_purchases.py [--seconds 15] [--warmup 3] [--repeat 1] [--clients 20] [--db sqlite,postgresql]
PostgreSQL: CONTRACTS_BENCH_PG_URL, or a throwaway server started here (needs root and Debian's postgresql).
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-passord-1"
START, END = dt.date(2026, 1, 5), dt.date(2026, 12, 18)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU seconds of each running process (Linux /proc), for the CPU split per purchase."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return out


def children(ppid: int) -> list[int]:
    """The process and its direct children (gunicorn's workers, PostgreSQL's backends)."""
    found = [ppid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == ppid:
                        found.append(int(entry))
            except OSError:
                continue
    return found


PG_PID: int | None = None  # the postmaster of the throwaway server, for CPU accounting


def start_postgres():
    """A throwaway PostgreSQL on 127.0.0.1 (as in .ci/run). Returns (url, stop) or (None, None)."""
    global PG_PID
    if os.environ.get("CONTRACTS_BENCH_PG_URL"):
        return os.environ["CONTRACTS_BENCH_PG_URL"], lambda: None
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not bins or os.geteuid() != 0:
        return None, None
    pgbin = bins[-1].parent
    tmp = tempfile.mkdtemp(prefix="bench-pg.")
    shutil.chown(tmp, "postgres", "postgres")
    port = free_port()
    run = lambda *a: subprocess.run(["runuser", "-u", "postgres", "--", *a], check=True, capture_output=True)  # noqa: E731
    run(str(pgbin / "initdb"), "-D", f"{tmp}/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
    run(str(pgbin / "pg_ctl"), "-D", f"{tmp}/data", "-l", f"{tmp}/log", "-w", "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c max_connections=200", "start")
    subprocess.run([str(pgbin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench"], check=True)
    PG_PID = int(Path(f"{tmp}/data/postmaster.pid").read_text().split()[0])

    def stop():
        subprocess.run(["runuser", "-u", "postgres", "--", str(pgbin / "pg_ctl"), "-D", f"{tmp}/data", "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)

    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/bench", stop


def seed(url: str, n_courses: int, n_purchases: int, n_offices: int) -> dict:
    from sqlalchemy import insert, select, text, update
    from stdnum.no import orgnr

    from contracts_app import create_app, migrate
    from contracts_app.auth.models import Membership, User
    from contracts_app.auth.services import hash_password
    from contracts_app.budget.models import Budget
    from contracts_app.courses.models import Course, CourseRate
    from contracts_app.db import get_session
    from contracts_app.organisations.models import LegalEntity, Unit
    from contracts_app.purchases.models import SeatPurchase

    migrate.upgrade(url)
    app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench"})
    rng = random.Random(2026)
    now = dt.datetime(2026, 11, 26, 8, tzinfo=dt.timezone.utc)
    numbers = (str(n) for n in range(960000000, 999999999) if orgnr.is_valid(str(n)))
    with app.app_context():
        s = get_session()
        state = LegalEntity(name="Arbeids- og velferdsetaten", org_number="889640782", legal_type="state",
                            is_contracting_authority=True, is_central_government=True, is_demo=False)
        s.add(state)
        munis = [LegalEntity(name=f"Benchkommune {i}", org_number=next(numbers), legal_type="municipality",
                             is_contracting_authority=True, is_central_government=False, is_demo=True,
                             municipality_number=f"{9000 + i}") for i in range(10)]
        s.add_all(munis)
        s.flush()
        offices = [Unit(name=f"Nav Bench {i}", kind="nav_office", legal_entity_id=state.id, municipal_entity_id=munis[i % 10].id,
                        municipality_number=munis[i % 10].municipality_number, is_active=True) for i in range(n_offices)]
        providers = [Unit(name=f"Voksenopplæring {i}", kind="adult_education", legal_entity_id=munis[i % 10].id,
                          municipality_number=munis[i % 10].municipality_number, is_active=True) for i in range(50)]
        s.add_all(offices + providers)
        s.flush()
        pw = hash_password(PASSWORD)
        users = [User(email=f"advisor{i}@bench.no", name=f"Advisor {i}", password_hash=pw, created_at=now, is_active=True) for i in range(n_offices)]
        s.add_all(users)
        s.flush()
        s.add_all([Membership(user_id=u.id, unit_id=o.id, role="advisor") for u, o in zip(users, offices)])
        budgets = [Budget(unit_id=o.id, year=2026, line="Tiltaksmidler opplæring", side="state", amount=Decimal("1000000000"),
                          committed=Decimal(0), spent=Decimal(0), warning_pct=Decimal(85), stop_mode="hard", created_at=now)
                   for o in offices]
        s.add_all(budgets)
        s.flush()
        course_rows = [dict(provider_unit_id=providers[i % 50].id, title=f"Norskkurs {i}", kind="norwegian_training",
                            cefr_min="A1", cefr_max="B1", format="in_person", municipality_number=providers[i % 50].municipality_number,
                            start_date=START, end_date=END, rolling_start=True, hours_per_week=Decimal(8),
                            teaching_weekdays="0,1,2,3,4", part_time=True, total_seats=1000, seats_held=0, seats_confirmed=0,
                            price_unit="per_hour", is_active=True, created_at=now, updated_at=now) for i in range(n_courses)]
        s.execute(insert(Course), course_rows)
        course_ids = s.scalars(select(Course.id).order_by(Course.id)).all()
        s.execute(insert(CourseRate), [dict(course_id=c, valid_from=dt.date(2026, 1, 1), amount=Decimal(60)) for c in course_ids])
        # Courses were inserted in order: course i belongs to provider i % 50 (the supplier is its municipality).
        supplier_of = {c: providers[i % 50].legal_entity_id for i, c in enumerate(course_ids)}
        seats = dict.fromkeys(course_ids, 0)
        committed = dict.fromkeys(range(n_offices), Decimal(0))
        rows = []
        for _ in range(n_purchases):
            o = rng.randrange(n_offices)
            c = rng.choice(course_ids)
            start = START + dt.timedelta(days=rng.randrange(0, 300))
            seats[c] += 1
            committed[o] += Decimal("960.00")
            rows.append(dict(course_id=c, buyer_unit_id=offices[o].id, side="state", budget_id=budgets[o].id, seats=1,
                             supplier_entity_id=supplier_of[c], course_kind="norwegian_training",
                             start_date=start, end_date=start + dt.timedelta(days=13), amount=Decimal("960.00"), breakdown=[],
                             status="confirmed", created_by_id=users[o].id, created_at=now, updated_at=now))
        for i in range(0, len(rows), 10000):
            s.execute(insert(SeatPurchase), rows[i:i + 10000])
        for c, n in seats.items():
            if n:
                s.execute(update(Course).where(Course.id == c).values(seats_confirmed=n))
        for o, amount in committed.items():
            s.execute(update(Budget).where(Budget.id == budgets[o].id).values(committed=amount))
        s.commit()
        if url.startswith("postgresql"):
            # A database in service has been vacuumed and analysed by autovacuum; without this, autovacuum
            # works through the 100 000 fresh rows during the measurement (and index-only scans cannot
            # skip the table until the visibility map is set).
            with s.connection().engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        result = {"course_ids": course_ids, "budgets": [b.id for b in budgets], "emails": [u.email for u in users]}
    app.extensions["contracts_db"].engine.dispose()
    return result


class Client:
    """A browser-like client: a session cookie, one request per connection (gunicorn's sync workers close it
    after each response, as they did for http.client).

    Written on a plain socket (the request's bytes, then the status line and two headers of the answer):
    the clients share the machine's two cores with the app and the database, and with ``http.client`` they
    took 0.9–1.0 ms of CPU per purchase that the app then did not have (now 0.4–0.6 ms) — the load generator
    should take as little of the machine as it can, as a C tool such as wrk would.
    """

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def post(self, path: str, form: dict, *, keep_cookie: bool = True) -> tuple[int, str | None]:
        """POST a form; returns the status and the Location. ``keep_cookie=False`` ignores a new session cookie:
        a confirmed purchase's cookie carries the flash message the detail page would show (and take out of
        the session); a client that does not follow the redirect would otherwise send an ever longer cookie
        of unread messages, which no browser does."""
        return self._request("POST", path, urllib.parse.urlencode(form).encode(), keep_cookie)

    def get(self, path: str) -> int:
        return self._request("GET", path, None, True)[0]

    def _request(self, method: str, path: str, body: bytes | None, keep_cookie: bool) -> tuple[int, str | None]:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nConnection: close\r\n"
        if self.cookie:
            head += f"Cookie: {self.cookie}\r\n"
        if body is not None:
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        chunks = []
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
            sock.sendall(head.encode() + b"\r\n" + (body or b""))
            while chunk := sock.recv(65536):  # the server closes the connection after the answer
                chunks.append(chunk)
        lines = b"".join(chunks).partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        status, location = int(lines[0].split(" ", 2)[1]), None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.lower()
            if name == "set-cookie" and keep_cookie:
                self.cookie = value.strip().split(";", 1)[0]
            elif name == "location":
                location = urllib.parse.urlsplit(value.strip()).path
        return status, location


def ledgers_consistent(url: str) -> bool:
    """After the run: every course's sold seats and every budget's commitment equal the confirmed purchases."""
    from sqlalchemy import text

    from contracts_app.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            seats = conn.execute(text(
                "SELECT count(*) FROM course c WHERE c.seats_confirmed <> (SELECT coalesce(sum(p.seats), 0) FROM seat_purchase p "
                "WHERE p.course_id = c.id AND p.status IN ('confirmed', 'completed')) OR c.seats_confirmed > c.total_seats")).scalar()
            money = conn.execute(text(
                "SELECT count(*) FROM budget b WHERE b.committed <> (SELECT coalesce(sum(p.amount), 0) FROM seat_purchase p "
                "WHERE p.budget_id = b.id AND p.status = 'confirmed') OR (b.stop_mode = 'hard' AND b.committed + b.spent > b.amount)")).scalar()
        return seats == 0 and money == 0
    finally:
        engine.dispose()


def run(url: str, label: str, args) -> list[dict]:
    t0 = time.perf_counter()
    data = seed(url, args.courses, args.purchases, args.clients)
    seed_s = time.perf_counter() - t0
    port = free_port()
    env = {**os.environ, "CONTRACTS_DATABASE_URL": url, "CONTRACTS_SECRET_KEY": "bench-secret-" + "x" * 32, "CONTRACTS_ENV": "production",
           "CONTRACTS_SECURE_COOKIES": "false", "CONTRACTS_WTF_CSRF_ENABLED": "false"}
    threads = ["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads > 1 else []
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), *threads, "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)  # no access log, as in the README
    try:
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        clients = []
        for email in data["emails"]:
            c = Client(port)
            assert c.post("/login", {"email": email, "password": PASSWORD})[0] == 302, "login failed"
            clients.append(c)
        rngs = [random.Random(i) for i in range(len(clients))]

        def worker(i: int, deadline: float, latencies: list | None, statuses: dict | None) -> None:
            rng = rngs[i]
            while time.perf_counter() < deadline:
                course = rng.choice(data["course_ids"])
                start = dt.date(2026, 3, 2) + dt.timedelta(weeks=rng.randrange(0, 30))
                form = {"seats": "1", "start_date": start.isoformat(), "end_date": (start + dt.timedelta(days=4)).isoformat(),
                        "budget_id": str(data["budgets"][i]), "participants-0-reference": f"B{i}-{rng.randrange(10**4)}",
                        "action": "confirm",
                        # What the page gives a browser: a one-time form token (a new form each time), and the
                        # confirmation that a start date before today is meant (the seeded courses run in 2026).
                        "form_token": secrets.token_urlsafe(32), "confirm_past_start": "y"}
                t = time.perf_counter()
                status, location = clients[i].post(f"/courses/{course}/buy", form, keep_cookie=args.follow)
                if latencies is not None:
                    latencies.append(time.perf_counter() - t)
                    statuses[status] = statuses.get(status, 0) + 1
                if args.follow and status == 302:  # what a browser does next: the purchase page, with the flash
                    assert clients[i].get(location) == 200, "the purchase page failed"

        def run_all(seconds: float, latencies: list | None = None, statuses: list | None = None) -> None:
            deadline = time.perf_counter() + seconds
            threads = [threading.Thread(target=worker, args=(i, deadline, None if latencies is None else latencies[i],
                                                             None if statuses is None else statuses[i]))
                       for i in range(len(clients))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        def measure() -> dict:
            latencies: list[list[float]] = [[] for _ in clients]
            statuses: list[dict] = [{} for _ in clients]
            server_pids = children(server.pid)
            db_pids = children(PG_PID) if PG_PID and url.startswith("postgresql") else []
            cpu_before = cpu_seconds(server_pids + db_pids)
            client_before = os.times()
            began = time.perf_counter()
            run_all(args.seconds, latencies, statuses)
            elapsed = time.perf_counter() - began
            client_after = os.times()
            db_pids = children(PG_PID) if db_pids else []  # backends may have been started during the run
            cpu_after = cpu_seconds(server_pids + db_pids)
            return _figures(label, args, elapsed, latencies, statuses, server_pids, db_pids, cpu_before, cpu_after,
                            client_before, client_after, seed_s)

        # Warm-up, not measured: a long-running worker has imported everything, compiled its SQL, prepared its
        # statements and built its holiday tables; a fresh one does that on its first purchases.
        run_all(args.warmup)
        results = [measure() for _ in range(args.repeat)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    consistent = ledgers_consistent(url)
    for r in results:
        r["ledgers_consistent"] = consistent
    return results


def _figures(label, args, elapsed, latencies, statuses, server_pids, db_pids, cpu_before, cpu_after, client_before,
             client_after, seed_s) -> dict:
    """One measured window's throughput, latency quantiles, CPU per purchase and fairness."""
    lat = sorted(x for xs in latencies for x in xs)
    total = {}
    for st in statuses:
        for k, v in st.items():
            total[k] = total.get(k, 0) + v
    q = statistics.quantiles(lat, n=100) if len(lat) > 2 else [0] * 99
    done = max(1, total.get(302, 0))

    def used(pids) -> float:
        return sum(cpu_after[p] - cpu_before.get(p, 0.0) for p in pids if p in cpu_after)

    app, db = used(server_pids), used(db_pids)
    cpu = {"app_ms": app, "db_ms": db,
           "client_ms": (client_after.user + client_after.system) - (client_before.user + client_before.system)}
    cpu = {k: round(v * 1000 / done, 1) for k, v in cpu.items()}
    # The app's CPU per millisecond of the database's: with the same data and the same statements, PostgreSQL
    # does the same work for every purchase, so its CPU per purchase measures how fast the machine ran in this
    # window, and the ratio compares the app's side (its code, its interpreter) across windows of different
    # speed (session 6, defaults: 3.1–3.3 while throughput moved between 109 and 136/s; ~5 % higher since
    # session 7's LZ4 compression made the database's part smaller). None on SQLite, which
    # runs inside the app, and with an outside server (CONTRACTS_BENCH_PG_URL), whose CPU is not measured.
    cpu["app_per_db"] = round(app / db, 2) if db else None
    return {"database": label, "seed_seconds": round(seed_s, 1), "clients": len(latencies), "workers": args.workers, "threads": args.threads,
            "seconds": round(elapsed, 1), "warmup": args.warmup, "follow": args.follow, "confirmed": total.get(302, 0), "statuses": total,
            "purchases_per_second": round(total.get(302, 0) / elapsed, 1),
            "p50_ms": round(q[49] * 1000, 1), "p95_ms": round(q[94] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else 0, "max_ms": round(lat[-1] * 1000, 1) if lat else 0,
            # Fairness: a server that serves some clients and starves others can show a low p95 (the starved
            # clients contribute few samples); the spread of purchases per client shows it.
            "per_client_min_max": [min(map(len, latencies)), max(map(len, latencies))],
            "cpu_ms_per_purchase": cpu, "load_average": os.getloadavg()}


def server_interpreter() -> str:
    """The Python the app server runs on (``.venv``'s). It matters: pyenv's default build took ~12 % more CPU per
    request than Debian's python3 on our test machine (docs/benchmarks.md, session 6)."""
    python = ROOT / ".venv/bin/python"
    try:
        version = subprocess.run([str(python), "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                                 text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"no working {python}"
    return f"Python {version} ({os.path.realpath(python)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3, help="seconds of purchases before the measurement (not counted)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn gthread worker threads (1 = sync workers)")
    parser.add_argument("--courses", type=int, default=10000)
    parser.add_argument("--purchases", type=int, default=100000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure this many windows of --seconds one after another on the same server and data "
                             "(the machine's speed changes from minute to minute; each window is printed)")
    parser.add_argument("--follow", action="store_true",
                        help="also load the purchase page after each purchase, as a browser does (not in the latency)")
    args = parser.parse_args()
    results = []
    for which in args.db.split(","):
        if which == "sqlite":
            tmp = tempfile.mkdtemp(prefix="bench-sqlite.")
            results += run(f"sqlite:///{tmp}/bench.sqlite3", "SQLite", args)
            shutil.rmtree(tmp, ignore_errors=True)
        elif which == "postgresql":
            url, stop = start_postgres()
            if url is None:
                print("PostgreSQL: no server (set CONTRACTS_BENCH_PG_URL, or run as root with Debian's postgresql)")
                continue
            try:
                results += run(url, "PostgreSQL", args)
            finally:
                stop()
    print(f"app server: gunicorn on {server_interpreter()}")
    print(f"{'database':12} {'purchases/s':>12} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  CPU ms/purchase app+db+client  app÷db  ledgers  statuses")
    for r in results:
        c = r["cpu_ms_per_purchase"]
        print(f"{r['database']:12} {r['purchases_per_second']:>12} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8}  "
              f"{c['app_ms']:>6} + {c['db_ms']:>5} + {c['client_ms']:>5}  {c['app_per_db'] or '—':>13}  {'ok' if r['ledgers_consistent'] else 'WRONG':7}  {r['statuses']}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
