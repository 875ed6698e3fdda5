"""`make bench`: every benchmark the issues ask for, one after the other (see docs/benchmarks.md)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script, args in (("bench_rules.py", []), ("bench_purchases.py", []), ("bench_search.py", []), ("bench_documents.py", []),
                     ("bench_reassess.py", []),
                     # Pages at national scale: only with CONTRACTS_BENCH_DATABASE_URL (PostgreSQL holding the national
                     # data set); without it, it prints how to run it and succeeds.
                     ("bench_pages.py", [])):
    print(f"== {script} {' '.join(args)}", flush=True)
    result = subprocess.run([sys.executable, str(HERE / script), *args])
    if result.returncode:
        sys.exit(result.returncode)
