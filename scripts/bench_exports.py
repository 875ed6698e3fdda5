"""Benchmark: export every purchase of the data set (an administrator-scope call of the export writer, not
through HTTP) to CSV and to Excel, and print the seconds, rows, bytes and peak RSS of each (issue 21: a hundred thousand
rows in < 15 s with peak RSS < 250 MB).

    CONTRACTS_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/contracts_bench_national \\
        /usr/bin/time -v .venv/bin/python scripts/bench_exports.py

Each format runs in a process of its own (``--format csv`` / ``--format xlsx``), so each peak RSS
(``resource.getrusage``) is that format's alone. Read only: the files go to a temporary directory and are
deleted; no audit event is written. Exits 1 when a format misses a floor.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS_MAX = 15.0
RSS_MAX_MB = 250.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run(fmt: str) -> int:
    from sqlalchemy import select

    from contracts_app import create_app
    from contracts_app.db import get_session
    from contracts_app.exports import source, specs
    from contracts_app.exports.writer import csv_chunks, xlsx_file
    from contracts_app.purchases.models import SeatPurchase

    app = create_app()
    with app.test_request_context():  # column names and labels in bokmål, as for a user
        session = get_session()
        started = time.perf_counter()
        export = specs.purchases(select(SeatPurchase).order_by(SeatPurchase.id.desc()), unit_id=None, stamp="bench")
        rows = source.stream(session, export.statement)
        with tempfile.TemporaryDirectory() as tmp:
            if fmt == "csv":
                counter = [0]
                size = 0
                with open(Path(tmp) / "export.csv", "wb") as fh:
                    for chunk in csv_chunks(export.columns, rows, names=export.names, counter=counter):
                        fh.write(chunk)
                        size += len(chunk)
                n = counter[0]
            else:
                fh, size, n = xlsx_file(export.columns, rows, names=export.names, sheet_title=export.sheet)
                fh.close()
        seconds = time.perf_counter() - started
    rss = peak_rss_mb()
    ok = seconds < SECONDS_MAX and rss < RSS_MAX_MB
    print(f"{fmt:5s} rows={n} bytes={size} seconds={seconds:.2f} peak_rss_mb={rss:.0f} "
          f"{'ok' if ok else 'MISSES'} (floors: < {SECONDS_MAX:g} s, < {RSS_MAX_MB:g} MB)", flush=True)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=["csv", "xlsx"], help="one format in this process (default: both, each in a child)")
    args = parser.parse_args()
    if not os.environ.get("CONTRACTS_DATABASE_URL"):
        print("Set CONTRACTS_DATABASE_URL to a database holding the national data set (see the docstring).")
        return 0
    if args.format:
        return run(args.format)
    codes = [subprocess.run([sys.executable, __file__, "--format", fmt], cwd=ROOT).returncode for fmt in ("csv", "xlsx")]
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
