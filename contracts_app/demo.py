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


def load(session: Session, *, now: dt.datetime) -> dict[str, int]:
    """Create whatever of the demo data is missing. Returns counts of what was created."""
    created = {"entities": 0, "units": 0, "users": 0}
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
    session.flush()
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
