"""Benchmark: capacity-offer search latency with 50 000 offers on 10 000 courses (SQLite and PostgreSQL).

For each database it migrates an empty database, bulk-inserts 10 000 courses (150 provider units in 30
municipalities of 6 counties, Norwegian titles and descriptions) and 50 000 offers (88 % published, 10 %
named visibility), then runs the search exactly as the page does — the count and the first page of 20 —
for a searching Nav office, over a mix of typical filter sets with random values. It prints p50/p95/max
per filter set and overall, and the query plan of each filter set (``--plans``).

Usage:  .venv/bin/python scripts/bench_search.py [--db sqlite,postgresql] [--repeat 40] [--plans]
PostgreSQL: CONTRACTS_BENCH_PG_URL, or a throwaway server started here (needs root and Debian's postgresql).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_purchases import start_postgres  # noqa: E402

TODAY = dt.date(2026, 11, 26)
COUNTIES = ["03", "11", "15", "34", "46", "50"]
WORDS = ["norsk", "norskopplæring", "yrkesnorsk", "helse", "omsorg", "sjåfør", "førerkort", "barnehage", "renhold", "bygg",
         "anlegg", "digital", "lesing", "skriving", "regning", "arbeidsliv", "praksis", "kveld", "dagtid", "deltid",
         "introduksjonsprogram", "grunnskole", "fagbrev", "matfag", "kokk", "lager", "logistikk", "butikk", "salg",
         "kundeservice", "økonomi", "data", "engelsk", "samfunnskunnskap", "muntlig", "uttale", "grammatikk", "lytting"]
KINDS = ["norwegian_training", "basic_skills", "fov", "amo", "industry_course", "vocational_norwegian", "other"]
LEVELS = [(None, None), ("A1", "A2"), ("A2", "B1"), ("B1", "B2"), ("A1", "B1"), ("A2", "B2")]


def seed(url: str, n_courses: int, n_offers: int) -> dict:
    from sqlalchemy import insert, select, text
    from stdnum.no import orgnr

    from contracts_app import create_app, migrate
    from contracts_app.auth.models import User
    from contracts_app.capacity.models import CapacityOffer, OfferEntity
    from contracts_app.capacity.offers import course_search_fields
    from contracts_app.courses.models import Course, CourseRate
    from contracts_app.db import get_session
    from contracts_app.organisations.models import LegalEntity, Unit

    migrate.upgrade(url)
    app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench"})
    rng = random.Random(50_000)
    now = dt.datetime(2026, 11, 26, 8, tzinfo=dt.timezone.utc)
    numbers = (str(n) for n in range(960000000, 999999999) if orgnr.is_valid(str(n)))
    with app.app_context():
        s = get_session()
        state = LegalEntity(name="Arbeids- og velferdsetaten", org_number="889640782", legal_type="state",
                            is_contracting_authority=True, is_central_government=True, is_demo=False)
        munis = [LegalEntity(name=f"Søkevik {i} kommune", org_number=next(numbers), legal_type="municipality",
                             is_contracting_authority=True, is_central_government=False, is_demo=True,
                             municipality_number=f"{COUNTIES[i % 6]}{i:02d}") for i in range(30)]
        s.add_all([state, *munis])
        s.flush()
        providers = [Unit(name=f"Voksenopplæring {i}", kind="adult_education", legal_entity_id=munis[i % 30].id,
                          municipality_number=munis[i % 30].municipality_number, is_active=True) for i in range(150)]
        office = Unit(name="Nav Søkevik", kind="nav_office", legal_entity_id=state.id, municipal_entity_id=munis[0].id,
                      municipality_number=munis[0].municipality_number, is_active=True)
        s.add_all([*providers, office])
        user = User(email="bench@bench.no", name="Bench", password_hash="x", created_at=now, is_active=True)
        s.add(user)
        s.flush()
        rows = []
        for i in range(n_courses):
            p = providers[i % 150]
            lo, hi = rng.choice(LEVELS)
            start = dt.date(2026, 8, 1) + dt.timedelta(days=rng.randrange(0, 300))
            title = " ".join(rng.sample(WORDS, 3)).capitalize() + f" {i}"
            rows.append(dict(provider_unit_id=p.id, title=title, kind=rng.choice(KINDS), cefr_min=lo, cefr_max=hi,
                             format=rng.choice(["in_person", "digital", "hybrid"]), municipality_number=p.municipality_number,
                             location=f"Sted {i % 97}", start_date=start, end_date=start + dt.timedelta(days=rng.randrange(60, 330)),
                             rolling_start=rng.random() < 0.5, hours_per_week=Decimal(rng.choice([4, 6, 8, 12, 15])),
                             teaching_weekdays="0,1,2,3,4", part_time=rng.random() < 0.6, total_seats=rng.randrange(10, 40),
                             seats_held=0, seats_confirmed=rng.randrange(0, 5), price_unit="per_hour",
                             description=" ".join(rng.choices(WORDS, k=25)), target_groups="Deltakere i introduksjonsprogrammet",
                             is_active=True, created_at=now, updated_at=now))
        s.execute(insert(Course), rows)
        courses = s.scalars(select(Course)).all()
        s.execute(insert(CourseRate), [dict(course_id=c.id, valid_from=dt.date(2026, 1, 1), amount=Decimal(rng.randrange(40, 90)))
                                       for c in courses])
        offers = []
        for i in range(n_offers):
            c = courses[i % len(courses)]
            start = max(c.start_date, TODAY) + dt.timedelta(days=rng.randrange(0, 30))
            end = min(c.end_date, start + dt.timedelta(days=rng.randrange(30, 200)))
            if end < start:
                start, end = c.start_date, c.end_date
            status = rng.choices(["published", "paused", "expired", "filled", "withdrawn"], [88, 3, 4, 3, 2])[0]
            offers.append(dict(course_id=c.id, provider_unit_id=c.provider_unit_id, seats_offered=rng.randrange(1, 4),
                               seats_held=0, seats_taken=0, period_start=start, period_end=end,
                               request_deadline=min(end, TODAY + dt.timedelta(days=rng.randrange(-10, 60))),
                               unit_price=None, seat_price=Decimal(rng.randrange(2000, 40000)),
                               visibility="named" if rng.random() < 0.10 else "all_public", contact_name="Kontakt",
                               contact_email="kontakt@bench.no", status=status, created_by_id=user.id, created_at=now, updated_at=now,
                               **course_search_fields(c)))
        for i in range(0, len(offers), 10000):
            s.execute(insert(CapacityOffer), offers[i:i + 10000])
        named = s.scalars(select(CapacityOffer.id).where(CapacityOffer.visibility == "named")).all()
        s.execute(insert(OfferEntity), [dict(offer_id=o, legal_entity_id=e.id) for o in named for e in rng.sample(munis + [state], 2)])
        s.commit()
        if url.startswith("postgresql"):
            s.execute(text("ANALYZE"))
        else:
            s.execute(text("ANALYZE"))
            s.execute(text("INSERT INTO course_fts(course_fts) VALUES ('optimize')"))
        s.commit()
        office_id = office.id
    app.extensions["contracts_db"].engine.dispose()
    return {"office": office_id}


def filter_sets(rng: random.Random):
    from contracts_app.capacity.queries import OfferFilters

    return {
        "no filter, by start": lambda: OfferFilters(),
        "kind + level": lambda: OfferFilters(kind=rng.choice(KINDS), level=rng.choice(["A1", "A2", "B1", "B2"])),
        "county + start window": lambda: OfferFilters(county=rng.choice(COUNTIES), start_from=TODAY + dt.timedelta(days=rng.randrange(0, 60)),
                                                      start_to=TODAY + dt.timedelta(days=rng.randrange(60, 120))),
        "text (one word)": lambda: OfferFilters(q=rng.choice(WORDS)),
        "text (two words) + county": lambda: OfferFilters(q=" ".join(rng.sample(WORDS, 2)), county=rng.choice(COUNTIES)),
        "text æøå upper case, by price": lambda: OfferFilters(q=rng.choice(["SJÅFØR", "Økonomi", "norskopplæring", "førerkort"]), sort="price"),
        "max price + seats + part-time": lambda: OfferFilters(max_price=Decimal(rng.randrange(5000, 20000)), min_seats=2, part_time=True),
        "municipality + format, by price": lambda: OfferFilters(municipality=(lambda i: f"{COUNTIES[i % 6]}{i:02d}")(rng.randrange(30)),
                                                                fmt=rng.choice(["in_person", "digital"]), sort="price"),
        "everything": lambda: OfferFilters(q=rng.choice(WORDS), kind=rng.choice(KINDS), level="A2", county=rng.choice(COUNTIES),
                                           start_from=TODAY, start_to=TODAY + dt.timedelta(days=90), part_time=True, min_seats=1),
    }


def measure(url: str, office_id: int, repeat: int, plans: bool) -> dict:
    from contracts_app import create_app
    from contracts_app.capacity import queries
    from contracts_app.db import get_session
    from contracts_app.organisations.models import Unit

    app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench"})
    rng = random.Random(7)
    out = {}
    with app.app_context():
        s = get_session()
        unit = s.get(Unit, office_id)
        sets = filter_sets(rng)
        # warm up: caches, prepared plans
        for make in sets.values():
            stmt, count = queries.search(s, unit, make(), today=TODAY)
            s.scalar(count), s.execute(stmt).all()
        all_ms = []
        for name, make in sets.items():
            times, hits = [], []
            for _ in range(repeat):
                f = make()
                t = time.perf_counter()
                stmt, count = queries.search(s, unit, f, today=TODAY)
                total = s.scalar(count)
                rows = s.execute(stmt).all()
                times.append((time.perf_counter() - t) * 1000)
                hits.append(total)
                assert len(rows) <= queries.PAGE_SIZE
            all_ms += times
            q = statistics.quantiles(times, n=20)
            out[name] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(q[18], 1), "max_ms": round(max(times), 1),
                         "median_hits": int(statistics.median(hits))}
            if plans:
                stmt, count = queries.search(s, unit, make(), today=TODAY)
                out[name]["plan"] = explain(s, stmt)
        q = statistics.quantiles(all_ms, n=20)
        out["ALL"] = {"p50_ms": round(statistics.median(all_ms), 1), "p95_ms": round(q[18], 1), "max_ms": round(max(all_ms), 1)}
    app.extensions["contracts_db"].engine.dispose()
    return out


def explain(session, stmt) -> list[str]:
    """The database's plan for the page query, from the exact SQL and parameters the driver receives."""
    from sqlalchemy import event

    engine = session.get_bind()
    captured = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        session.execute(stmt).all()
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    statement, params = captured[0]
    sqlite = engine.dialect.name == "sqlite"
    rows = session.connection().exec_driver_sql(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, params).all()
    return [str(r[-1]) if sqlite else r[0] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--courses", type=int, default=10000)
    parser.add_argument("--offers", type=int, default=50000)
    parser.add_argument("--plans", action="store_true")
    args = parser.parse_args()
    results = {}
    for which in args.db.split(","):
        if which == "sqlite":
            tmp = tempfile.mkdtemp(prefix="bench-search.")
            url = f"sqlite:///{tmp}/search.sqlite3"
            t = time.perf_counter()
            ids = seed(url, args.courses, args.offers)
            print(f"SQLite seeded in {time.perf_counter() - t:.1f} s", flush=True)
            results["SQLite"] = measure(url, ids["office"], args.repeat, args.plans)
            shutil.rmtree(tmp, ignore_errors=True)
        elif which == "postgresql":
            url, stop = start_postgres()
            if url is None:
                print("PostgreSQL: no server (set CONTRACTS_BENCH_PG_URL, or run as root with Debian's postgresql)")
                continue
            try:
                t = time.perf_counter()
                ids = seed(url, args.courses, args.offers)
                print(f"PostgreSQL seeded in {time.perf_counter() - t:.1f} s", flush=True)
                results["PostgreSQL"] = measure(url, ids["office"], args.repeat, args.plans)
            finally:
                stop()
    for db, res in results.items():
        print(f"\n{db}: search = count + first page of 20, {args.repeat} random queries per filter set")
        print(f"  {'filter set':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'hits':>7}")
        for name, r in res.items():
            print(f"  {name:34} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} {r.get('median_hits', ''):>7}")
            for line in r.get("plan", []):
                print(f"      {line}")
    print(json.dumps({db: {k: {kk: vv for kk, vv in v.items() if kk != 'plan'} for k, v in res.items()} for db, res in results.items()}))


if __name__ == "__main__":
    main()
