"""Benchmark: the law-change re-assessment of N open items (issue 16: 100 000 in under 60 s).

For each database (SQLite file, and PostgreSQL when a server can be had) it:
1. migrates an empty database and bulk inserts organisations, 500 courses with 1 000 capacity offers, and N open
   items — 40 % seat purchases (confirmed, starting after "today", with the facts and assessment they were
   confirmed on), 30 % agreements (draft … active, with their live assessment, two parties each) and 30 % capacity
   requests awaiting an answer (held, waiting, offered; their facts are built at re-assessment) — dated
   2026-06-02 to 2027-06-30 and worth 20 000–900 000 kr, so a large share lies on both sides of 2026-07-01;
2. records one pending change of the law data: the amendment of 2026-07-01 (the shipped table with what entered
   into force that day undone → the shipped table), as the migration and the demo do;
3. times ``lawchange.services.reassess_pending`` plus its commit (what the job and the CLI run): loading every
   open item, two assessments each, the bulk insert of the moved items, the audit event and the notices.

Usage:  .venv/bin/python scripts/bench_reassess.py [--items 100000] [--db sqlite,postgresql] [--profile]
PostgreSQL: CONTRACTS_BENCH_PG_URL, or a throwaway server started here (needs root and Debian's postgresql).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

NOW = dt.datetime(2026, 6, 1, 8, tzinfo=dt.timezone.utc)  # "today" is 2026-06-01: every item below is open
FIRST, LAST = dt.date(2026, 6, 2), dt.date(2027, 6, 30)
KINDS = ["norwegian_training", "basic_skills", "fov", "vocational_norwegian", "amo", "industry_course"]
CPV = {"norwegian_training": "80580000-3", "vocational_norwegian": "80580000-3", "basic_skills": "80400000-8",
       "fov": "80400000-8", "amo": "80530000-8", "industry_course": "80530000-8"}
OPEN_AGREEMENT = ["draft", "in_review", "changes_requested", "approved", "signed", "active"]


def party(e) -> dict:
    return {"name": e.name, "entity_id": e.org_number, "legal_type": getattr(e.legal_type, "value", e.legal_type),
            "is_contracting_authority": e.is_contracting_authority, "is_central_government": e.is_central_government}


def seed(url: str, n_items: int) -> None:
    from sqlalchemy import insert, select, text
    from stdnum.no import orgnr

    from contracts_app import create_app, migrate, rules
    from contracts_app.agreements.models import Agreement, AgreementParty
    from contracts_app.auth.models import Membership, User
    from contracts_app.budget.models import Budget
    from contracts_app.capacity.models import CapacityOffer, CapacityRequest
    from contracts_app.capacity.offers import course_search_fields
    from contracts_app.courses.models import Course, CourseRate
    from contracts_app.db import get_session
    from contracts_app.lawchange.services import table_before
    from contracts_app.organisations.models import LegalEntity, Unit
    from contracts_app.purchases.models import SeatPurchase
    from contracts_app.rulecheck.models import LawChange
    from contracts_app.rules.thresholds import ThresholdTable

    migrate.upgrade(url)
    app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench"})
    rng = random.Random(2026)
    shipped = ThresholdTable.shipped()
    numbers = (str(n) for n in range(960000000, 999999999) if orgnr.is_valid(str(n)))
    with app.app_context():
        s = get_session()
        state = LegalEntity(name="Arbeids- og velferdsetaten", org_number="889640782", legal_type="state",
                            is_contracting_authority=True, is_central_government=True, is_demo=False)
        munis = [LegalEntity(name=f"Endringsvik {i} kommune", org_number=next(numbers), legal_type="municipality",
                             is_contracting_authority=True, is_central_government=False, is_demo=True,
                             municipality_number=f"{9000 + i}") for i in range(10)]
        s.add_all([state, *munis])
        s.flush()
        offices = [Unit(name=f"Nav Endringsvik {i}", kind="nav_office", legal_entity_id=state.id, municipal_entity_id=munis[i % 10].id,
                        municipality_number=munis[i % 10].municipality_number, is_active=True) for i in range(50)]
        providers = [Unit(name=f"Voksenopplæring {i}", kind="adult_education", legal_entity_id=munis[i % 10].id,
                          municipality_number=munis[i % 10].municipality_number, is_active=True) for i in range(50)]
        legal = [Unit(name=f"Juridisk {i}", kind="other", legal_entity_id=e.id, is_active=True) for i, e in enumerate([state, *munis])]
        s.add_all(offices + providers + legal)
        s.flush()
        user = User(email="bench@bench.no", name="Bench", password_hash="x", created_at=NOW, is_active=True)
        reviewers = [User(email=f"jurist{i}@bench.no", name=f"Jurist {i}", password_hash="x", created_at=NOW, is_active=True)
                     for i in range(len(legal))]
        s.add_all([user, *reviewers])
        s.flush()
        s.add_all([Membership(user_id=r.id, unit_id=u.id, role="legal_reviewer") for r, u in zip(reviewers, legal)])
        budgets = {}
        for o in offices:
            for year in (2026, 2027):
                b = Budget(unit_id=o.id, year=year, line="Tiltaksmidler opplæring", side="state", amount=Decimal("1000000000"),
                           committed=Decimal(0), spent=Decimal(0), warning_pct=Decimal(85), stop_mode="hard", created_at=NOW)
                s.add(b)
                budgets[o.id, year] = b
        s.flush()
        s.execute(insert(Course), [dict(
            provider_unit_id=providers[i % 50].id, title=f"Kurs {i}", kind=KINDS[i % len(KINDS)], cefr_min="A1", cefr_max="B1",
            format="in_person", municipality_number=providers[i % 50].municipality_number,
            start_date=FIRST + dt.timedelta(days=(i * 7) % 390), end_date=LAST + dt.timedelta(days=170), rolling_start=True,
            hours_per_week=Decimal(8), teaching_weekdays="0,1,2,3,4", part_time=True, total_seats=100000, seats_held=0,
            seats_confirmed=0, price_unit="per_seat", is_active=True, created_at=NOW, updated_at=NOW) for i in range(500)])
        courses = s.scalars(select(Course).order_by(Course.id)).all()
        s.execute(insert(CourseRate), [dict(course_id=c.id, valid_from=dt.date(2026, 1, 1), amount=Decimal(15000)) for c in courses])
        s.execute(insert(CapacityOffer), [dict(
            course_id=c.id, provider_unit_id=c.provider_unit_id, seats_offered=100000, seats_held=0, seats_taken=0,
            period_start=c.start_date, period_end=c.end_date, request_deadline=c.end_date, unit_price=None,
            seat_price=Decimal(15000), visibility="all_public", contact_name="Kontakt", contact_email="kontakt@bench.no",
            status="published", created_by_id=user.id, created_at=NOW, updated_at=NOW, **course_search_fields(c))
            for c in courses for _ in range(2)])
        offers = s.execute(select(CapacityOffer.id, CapacityOffer.course_id)).all()
        by_course = {c.id: c for c in courses}
        entity_of = {u.id: u for u in providers}
        muni_of = {e.id: e for e in munis}

        def day() -> dt.date:
            return FIRST + dt.timedelta(days=rng.randrange(0, (LAST - FIRST).days))

        def value() -> Decimal:
            return Decimal(rng.choice([rng.randrange(20000, 100000), rng.randrange(100000, 500000), rng.randrange(100000, 500000),
                                       rng.randrange(500000, 900000)]))

        n_purchases, n_agreements = n_items * 4 // 10, n_items * 3 // 10
        n_requests = n_items - n_purchases - n_agreements
        rows = []
        for i in range(n_purchases):
            o, c = rng.choice(offices), rng.choice(courses)
            start, amount = max(day(), c.start_date), value()
            supplier = muni_of[entity_of[c.provider_unit_id].legal_entity_id]
            facts = {
                "schema_version": 1, "reference_date": start.isoformat(), "buyer": party(state), "supplier": party(supplier),
                "relationship": {"control": "none"},
                "contract": {"pecuniary": True, "category": "special_services", "cpv": [CPV[c.kind.value]],
                             "value": {"base_nok": str(amount), "duration_months": rng.randrange(1, 7)}},
                "related_purchases": [{"value_nok": str(rng.randrange(5000, 60000)), "date": (start - dt.timedelta(days=30 * k + 3)).isoformat(),
                                       "same_need": True, "count": rng.randrange(1, 4)} for k in range(rng.randrange(0, 4))],
                "nav": {"contracting_side": "state", "mode": "enkeltplass", "price_type": "anskaffelse"},
            }
            rows.append(dict(course_id=c.id, buyer_unit_id=o.id, side="state", budget_id=budgets[o.id, start.year].id, seats=1,
                             supplier_entity_id=supplier.id, course_kind=c.kind.value, start_date=start, end_date=start + dt.timedelta(days=60),
                             amount=amount, breakdown=[], status="confirmed",
                             assessment={"facts": facts, "assessment": rules.evaluate(facts, shipped)},
                             created_by_id=user.id, created_at=NOW, updated_at=NOW))
            if len(rows) == 5000:
                s.execute(insert(SeatPurchase), rows)
                rows = []
        if rows:
            s.execute(insert(SeatPurchase), rows)
        agreements, parties = [], []
        for i in range(n_agreements):
            o, p = rng.choice(offices), rng.choice(providers)
            start, amount = day(), value()
            supplier = muni_of[p.legal_entity_id]
            facts = {
                "schema_version": 1, "reference_date": start.isoformat(), "buyer": party(state), "supplier": party(supplier),
                "relationship": {"control": "none"},
                "contract": {"pecuniary": True, "value": {"base_nok": str(amount), "duration_months": 12},
                             "cpv": ["80580000-3"], "category": "special_services"},
                "related_purchases": [], "nav": {"price_type": "anskaffelse", "contracting_side": "state"},
            }
            assessment = {"facts": facts, "assessment": rules.evaluate(facts, shipped)}
            agreements.append(dict(kind="procurement", status=rng.choice(OPEN_AGREEMENT), title=f"Kjøp {i}", version=1, cpv_codes=["80580000-3"],
                                   option_plan=[], option_scheme="none", start_date=start, end_date=start + dt.timedelta(days=364),
                                   estimated_value=amount, assessment=assessment, verdict=assessment["assessment"]["verdict"],
                                   created_by_id=user.id, created_at=NOW, updated_at=NOW))
            parties.append((o, p, supplier))
        for i in range(0, len(agreements), 5000):
            s.execute(insert(Agreement), agreements[i:i + 5000])
        ids = s.scalars(select(Agreement.id).order_by(Agreement.id)).all()
        party_rows = []
        for a_id, (o, p, supplier) in zip(ids, parties):
            party_rows += [dict(agreement_id=a_id, position=0, role="buyer", legal_entity_id=state.id, unit_id=o.id, nav_side="state",
                                name=state.name, org_number=state.org_number),
                           dict(agreement_id=a_id, position=1, role="supplier", legal_entity_id=supplier.id, unit_id=p.id,
                                name=supplier.name, org_number=supplier.org_number)]
        for i in range(0, len(party_rows), 10000):
            s.execute(insert(AgreementParty), party_rows[i:i + 10000])
        rows = []
        for i in range(n_requests):
            o = rng.choice(offices)
            offer_id, course_id = rng.choice(offers)
            c = by_course[course_id]
            start = c.start_date if rng.random() < 0.8 else c.start_date + dt.timedelta(days=7 * rng.randrange(1, 8))
            seats = rng.randrange(1, 40)
            status = rng.choice(["held", "held", "waiting", "offered"])
            rows.append(dict(offer_id=offer_id, requester_unit_id=o.id, budget_id=budgets[o.id, start.year].id, side="state",
                             seats=seats, start_date=start, end_date=start + dt.timedelta(days=90), unit_price=None,
                             quoted_amount=Decimal(15000) * seats, status=status, position=i if status == "waiting" else None,
                             hold_expires_at=NOW + dt.timedelta(days=3), created_by_id=user.id, created_at=NOW, updated_at=NOW))
            if len(rows) == 10000:
                s.execute(insert(CapacityRequest), rows)
                rows = []
        if rows:
            s.execute(insert(CapacityRequest), rows)
        before = table_before(shipped, dt.date(2026, 7, 1))
        s.add(LawChange(created_at=NOW, cause="bench: Lov 2026-07-01", actor_id=None, table_before=before.as_document(),
                        table_after=shipped.as_document(), table_before_id=before.id, table_after_id=shipped.id, status="pending"))
        s.commit()
        s.execute(text("ANALYZE"))
        s.commit()
    app.extensions["contracts_db"].engine.dispose()


def measure(url: str, profile: bool) -> dict:
    from contracts_app import create_app
    from contracts_app.audit import SYSTEM
    from contracts_app.db import get_session
    from contracts_app.lawchange.services import reassess_pending

    app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        session = get_session()
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        t = time.perf_counter()
        result = reassess_pending(session, now=NOW, actor=SYSTEM)
        session.commit()
        seconds = time.perf_counter() - t
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    app.extensions["contracts_db"].engine.dispose()
    return {**result, "seconds": round(seconds, 2), "per_second": round(result["checked"] / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    from bench_purchases import start_postgres

    too_slow = False
    for which in args.db.split(","):
        if which == "sqlite":
            tmp = tempfile.mkdtemp(prefix="bench-reassess.")
            url, stop = f"sqlite:///{tmp}/reassess.sqlite3", (lambda: shutil.rmtree(tmp, ignore_errors=True))
        else:
            url, stop = start_postgres()
            if url is None:
                print("PostgreSQL: no server (set CONTRACTS_BENCH_PG_URL, or run as root with Debian's postgresql)")
                continue
        try:
            t = time.perf_counter()
            seed(url, args.items)
            print(f"{which}: seeded {args.items} open items in {time.perf_counter() - t:.1f} s", flush=True)
            r = measure(url, args.profile)
            verdict = "OK" if r["seconds"] < 60 * args.items / 100_000 else "TOO SLOW"
            too_slow |= verdict != "OK"
            print(f"{which}: re-assessed {r['checked']} open items in {r['seconds']} s ({r['per_second']}/s; floor: 100 000 in 60 s: "
                  f"{verdict}); {r['moved']} moved, {r['notices']} notices", flush=True)
        finally:
            stop()
    sys.exit(1 if too_slow else 0)


if __name__ == "__main__":
    main()
