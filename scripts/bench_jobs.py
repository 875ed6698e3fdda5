"""Benchmark: every scheduled job (contracts_app/jobs/registry.py) at national scale (issue 22), each in a process of
its own under ``/usr/bin/time -v``: wall seconds and maximum resident memory per job, against the floors (a run
under 60 s, under 300 MB RSS).

Needs a PostgreSQL database holding the national data set (see scripts/bench_pages.py), at the migrations' head
(``flask db upgrade``): CONTRACTS_BENCH_JOBS_DATABASE_URL, else CONTRACTS_BENCH_DATABASE_URL. The jobs write (they
expire, remind, anonymise, notify) as they would in production: give it a copy when others read the data, e.g.

    createdb -T contracts_bench_national contracts_bench_jobs
    CONTRACTS_BENCH_JOBS_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/contracts_bench_jobs \
        .venv/bin/python scripts/bench_jobs.py          # or: make bench (runs it when a variable is set)

A job's first run over data it never saw (the split watch telling about every group, retention anonymising years
of purchases) is its worst case; later runs only see what changed.

Each job runs as ``flask --app contracts_app scheduler run-once JOB`` (the scheduler's own claim, a window of its
own), so what is measured is what the scheduler does. E-mail goes nowhere (no SMTP host is set for the run).
Without the variable it prints how to run it and exits 0; it exits 1 when a job fails or misses a floor.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS_MAX = 60.0
RSS_MAX_MB = 300.0
TIME = "/usr/bin/time"


def job_names() -> list[str]:
    from contracts_app.jobs.registry import JOBS

    return list(JOBS)


def parse_time_v(text: str) -> tuple[float | None, float | None]:
    """(wall seconds, max RSS in MB) from GNU time's ``-v`` report."""
    wall = rss = None
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", text)
    if m:
        wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        rss = int(m.group(1)) / 1024
    return wall, rss


def run_job(name: str, url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACTS_SMTP")}
    env.update(CONTRACTS_DATABASE_URL=url, FLASK_DEBUG="0", PYTHONDONTWRITEBYTECODE="1")
    flask = str(Path(sys.executable).with_name("flask"))
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.perf_counter()
        proc = subprocess.run([TIME, "-v", "-o", report.name, flask, "--app", "contracts_app", "scheduler", "run-once", name],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        wall, rss = parse_time_v(report.read())
    return {"job": name, "rc": proc.returncode, "seconds": wall if wall is not None else elapsed, "rss_mb": rss,
            "out": (proc.stdout + proc.stderr).strip().splitlines()[-1:] if proc.returncode else (proc.stdout.strip().splitlines() or [""])[-1:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="run only this job (repeatable)")
    args = parser.parse_args(argv)
    url = os.environ.get("CONTRACTS_BENCH_JOBS_DATABASE_URL") or os.environ.get("CONTRACTS_BENCH_DATABASE_URL")
    if not url:
        print("bench_jobs: set CONTRACTS_BENCH_DATABASE_URL to a PostgreSQL database with the national data set "
              "(a copy: the jobs write); see the docstring of scripts/bench_jobs.py.")
        return 0
    if not Path(TIME).exists():
        print(f"bench_jobs: {TIME} is missing (Debian package 'time').")
        return 1
    names = args.only or job_names()
    print(f"{'job':<26} {'seconds':>8} {'max RSS MB':>11}  result")
    failed = False
    for name in names:
        r = run_job(name, url)
        over = r["rc"] != 0 or r["seconds"] >= SECONDS_MAX or (r["rss_mb"] or 0) >= RSS_MAX_MB
        failed |= over
        rss = f"{r['rss_mb']:.0f}" if r["rss_mb"] is not None else "?"
        note = ("FAILED: " if r["rc"] else "OVER: " if over else "") + " ".join(r["out"])[:90]
        print(f"{name:<26} {r['seconds']:>8.1f} {rss:>11}  {note}", flush=True)
    print(f"floors: every job under {SECONDS_MAX:.0f} s and {RSS_MAX_MB:.0f} MB RSS — {'MISSED' if failed else 'held'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
