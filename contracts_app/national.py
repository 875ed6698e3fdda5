"""A national-sized data set on top of the ordinary demo data (issue 22), for the page benchmark
(scripts/bench_pages.py) and for trying the app at the size of the whole country:
``flask --app contracts_app demo load --scale national`` (or a fraction, ``--scale 0.01``).

At ``national``: ~357 municipalities, ~250 Nav offices, ~400 providers, 10 000 courses, a hundred thousand seat
purchases, 50 000 offers of free seats, 2 500 agreements with versions and 1 000 000 audit events in all —
and the README's demo users see national-sized data: Nav Fjordvik has ~4 000 purchases on one budget line
("Tiltaksmidler opplæring (nasjonalt datasett)"), its provider (Fjordvik voksenopplæring) ~2 000 capacity
requests, Nav's jurist ~2 500 agreements to read, the administrator the whole audit log.

Everything is written with bulk inserts (SQLAlchemy Core ``insert`` with lists of rows in chunks; PostgreSQL
``COPY`` for the audit events), never updates: the rows are computed in memory first so that every ledger
is consistent when inserted (a course's seats sold and held, an offer's seats held and taken and its copy of
the course's free seats, a budget's commitment = its confirmed purchases, a hard stop never overdrawn), and
every CHECK constraint and trigger holds (audit rows are only appended; the course full-text triggers and
generated columns fill themselves). Invented organisations are flagged ``is_demo``; every login uses the demo
password. Loading twice does nothing the second time.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from .national_tables import Ids, _agreements, _audit, _inbox_outbox_jobs, _insert

#: The marker that the national set is loaded (the first invented municipality's name).
MARKER = "Kommune 1 (nasjonal demo)"
#: Nav Fjordvik's budget line that carries its national-sized commitments.
FJORDVIK_LINE = "Tiltaksmidler opplæring (nasjonalt datasett)"
EMAIL_DOMAIN = "nasjonal.demo.no"


@dataclass(frozen=True)
class Scale:
    """Totals in the database after loading (the ordinary demo data included), except where it says "new"."""

    municipalities: int = 357
    counties: int = 11
    nav_offices: int = 250
    providers: int = 400
    courses: int = 10_000
    purchases: int = 10 ** 5  # a hundred thousand (a count, not a figure of the law)
    offers: int = 50_000
    requests: int = 20_000  # new capacity requests, all providers
    agreements: int = 2_500
    versions_per_agreement: int = 4  # at most; 1 … this many
    audit_events: int = 1_000_000
    fjordvik_purchases: int = 4_000  # new purchases of Nav Fjordvik on its national budget line
    fjordvik_provider_requests: int = 2_000  # new requests on Fjordvik voksenopplæring's offers
    fjordvik_provider_courses: int = 60
    notifications_per_user: int = 600  # for each demo user
    outbox: int = 20_000
    job_runs: int = 5_000

    def scaled(self, factor: float) -> "Scale":
        floors = {"municipalities": 4, "counties": 2, "nav_offices": 4, "providers": 8, "agreements": 5, "versions_per_agreement": 4}
        return Scale(**{f.name: max(floors.get(f.name, 1), round(getattr(self, f.name) * factor)) if f.name != "versions_per_agreement"
                        else self.versions_per_agreement for f in dataclasses.fields(self)})


NATIONAL = Scale()


def parse_scale(value: str) -> Scale:
    """``national`` or a fraction of it (``0.01``); a ValueError otherwise."""
    if value == "national":
        return NATIONAL
    factor = float(value)
    if not 0 < factor <= 1:
        raise ValueError("the scale is «national» or a fraction of it between 0 and 1")
    return NATIONAL.scaled(factor)


def is_loaded(session: Session) -> bool:
    from .organisations.models import LegalEntity

    return session.scalar(select(LegalEntity.id).where(LegalEntity.name == MARKER)) is not None


def _org_numbers(session: Session) -> Iterator[str]:
    from stdnum.no import orgnr

    from .organisations.models import LegalEntity

    taken = set(session.scalars(select(LegalEntity.org_number)).all())
    n = 970_000_000
    while True:
        n += 1
        s = str(n)
        if s not in taken and orgnr.is_valid(s):
            yield s


TITLES = [
    ("Norskkurs A1–A2", "norwegian_training", "A1", "A2"), ("Norsk A2–B1 deltid", "norwegian_training", "A2", "B1"),
    ("Norsk B1–B2 kveld", "norwegian_training", "B1", "B2"), ("Yrkesnorsk helse og omsorg", "vocational_norwegian", "A2", "B1"),
    ("Yrkesnorsk bygg og anlegg", "vocational_norwegian", "A2", "B1"), ("Grunnleggende ferdigheter: lesing og digital", "basic_skills", None, None),
    ("Forberedende opplæring for voksne (FOV)", "fov", "B1", "B2"), ("AMO: lager og logistikk", "amo", "A2", "B1"),
    ("Bransjekurs renhold", "industry_course", "A2", "B1"), ("Norsk med arbeidspraksis", "norwegian_training", "A1", "A2"),
]
FORMATS = ["in_person", "in_person", "digital", "hybrid"]


# --- the loader -----------------------------------------------------------------------------------------------------


def load(session: Session, *, now: dt.datetime, scale: Scale = NATIONAL, seed: int = 22, progress=None) -> dict[str, int]:
    """Add the national data set (after :func:`contracts_app.demo.load`, in the same or an earlier transaction).
    Returns counts of what was created; ``{}`` when it is loaded already. The caller commits."""
    from .audit import AuditEvent
    from .auth.models import Membership, User
    from .auth.services import hash_password
    from .budget.models import Budget, BudgetEntry, BudgetMonth
    from .budget.periods import month_rows
    from .capacity.models import CapacityOffer, CapacityRequest, OfferEntity, RequestParticipant
    from .courses.models import Course, CourseRate
    from .demo import DEMO_PASSWORD
    from .formats import local_date
    from .organisations.models import LegalEntity, Unit
    from .purchases.models import Participant, SeatPurchase

    say = progress or (lambda _msg: None)
    if is_loaded(session):
        return {}
    session.flush()
    rng = random.Random(seed)
    today = local_date(now)
    year = today.year
    ids = Ids(session)
    created: dict[str, int] = {}

    def unit_by_name(name: str) -> Unit:
        unit = session.scalar(select(Unit).where(Unit.name == name))
        if unit is None:
            raise RuntimeError(f"the ordinary demo data is missing ({name}): run `demo load` first")
        return unit

    nav_fjordvik, vo_fjordvik = unit_by_name("Nav Fjordvik"), unit_by_name("Fjordvik voksenopplæring")
    state = session.scalar(select(LegalEntity).where(LegalEntity.org_number == "889640782"))
    demo_users = {u.email: u for u in session.scalars(select(User)).all()}

    # --- organisations ------------------------------------------------------------------------------------------
    numbers = _org_numbers(session)
    existing_munis = session.scalar(select(func.count()).where(LegalEntity.legal_type == "municipality")) or 0
    existing_counties = session.scalar(select(func.count()).where(LegalEntity.legal_type == "county_municipality")) or 0
    ids.start(LegalEntity)
    munis: list[dict] = []
    for i in range(1, max(0, scale.municipalities - existing_munis) + 1):
        row = dict(id=ids.take(LegalEntity), name=f"Kommune {i} (nasjonal demo)", org_number=next(numbers), legal_type="municipality",
                   is_contracting_authority=True, is_central_government=False, municipality_number=f"{9100 + i}", is_demo=True)
        munis.append(row)
    counties = [dict(id=ids.take(LegalEntity), name=f"Fylkeskommune {i} (nasjonal demo)", org_number=next(numbers),
                     legal_type="county_municipality", is_contracting_authority=True, is_central_government=False,
                     municipality_number=None, is_demo=True) for i in range(1, max(0, scale.counties - existing_counties) + 1)]
    entity_rows = munis + counties
    created["legal_entities"] = _insert(session, LegalEntity, entity_rows)

    ids.start(Unit)
    existing_offices = session.scalar(select(func.count()).where(Unit.kind == "nav_office")) or 0
    existing_providers = session.scalar(select(func.count()).where(Unit.kind.in_(["adult_education", "refugee_service", "county_education"]))) or 0
    offices = [dict(id=ids.take(Unit), name=f"Nav {m['name'].split(' (')[0]}", kind="nav_office", legal_entity_id=state.id,
                    municipal_entity_id=m["id"], municipality_number=m["municipality_number"], is_active=True)
               for m in munis[:max(0, scale.nav_offices - existing_offices)]]
    providers = []
    for i in range(max(0, scale.providers - existing_providers)):
        if counties and i % 12 == 11:
            c = counties[i % len(counties)]
            providers.append(dict(id=ids.take(Unit), name=f"{c['name'].split(' (')[0]}, voksenopplæring {i}", kind="county_education",
                                  legal_entity_id=c["id"], municipal_entity_id=None, municipality_number=None, is_active=True))
        else:
            m = munis[i % len(munis)]
            kind = "refugee_service" if i % 5 == 4 else "adult_education"
            label = "Flyktningtjenesten i" if kind == "refugee_service" else "Voksenopplæringen i"
            providers.append(dict(id=ids.take(Unit), name=f"{label} {m['name'].split(' (')[0]} ({i})", kind=kind, legal_entity_id=m["id"],
                                  municipal_entity_id=None, municipality_number=m["municipality_number"], is_active=True))
    created["units"] = _insert(session, Unit, offices + providers)
    entity_of = {u["id"]: u["legal_entity_id"] for u in offices + providers}
    entity_of[vo_fjordvik.id] = vo_fjordvik.legal_entity_id
    muni_of = {u["id"]: u["municipality_number"] for u in providers}
    muni_of[vo_fjordvik.id] = vo_fjordvik.municipality_number
    say(f"organisations: {len(entity_rows)} legal entities, {len(offices)} Nav offices, {len(providers)} providers")

    # --- users: an advisor per new Nav office, a coordinator per new provider (one password hash for all) ------------
    password_hash = hash_password(DEMO_PASSWORD)
    ids.start(User), ids.start(Membership)
    users, memberships = [], []
    advisor_of: dict[int, int] = {nav_fjordvik.id: demo_users["veileder.fjordvik@demo.no"].id}
    coordinator_of: dict[int, int] = {vo_fjordvik.id: demo_users["koordinator.fjordvik@demo.no"].id}
    for n, unit in enumerate(offices + providers, 1):
        uid = ids.take(User)
        advisor = unit["kind"] == "nav_office"
        users.append(dict(id=uid, email=f"{'veileder' if advisor else 'koordinator'}{n}@{EMAIL_DOMAIN}",
                          name=f"{'Veileder' if advisor else 'Koordinator'} {n}", password_hash=password_hash, is_active=True,
                          created_at=now, session_generation=0))
        memberships.append(dict(id=ids.take(Membership), user_id=uid, unit_id=unit["id"],
                                role="advisor" if advisor else "provider_coordinator"))
        (advisor_of if advisor else coordinator_of)[unit["id"]] = uid
    created["users"] = _insert(session, User, users)
    _insert(session, Membership, memberships)

    # --- courses -------------------------------------------------------------------------------------------------------
    existing_courses = session.scalar(select(func.count()).select_from(Course)) or 0
    n_courses = max(0, scale.courses - existing_courses)
    provider_ids = [p["id"] for p in providers]
    courses: list[dict] = []
    ids.start(Course)
    for i in range(n_courses):
        provider = vo_fjordvik.id if i < scale.fjordvik_provider_courses else provider_ids[i % len(provider_ids)]
        title, kind, lo, hi = TITLES[i % len(TITLES)]
        start = dt.date(year - 1, 1, 4) + dt.timedelta(days=rng.randrange(0, 540))
        end = start + dt.timedelta(days=rng.randrange(60, 300))
        courses.append(dict(
            id=ids.take(Course), provider_unit_id=provider, title=f"{title} ({i + 1})", kind=kind, cefr_min=lo, cefr_max=hi,
            format=FORMATS[i % len(FORMATS)], municipality_number=muni_of[provider], location="Kurssenteret",
            start_date=start, end_date=end, rolling_start=i % 3 == 0, hours_per_week=Decimal(rng.choice([4, 6, 8, 12, 15])),
            teaching_weekdays="0,1,2,3,4", part_time=i % 4 != 3, total_seats=0, seats_held=0, seats_confirmed=0,
            price_unit="per_seat", is_active=True, created_at=now - dt.timedelta(days=rng.randrange(30, 700)), updated_at=now,
            target_groups="Navs brukere og deltakere i introduksjonsprogrammet", language_support=None,
            description="Kurs i det nasjonale demodatasettet: praktisk opplæring med vekt på arbeidsliv.",
            _rate=Decimal(rng.randrange(40, 250) * 100)))
    by_provider: dict[int, list[dict]] = {}
    for c in courses:
        by_provider.setdefault(c["provider_unit_id"], []).append(c)

    # --- budgets: a line per new Nav office this year, and Nav Fjordvik's national line (amounts set below) -----------
    ids.start(Budget)
    budgets = {o["id"]: dict(id=ids.take(Budget), unit_id=o["id"], year=year, line="Tiltaksmidler opplæring", side="state",
                             amount=Decimal(0), committed=Decimal(0), spent=Decimal(0), warning_pct=Decimal(85), stop_mode="hard",
                             created_at=now - dt.timedelta(days=300)) for o in offices}
    budgets[nav_fjordvik.id] = dict(id=ids.take(Budget), unit_id=nav_fjordvik.id, year=year, line=FJORDVIK_LINE, side="state",
                                    amount=Decimal(0), committed=Decimal(0), spent=Decimal(0), warning_pct=Decimal(85), stop_mode="hard",
                                    created_at=now - dt.timedelta(days=300))
    buyers = [o["id"] for o in offices]

    # --- purchases (those of accepted requests, below, then direct ones) ----------------------------------------------------
    ids.start(SeatPurchase)
    purchases: list[dict] = []

    def purchase(course: dict, buyer: int, seats: int, status: str = "confirmed") -> dict:
        start = course["start_date"] + dt.timedelta(days=rng.randrange(0, max(1, (course["end_date"] - course["start_date"]).days // 2)))
        at = now - dt.timedelta(minutes=rng.randrange(60, 365 * 24 * 60))
        row = dict(id=ids.take(SeatPurchase), course_id=course["id"], buyer_unit_id=buyer, side="state", budget_id=budgets[buyer]["id"],
                   supplier_entity_id=entity_of[course["provider_unit_id"]], course_kind=course["kind"], seats=seats,
                   start_date=start, end_date=course["end_date"], amount=course["_rate"] * seats, breakdown=[], status=status,
                   created_by_id=advisor_of[buyer], created_at=at, updated_at=at,
                   cancel_reason="Deltakeren fikk jobb før oppstart." if status == "cancelled" else None)
        purchases.append(row)
        return row


    # --- offers and requests -------------------------------------------------------------------------------------------
    existing_offers = session.scalar(select(func.count()).select_from(CapacityOffer)) or 0
    n_offers = max(0, scale.offers - existing_offers)
    ids.start(CapacityOffer)
    offers: list[dict] = []
    for i in range(n_offers):
        c = courses[i % len(courses)]
        period_start = c["start_date"] + dt.timedelta(days=rng.randrange(0, 30))
        period_end = max(period_start, c["end_date"])
        deadline = min(period_end, period_start + dt.timedelta(days=rng.randrange(7, 60)))
        status = "published" if deadline >= today else "expired"
        if rng.random() < 0.05:
            status = "withdrawn"
        at = min(now, dt.datetime.combine(period_start, dt.time(8), tzinfo=dt.timezone.utc) - dt.timedelta(days=rng.randrange(1, 40)))
        offers.append(dict(
            id=ids.take(CapacityOffer), course_id=c["id"], provider_unit_id=c["provider_unit_id"], seats_offered=rng.randrange(1, 7),
            seats_held=0, seats_taken=0, period_start=period_start, period_end=period_end, request_deadline=deadline, unit_price=None,
            seat_price=c["_rate"], visibility="named" if i % 10 == 9 else "all_public",
            contact_name="Koordinator", contact_email=f"kontakt@{EMAIL_DOMAIN}", notes="Ledige plasser etter frafall.",
            status=status, created_by_id=coordinator_of[c["provider_unit_id"]], created_at=at, updated_at=at,
            course_kind=c["kind"], course_format=c["format"], course_cefr_min=c["cefr_min"], course_cefr_max=c["cefr_max"],
            course_municipality=c["municipality_number"], course_part_time=c["part_time"], course_active=True, course_seats_free=0,
            _course=c))
    offer_entities = [dict(offer_id=o["id"], legal_entity_id=state.id) for o in offers if o["visibility"] == "named"]
    fjordvik_offers = [o for o in offers if o["provider_unit_id"] == vo_fjordvik.id]
    other_offers = [o for o in offers if o["provider_unit_id"] != vo_fjordvik.id] or offers

    ids.start(CapacityRequest)
    requests: list[dict] = []
    request_buyers = buyers + [nav_fjordvik.id]
    for i in range(scale.requests):
        pool = fjordvik_offers if i < scale.fjordvik_provider_requests and fjordvik_offers else other_offers
        o = pool[rng.randrange(len(pool))]
        c = o["_course"]
        buyer = request_buyers[rng.randrange(len(request_buyers))]
        seats = 1 if rng.random() < 0.8 else 2
        r = rng.random()
        if o["status"] == "published":
            status = "held" if r < 0.15 else "waiting" if r < 0.2 else "accepted" if r < 0.45 else "declined" if r < 0.65 else "withdrawn"
        else:
            status = "accepted" if r < 0.3 else "declined" if r < 0.5 else "withdrawn" if r < 0.6 else "expired"
        at = min(now - dt.timedelta(minutes=5), o["created_at"] + dt.timedelta(hours=rng.randrange(1, 24 * 20)))
        row = dict(id=ids.take(CapacityRequest), offer_id=o["id"], requester_unit_id=buyer, budget_id=budgets[buyer]["id"], side="state",
                   seats=seats, start_date=o["period_start"], end_date=o["period_end"], unit_price=None, quoted_amount=c["_rate"] * seats,
                   message="Deltakeren er klar for oppstart.", status=status, position=None, hold_expires_at=None,
                   answer_reason=None, purchase_id=None, created_by_id=advisor_of[buyer], created_at=at, updated_at=at,
                   answered_by_id=None, answered_at=None)
        if status == "held":
            row["hold_expires_at"] = now + dt.timedelta(days=rng.randrange(1, 5))
            o["seats_held"] += seats
            c["seats_held"] += seats
        elif status == "waiting":
            row["position"] = i + 1
        elif status in ("accepted", "declined"):
            row["answered_by_id"], row["answered_at"] = coordinator_of[c["provider_unit_id"]], at + dt.timedelta(hours=2)
            if status == "declined":
                row["answer_reason"] = "Kurset passer ikke deltakerens nivå."
            else:
                p = purchase(c, buyer, seats)
                p["start_date"], p["end_date"] = o["period_start"], o["period_end"]
                row["purchase_id"] = p["id"]
                o["seats_taken"] += seats
        requests.append(row)

    # Direct purchases: Nav Fjordvik's first, then the other offices', up to the total asked for.
    existing_purchases = session.scalar(select(func.count()).select_from(SeatPurchase)) or 0
    n_direct = max(0, scale.purchases - existing_purchases - len(purchases))
    for i in range(n_direct):
        buyer = nav_fjordvik.id if i < scale.fjordvik_purchases else buyers[i % len(buyers)]
        purchase(courses[rng.randrange(len(courses))], buyer, 1 if rng.random() < 0.85 else 2,
                 "cancelled" if rng.random() < 0.06 else "confirmed")

    # --- ledgers: courses, offers, budgets ---------------------------------------------------------------------------
    for p in purchases:
        if p["status"] == "confirmed":
            budgets[p["buyer_unit_id"]]["committed"] += p["amount"]
    course_by_id = {c["id"]: c for c in courses}
    for p in purchases:
        if p["status"] == "confirmed":
            course_by_id[p["course_id"]]["seats_confirmed"] += p["seats"]
    for c in courses:
        c["total_seats"] = c["seats_confirmed"] + c["seats_held"] + rng.randrange(0, 12)
    for o in offers:
        c = o["_course"]
        o["seats_offered"] = max(o["seats_offered"], o["seats_held"] + o["seats_taken"])
        if o["status"] == "published" and o["seats_offered"] == o["seats_taken"]:
            o["status"] = "filled"
        o["course_seats_free"] = c["total_seats"] - c["seats_held"] - c["seats_confirmed"]
    for b in budgets.values():  # room for ~a fifth more, rounded up to whole thousands
        b["amount"] = (b["committed"] * Decimal("1.2") / 1000).to_integral_value(rounding="ROUND_CEILING") * 1000 + 1000

    # --- insert, in foreign-key order ------------------------------------------------------------------------------------
    _insert(session, Budget, list(budgets.values()))
    created["budgets"] = len(budgets)
    created["courses"] = _insert(session, Course, [{k: v for k, v in c.items() if not k.startswith("_")} for c in courses])
    ids.start(CourseRate)
    _insert(session, CourseRate, [dict(id=ids.take(CourseRate), course_id=c["id"], valid_from=c["start_date"], amount=c["_rate"])
                                  for c in courses])
    say(f"courses: {len(courses)}")
    created["offers"] = _insert(session, CapacityOffer, [{k: v for k, v in o.items() if not k.startswith("_")} for o in offers])
    _insert(session, OfferEntity, offer_entities)
    created["purchases"] = _insert(session, SeatPurchase, purchases)
    ids.start(Participant)
    _insert(session, Participant, [dict(id=ids.take(Participant), purchase_id=p["id"], reference=f"N-{p['id']}-{k}", cefr_level=None,
                                        consent=True, consent_date=p["created_at"].date())
                                   for p in purchases for k in range(1, p["seats"] + 1)])
    ids.start(BudgetEntry)
    entries = [dict(id=ids.take(BudgetEntry), budget_id=p["budget_id"], purchase_id=p["id"], kind="commit", amount=p["amount"],
                    at=p["created_at"]) for p in purchases]
    entries += [dict(id=ids.take(BudgetEntry), budget_id=p["budget_id"], purchase_id=p["id"], kind="release", amount=p["amount"],
                     at=p["created_at"] + dt.timedelta(days=3)) for p in purchases if p["status"] == "cancelled"]
    _insert(session, BudgetEntry, entries)
    _insert(session, BudgetMonth, month_rows([(p["budget_id"], p["amount"], p["start_date"], p["end_date"])
                                              for p in purchases if p["status"] == "confirmed"], []))
    say(f"purchases: {len(purchases)}, budget entries: {len(entries)}")
    created["requests"] = _insert(session, CapacityRequest, requests)
    ids.start(RequestParticipant)
    _insert(session, RequestParticipant, [dict(id=ids.take(RequestParticipant), request_id=r["id"], reference=f"R-{r['id']}-{k}",
                                               cefr_level=None, consent=True, consent_date=r["created_at"].date())
                                          for r in requests for k in range(1, r["seats"] + 1)])
    say(f"offers: {len(offers)}, requests: {len(requests)}")

    created["agreements"], versions = _agreements(session, ids, rng, scale, now=now, year=year, state=state, offices=offices,
                                                  providers=providers, entity_rows=entity_rows, demo_users=demo_users,
                                                  nav_fjordvik=nav_fjordvik, vo_fjordvik=vo_fjordvik)
    say(f"agreements: {created['agreements']}, versions: {versions}")
    created.update(_inbox_outbox_jobs(session, ids, rng, scale, now=now, demo_users=demo_users))

    created["audit_events"] = _audit(session, rng, scale, now=now, purchases=purchases, offers=offers, requests=requests,
                                     courses=courses, user_ids=[u["id"] for u in users] + [u.id for u in demo_users.values()],
                                     unit_of_user={m["user_id"]: m["unit_id"] for m in memberships})
    say(f"audit events: {created['audit_events']}")
    _reset_sequences(session)
    return created


# --- agreements -------------------------------------------------------------------------------------------------------


def _reset_sequences(session: Session) -> None:
    """PostgreSQL: the ``serial`` sequences continue after the explicit ids used here."""
    if session.get_bind().dialect.name != "postgresql":
        return
    tables = session.execute(text(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'id' "
        "AND column_default LIKE 'nextval%'")).scalars().all()
    for table in tables:
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"))


def vacuum_analyze(engine) -> None:
    """PostgreSQL: what autovacuum would have done to a database in service (statistics, visibility map)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def summary(session: Session) -> dict[str, int]:
    """Row counts of the tables the national set fills, for the CLI and the tests."""
    from .agreements.models import Agreement, AgreementVersion
    from .audit import AuditEvent
    from .capacity.models import CapacityOffer, CapacityRequest
    from .courses.models import Course
    from .organisations.models import LegalEntity, Unit
    from .purchases.models import SeatPurchase

    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "municipalities": count(LegalEntity, LegalEntity.legal_type == "municipality"),
        "nav_offices": count(Unit, Unit.kind == "nav_office"),
        "providers": count(Unit, Unit.kind.in_(["adult_education", "refugee_service", "county_education"])),
        "courses": count(Course), "purchases": count(SeatPurchase), "offers": count(CapacityOffer),
        "requests": count(CapacityRequest), "agreements": count(Agreement), "agreement_versions": count(AgreementVersion),
        "audit_events": count(AuditEvent),
    }


def run_cli(session: Session, scale_text: str, echo) -> None:
    """``demo load --scale …``: load the set on top of the demo data (already committed), commit, analyse, report."""
    import time

    from . import clock

    scale = parse_scale(scale_text)
    began = time.perf_counter()
    created = load(session, now=clock.now(), scale=scale, progress=lambda msg: echo(f"  {msg} ({time.perf_counter() - began:.0f} s)"))
    if not created:
        echo("National data set: loaded already, nothing added.")
        return
    session.commit()
    vacuum_analyze(session.get_bind())
    echo(f"National data set ({scale_text}) loaded in {time.perf_counter() - began:.0f} s: "
         + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in created.items()) + " created.")
    echo("In the database now: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary(session).items()) + ".")
    echo(f"Nav Fjordvik's national budget line: «{FJORDVIK_LINE}». Logins: the demo users below, and "
         f"veilederN@{EMAIL_DOMAIN} / koordinatorN@{EMAIL_DOMAIN} (same password).")
