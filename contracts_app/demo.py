"""Realistic demo data: two municipalities with their Nav offices, adult education and refugee services, a
county, the State, and one demo user per role per relevant unit. Loading is idempotent.

Every organisation except the State is invented and flagged ``is_demo``; their organisation numbers pass
the mod-11 check but belong to no organisation of ours. The State's number (Arbeids- og velferdsetaten,
889 640 782) is real, as the brief gives it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import formats
from .audit import SYSTEM
from .auth import services as auth_services
from .auth.models import Role, User
from .organisations import services as org_services
from .organisations.models import LegalEntity, Unit

DEMO_PASSWORD = "demo-passord"  # noqa: S105 - documented demo password, demo data only

ENTITIES = [
    # key, name, org number, legal type, contracting authority, central government, municipality no, demo
    ("state", "Arbeids- og velferdsetaten", "889640782", "state", True, True, None, False),
    ("fjordvik", "Fjordvik kommune (demo)", "991000100", "municipality", True, False, "9901", True),
    ("lierdal", "Lierdal kommune (demo)", "991001107", "municipality", True, False, "9902", True),
    ("vestfjell", "Vestfjell fylkeskommune (demo)", "991002111", "county_municipality", True, False, None, True),
]

UNITS = [
    # key, name, kind, owner, municipal part, municipality no
    ("nav_fjordvik", "Nav Fjordvik", "nav_office", "state", "fjordvik", "9901"),
    ("nav_lierdal", "Nav Lierdal", "nav_office", "state", "lierdal", "9902"),
    ("vo_fjordvik", "Fjordvik voksenopplæring", "adult_education", "fjordvik", None, "9901"),
    ("vo_lierdal", "Lierdal læringssenter", "adult_education", "lierdal", None, "9902"),
    ("ft_fjordvik", "Flyktningtjenesten i Fjordvik", "refugee_service", "fjordvik", None, "9901"),
    ("ft_lierdal", "Flyktningtjenesten i Lierdal", "refugee_service", "lierdal", None, "9902"),
    ("vfk_vo", "Vestfjell fylkeskommune, voksenopplæring", "county_education", "vestfjell", None, None),
    ("jur_fjordvik", "Fjordvik kommune, juridisk og innkjøp", "other", "fjordvik", None, "9901"),
    ("nav_innkjop", "Nav Vestfjell, innkjøp og juridisk", "other", "state", None, None),
]

USERS = [
    # e-mail, name, [(unit key or None, role)]
    ("admin@demo.no", "Ada Admin", [(None, Role.admin)]),
    ("veileder.fjordvik@demo.no", "Vera Veileder", [("nav_fjordvik", Role.advisor)]),
    ("veileder.lierdal@demo.no", "Lars Lie", [("nav_lierdal", Role.advisor)]),
    ("budsjett.fjordvik@demo.no", "Berit Budsjett", [("nav_fjordvik", Role.budget_owner)]),
    ("budsjett.lierdal@demo.no", "Bjørn Bø", [("nav_lierdal", Role.budget_owner)]),
    (
        "koordinator.fjordvik@demo.no",
        "Kari Koordinator",
        [("vo_fjordvik", Role.provider_coordinator), ("ft_fjordvik", Role.provider_coordinator)],
    ),
    ("koordinator.lierdal@demo.no", "Kjetil Kro", [("vo_lierdal", Role.provider_coordinator)]),
    ("flyktning.lierdal@demo.no", "Fatima Fjell", [("ft_lierdal", Role.provider_coordinator)]),
    ("koordinator.vestfjell@demo.no", "Vilde Vest", [("vfk_vo", Role.provider_coordinator)]),
    ("jurist.fjordvik@demo.no", "Jon Jurist", [("jur_fjordvik", Role.legal_reviewer)]),
    ("jurist.nav@demo.no", "Nina Nordmann", [("nav_innkjop", Role.legal_reviewer)]),
]


def _courses(year: int) -> list[dict]:
    """Courses around the current year, so the demo always has something to buy."""
    nxt = year + 1
    d = dt.date
    return [
        dict(unit="vo_fjordvik", title="Norskkurs A1–A2, dagtid", kind="norwegian_training", cefr_min="A1", cefr_max="A2",
             format="in_person", location="Fjordvik læringssenter", start_date=d(nxt, 1, 11), end_date=d(nxt, 6, 18),
             hours_per_week="8", total_seats=14, part_time=True, price_unit="per_hour",
             rates=[(d(nxt, 1, 1), "60")], target_groups="Deltakere i introduksjonsprogrammet og Navs brukere",
             language_support="Arabisk, tigrinja, ukrainsk", description="Praktisk norsk med vekt på arbeidsliv."),
        dict(unit="vo_fjordvik", title="Norsk B1 kveld, digitalt", kind="norwegian_training", cefr_min="A2", cefr_max="B1",
             format="digital", location="Digitalt", start_date=d(year, 8, 17), end_date=d(nxt, 6, 18), rolling_start=True,
             hours_per_week="4", total_seats=20, part_time=True, price_unit="per_week",
             rates=[(d(year, 8, 1), "450"), (d(nxt, 1, 1), "480")], weekdays=[1, 3],
             description="Kveldskurs to dager i uka som kan kombineres med jobb eller praksis."),
        dict(unit="vo_fjordvik", title="Yrkesnorsk helse og omsorg", kind="vocational_norwegian", cefr_min="A2", cefr_max="B1",
             format="hybrid", location="Fjordvik sykehjem og digitalt", start_date=d(nxt, 2, 1), end_date=d(nxt, 5, 28),
             hours_per_week="6", total_seats=10, part_time=True, price_unit="per_seat", rates=[(d(nxt, 1, 1), "18500")]),
        dict(unit="vo_lierdal", title="Norsk A2–B1 deltid", kind="norwegian_training", cefr_min="A2", cefr_max="B1",
             format="in_person", location="Lierdal læringssenter", start_date=d(nxt, 1, 4), end_date=d(nxt, 12, 17),
             rolling_start=True, hours_per_week="12", total_seats=16, part_time=True, price_unit="per_month",
             rates=[(d(nxt, 1, 1), "3900")]),
        dict(unit="vo_lierdal", title="Grunnleggende ferdigheter: digital og lesing", kind="basic_skills", cefr_min=None, cefr_max=None,
             format="in_person", location="Lierdal bibliotek", start_date=d(nxt, 1, 18), end_date=d(nxt, 4, 30),
             hours_per_week="6", total_seats=12, part_time=True, price_unit="per_hour", rates=[(d(nxt, 1, 1), "55")]),
        dict(unit="vfk_vo", title="Forberedende opplæring for voksne (FOV)", kind="fov", cefr_min="B1", cefr_max="B2",
             format="in_person", location="Vestfjell vgs.", start_date=d(nxt, 1, 6), end_date=d(nxt, 6, 19),
             hours_per_week="15", total_seats=24, part_time=False, price_unit="per_month", rates=[(d(nxt, 1, 1), "5200")]),
        dict(unit="ft_fjordvik", title="Norsk med arbeidspraksis", kind="norwegian_training", cefr_min="A1", cefr_max="A2",
             format="in_person", location="Fjordvik", start_date=d(year, 9, 1), end_date=d(nxt, 8, 31), rolling_start=True,
             hours_per_week="10", total_seats=8, part_time=True, price_unit="per_week",
             rates=[(d(year, 9, 1), "700")], weekdays=[0, 2, 4]),
    ]


BUDGETS = [
    # unit, line, side, amount
    ("nav_fjordvik", "Tiltaksmidler opplæring", "state", "1500000"),
    ("nav_fjordvik", "Kvalifiseringsprogrammet, opplæring", "municipal", "400000"),
    ("nav_lierdal", "Tiltaksmidler opplæring", "state", "900000"),
]


def load(session: Session, *, now: dt.datetime) -> dict[str, int]:
    """Create whatever of the demo data is missing. Returns counts of what was created."""
    created = {"entities": 0, "units": 0, "users": 0, "courses": 0, "budgets": 0, "agreements": 0, "offers": 0}
    entities: dict[str, LegalEntity] = {}
    for key, name, org, legal_type, ca, central, muni, demo in ENTITIES:
        entity = session.scalar(select(LegalEntity).where(LegalEntity.org_number == org))
        if entity is None:
            entity = org_services.create_entity(
                session,
                {
                    "name": name,
                    "org_number": org,
                    "legal_type": legal_type,
                    "is_contracting_authority": ca,
                    "is_central_government": central,
                    "municipality_number": muni,
                    "is_demo": demo,
                },
                actor=SYSTEM,
                now=now,
            )
            created["entities"] += 1
        entities[key] = entity

    units: dict[str, Unit] = {}
    for key, name, kind, owner, municipal, muni in UNITS:
        unit = session.scalar(select(Unit).where(Unit.name == name, Unit.legal_entity_id == entities[owner].id))
        if unit is None:
            unit = org_services.create_unit(
                session,
                {
                    "name": name,
                    "kind": kind,
                    "legal_entity_id": entities[owner].id,
                    "municipal_entity_id": entities[municipal].id if municipal else None,
                    "municipality_number": muni,
                    "is_active": True,
                },
                actor=SYSTEM,
                now=now,
            )
            created["units"] += 1
        units[key] = unit

    for email, name, memberships in USERS:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = auth_services.create_user(
                session, email=email, name=name, password=DEMO_PASSWORD, actor=SYSTEM, now=now
            )
            created["users"] += 1
        for unit_key, role in memberships:
            auth_services.add_membership(
                session, user, role=role, unit=units[unit_key] if unit_key else None, actor=SYSTEM, now=now
            )
    year = now.astimezone(dt.timezone.utc).year
    _load_courses(session, units, year, now, created)
    _load_budgets(session, units, year, now, created)
    _load_agreements(session, units, year, now, created)
    _load_offers(session, units, entities, now, created)
    created.update(_load_law_change(session, units, year, now))
    return created


# course title, offering unit, seats, offer price (None = the course's), named organisations (None = everyone)
OFFERS = [
    ("Norsk A2–B1 deltid", "vo_lierdal", 3, None, None),
    ("Yrkesnorsk helse og omsorg", "vo_fjordvik", 2, "16500", None),
    ("Forberedende opplæring for voksne (FOV)", "vfk_vo", 2, None, ["state", "fjordvik"]),
    ("Norsk med arbeidspraksis", "ft_fjordvik", 2, None, None),
]


def _load_offers(session: Session, units: dict[str, Unit], entities: dict[str, LegalEntity], now: dt.datetime, created: dict) -> None:
    """Free seats published on demo courses, open for requests for the next 30 days."""
    from .audit import Actor
    from .capacity import offers as capacity_offers
    from .capacity.models import CapacityOffer
    from .courses.models import Course

    coordinator = {u: session.scalar(select(User).where(User.email == e)) for u, e in [
        ("vo_lierdal", "koordinator.lierdal@demo.no"), ("vo_fjordvik", "koordinator.fjordvik@demo.no"),
        ("vfk_vo", "koordinator.vestfjell@demo.no"), ("ft_fjordvik", "koordinator.fjordvik@demo.no")]}
    today = formats.local_date(now)
    for title, unit_key, seats, price, named in OFFERS:
        unit = units[unit_key]
        course = session.scalar(select(Course).where(Course.provider_unit_id == unit.id, Course.title == title))
        if course is None or course.end_date < today or session.scalar(select(CapacityOffer.id).where(CapacityOffer.course_id == course.id)):
            continue
        start = max(course.start_date, today)
        data = capacity_offers.OfferInput(
            course_id=course.id, seats_offered=seats, period_start=start, period_end=course.end_date,
            request_deadline=min(course.end_date, today + dt.timedelta(days=30)), unit_price=price,
            visibility="named" if named else "all_public", entity_ids=[entities[k].id for k in named or []],
            contact_name=coordinator[unit_key].name, contact_email=coordinator[unit_key].email,
            notes="Demotilbud: plassene ble ledige fordi færre deltakere startet enn planlagt.",
        )
        capacity_offers.publish_offer(session, unit.id, data, actor=Actor(coordinator[unit_key].id, unit.id), now=now)
        created["offers"] += 1


def _load_courses(session: Session, units: dict[str, Unit], year: int, now: dt.datetime, created: dict) -> None:
    from decimal import Decimal

    from .courses import services as course_services
    from .courses.models import Course
    from .courses.pricing import Rate

    for spec in _courses(year):
        unit = units[spec["unit"]]
        if session.scalar(select(Course.id).where(Course.provider_unit_id == unit.id, Course.title == spec["title"])):
            continue
        data = {k: v for k, v in spec.items() if k not in ("unit", "rates", "weekdays")}
        data.update(
            hours_per_week=Decimal(spec["hours_per_week"]), teaching_weekdays=spec.get("weekdays", [0, 1, 2, 3, 4]),
            rates=[Rate(d, Decimal(a)) for d, a in spec["rates"]], municipality_number=unit.municipality_number,
            is_active=True, rolling_start=spec.get("rolling_start", False),
        )
        course_services.create_course(session, unit, data, actor=SYSTEM, now=now)
        created["courses"] += 1


def _load_budgets(session: Session, units: dict[str, Unit], year: int, now: dt.datetime, created: dict) -> None:
    from .budget import services as budget_services
    from .budget.models import Budget

    for y in (year, year + 1):
        for unit_key, line, side, amount in BUDGETS:
            unit = units[unit_key]
            if session.scalar(select(Budget.id).where(Budget.unit_id == unit.id, Budget.year == y, Budget.line == line)):
                continue
            budget_services.create_budget(
                session, {"unit_id": unit.id, "year": y, "line": line, "side": side, "amount": amount,
                          "warning_pct": "85", "stop_mode": "hard"}, actor=SYSTEM, now=now,
            )
            created["budgets"] += 1


COOPERATION = {
    "common_objectives": "Flere innvandrere med svake norskferdigheter kommer i arbeid eller utdanning gjennom norskopplæring "
                         "kombinert med arbeidspraksis.",
    "governance": "En felles styringsgruppe med leder for Nav Fjordvik og rektor ved voksenopplæringen møtes hvert kvartal og "
                  "legger en felles årsplan.",
    "cost_sharing": "Hver part bærer egne kostnader til lærere, veiledere og lokaler. Ingen betaling mellom partene.",
    "pricing": "own_costs_each", "activity_basis": "avg_turnover_3y",
    "market_share_monitoring": "Voksenopplæringen rapporterer hvert år andelen av kursvirksomheten som selges i markedet.",
    "public_interest_only": "yes", "third_party_subcontracting": "no", "private_operator_advantaged": "no",
    "review_and_exit": "Avtalen evalueres hvert år. Hver part kan si opp avtalen med seks måneders varsel.",
}


def _load_agreements(session: Session, units: dict[str, Unit], year: int, now: dt.datetime, created: dict) -> None:
    """An active cooperation agreement in Fjordvik (approved by Nav's jurist, signed by both), and a draft in
    legal review in Lierdal. Made through the services, so versions, assessments, documents and audit are real."""
    from .agreements import lifecycle as agreement_lifecycle
    from .agreements import services as agreement_services
    from .agreements.models import Agreement
    from .audit import Actor

    def actor(email: str, unit_key: str) -> Actor:
        return Actor(session.scalar(select(User.id).where(User.email == email)), units[unit_key].id)

    today = formats.local_date(now)  # the Norwegian date, as the services date approvals (UTC was a day behind after 23:00 in winter)
    specs = [
        ("Samarbeid om norskopplæring med arbeidspraksis i Fjordvik", "nav_fjordvik", "vo_fjordvik",
         actor("koordinator.fjordvik@demo.no", "vo_fjordvik"), actor("jurist.nav@demo.no", "nav_innkjop"), True),
        ("Samarbeid om FOV for Navs brukere i Lierdal", "nav_lierdal", "vfk_vo",
         actor("koordinator.vestfjell@demo.no", "vfk_vo"), None, False),
    ]
    for title, nav_key, provider_key, drafter, reviewer, sign in specs:
        if session.scalar(select(Agreement.id).where(Agreement.title == title)):
            continue
        a = agreement_services.create_draft(session, {"kind": "cooperation", "title": title, "parties": [
            {"unit_id": units[nav_key].id, "nav_side": "state", "role": "partner", "contact_name": "Leder, Nav"},
            {"unit_id": units[provider_key].id, "role": "partner", "contact_name": "Rektor"},
        ]}, actor=drafter, now=now)
        steps = {
            "subject": {"title": title, "subject": "Felles norskopplæring for Navs brukere og deltakere i introduksjonsprogrammet, "
                        "med arbeidspraksis hos lokale arbeidsgivere.", "cpv_codes": "80580000-3",
                        "measure_code": "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV"},
            "period": {"start_date": dt.date(year, 1, 1), "end_date": dt.date(year + 1, 12, 31), "option_scheme": "2+1",
                       "max_duration_months": "36"},
            "value": {"estimated_value": "1200000", "options_value": "600000",
                      "price_terms": "Ingen betaling mellom partene; hver part dekker egne kostnader."},
            "cooperation": {**COOPERATION, "parties": [
                {"statutory_task": "Arbeidsrettet oppfølging og arbeidsmarkedstiltak (NAV-loven § 14 a, tiltaksforskriften kap. 7)",
                 "contributions": "Veiledere i klasserommet to dager i uka\nPraksisplasser hos arbeidsgivere", "payment_only": "no",
                 "open_market_share_pct": "0"},
                {"statutory_task": "Opplæring i norsk og samfunnskunnskap (integreringsloven kap. 6)",
                 "contributions": "Lærere\nKlasserom og digital læringsplattform", "payment_only": "no", "open_market_share_pct": "4"},
            ]},
        }
        for step, data in steps.items():
            agreement_services.save_step(session, a.id, step, data, expected_version=a.version, actor=drafter, now=now)
        agreement_services.submit(session, a.id, actor=drafter, now=now)
        if sign:
            agreement_services.approve(session, a.id, reviewer_verdict=None, reasoning=None,
                                       note="Vilkårene for samarbeid mellom oppdragsgivere er dokumentert.", actor=reviewer, now=now, today=today)
            for party in a.parties:  # each party signs for itself: Nav's budget owner for the Nav office
                signer = actor("budsjett.fjordvik@demo.no", nav_key) if party.unit_id == units[nav_key].id else drafter
                agreement_lifecycle.record_signature(session, a.id, party_id=party.id, signer_name="Demo Leder", signer_role="Enhetsleder",
                                                    signed_on=today, actor=signer, now=now, today=today)
        created["agreements"] += 1


# --- the law-change impact report (issue 16): items whose verdict moved with the amendment of 2026-07-01 ------------

LAW_CHANGE_CAUSE = "Lov 2026-07-01 (demo)"
LAW_CHANGE_AGREEMENT = "Kjøp av yrkesnorsk for Navs brukere i Fjordvik"


def _load_law_change(session: Session, units: dict[str, Unit], year: int, now: dt.datetime) -> dict[str, int]:
    """An agreement in legal review and a confirmed seat purchase, both dated after the latest amendment of the Act
    and worth between the lower limits before and after it, and that amendment recorded as a change of the law and
    re-assessed, so the impact page («Endringer etter regelendring») shows the two verdicts it moved.

    A fresh database holds the amended law already (the shipped table), so the change shown is the shipped table
    with what entered into force on 2026-07-01 undone (``lawchange.services.table_before``) → the table in force.
    """
    from .agreements import services as agreement_services
    from .agreements.models import Agreement
    from .audit import Actor
    from .budget.models import Budget
    from .courses.models import Course
    from .lawchange import services as lawchange
    from .purchases import services as purchase_services
    from .purchases.models import SeatPurchase
    from .rulecheck import services as rulecheck
    from .rulecheck.models import LawChange, ThresholdPeriod

    created = {"purchases": 0, "law_changes": 0}
    nxt = year + 1

    def user(email: str) -> int:
        return session.scalar(select(User.id).where(User.email == email))

    if not session.scalar(select(Agreement.id).where(Agreement.title == LAW_CHANGE_AGREEMENT)):
        drafter = Actor(user("koordinator.fjordvik@demo.no"), units["vo_fjordvik"].id)
        a = agreement_services.create_draft(session, {"kind": "procurement", "title": LAW_CHANGE_AGREEMENT, "parties": [
            {"unit_id": units["nav_fjordvik"].id, "nav_side": "state", "role": "buyer", "contact_name": "Leder, Nav"},
            {"unit_id": units["vo_fjordvik"].id, "role": "supplier", "contact_name": "Rektor"},
        ]}, actor=drafter, now=now)
        for step, data in (
            ("subject", {"title": LAW_CHANGE_AGREEMENT, "cpv_codes": "80580000-3",
                         "subject": "Yrkesnorsk for helse og omsorg for ti av Navs brukere, med praksis på sykehjem."}),
            ("period", {"start_date": dt.date(nxt, 2, 1), "end_date": dt.date(nxt, 5, 28), "option_scheme": "none"}),
            ("value", {"estimated_value": "250000", "price_terms": "Fast pris per deltaker, fakturert etter oppstart."}),
        ):
            agreement_services.save_step(session, a.id, step, data, expected_version=a.version, actor=drafter, now=now)
        agreement_services.submit(session, a.id, actor=drafter, now=now)

    course = session.scalar(select(Course).where(Course.provider_unit_id == units["vfk_vo"].id,
                                                 Course.title == "Forberedende opplæring for voksne (FOV)"))
    budget = session.scalar(select(Budget).where(Budget.unit_id == units["nav_lierdal"].id, Budget.year == nxt))
    bought = session.scalar(select(SeatPurchase.id).where(SeatPurchase.buyer_unit_id == units["nav_lierdal"].id,
                                                          SeatPurchase.course_id == course.id)) if course else None
    if course is not None and budget is not None and bought is None and course.start_date > formats.local_date(now):
        advisor = Actor(user("veileder.lierdal@demo.no"), units["nav_lierdal"].id)
        data = purchase_services.PurchaseInput(
            course_id=course.id, buyer_unit_id=units["nav_lierdal"].id, budget_id=budget.id, side="state", seats=4,
            start_date=course.start_date, end_date=course.end_date,
            participants=[purchase_services.ParticipantInput(f"LIER-FOV-{i}") for i in range(1, 5)],
        )
        purchase_services.confirm(session, data, actor=advisor, now=now, today=formats.local_date(now))  # 4 × 31 200 kr
        created["purchases"] += 1

    if not session.scalar(select(LawChange.id).where(LawChange.cause == LAW_CHANGE_CAUSE)):
        if not session.scalar(select(ThresholdPeriod.id).limit(1)):
            rulecheck.load_shipped(session, actor=SYSTEM, now=now)  # the law data the change is recorded against
        table = rulecheck.current_table(session)
        if rulecheck.record_law_change(session, lawchange.table_before(table, table.law_versions[-1].effective_from), cause=LAW_CHANGE_CAUSE,
                                       actor=SYSTEM, now=now) is not None:
            created["law_changes"] += 1
    lawchange.reassess_pending(session, now=now, actor=SYSTEM)
    return created


def logins() -> list[tuple[str, str, str]]:
    """(e-mail, role(s), unit(s)) for printing the demo logins."""
    unit_names = {key: name for key, name, *_ in UNITS}
    rows = []
    for email, _name, memberships in USERS:
        roles = ", ".join(sorted({m[1].value for m in memberships}))
        where = ", ".join(unit_names[u] if u else "—" for u, _ in memberships)
        rows.append((email, roles, where))
    return rows
