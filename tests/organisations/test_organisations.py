from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contracts_app.audit import AuditEvent
from contracts_app.organisations.models import LegalEntity, LegalType, Side, Unit, UnitKind

from ..support import login

GOOD_ENTITY = {
    "name": "Nyby kommune",
    "org_number": "974760673",
    "legal_type": "municipality",
    "is_contracting_authority": "y",
    "municipality_number": "1234",
}


def test_admin_registers_a_legal_entity_and_it_is_audited(client, db, world):
    login(client, "admin@test.no")
    r = client.post("/admin/organisations/entities/new", data={**GOOD_ENTITY, "org_number": "974 760 673"})
    assert r.status_code == 302
    entity = db.scalar(select(LegalEntity).where(LegalEntity.org_number == "974760673"))
    assert entity.legal_type == LegalType.municipality and entity.is_contracting_authority
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "legal_entity.created", AuditEvent.object_id == str(entity.id)))
    assert event.after["org_number"] == "974760673"
    assert event.actor_id == world.users["admin"].id


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"org_number": "974760674"}, "org_number", "Kontrollsifferet"),
        ({"org_number": "12345"}, "org_number", "9 sifre"),
        ({"org_number": "97476067A"}, "org_number", "sifre"),
        ({"org_number": "889640782"}, "org_number", "allerede registrert"),
        ({"name": ""}, "name", None),
        ({"name": "N" * 201}, "name", None),
        ({"municipality_number": "12"}, "municipality_number", None),
        ({"legal_type": "castle"}, "legal_type", None),
    ],
    ids=["checksum", "length", "letters", "duplicate", "empty-name", "long-name", "municipality-number", "legal-type"],
)
def test_bad_entity_input_gives_a_field_error_and_stores_nothing(client, db, world, change, field, message):
    login(client, "admin@test.no")
    before = db.scalar(select(func.count()).select_from(LegalEntity))
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    r = client.post("/admin/organisations/entities/new", data={**GOOD_ENTITY, **change})
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert f'id="{field}-error"' in text
    if message:
        assert message in text
    # the user's input is kept in the form
    kept = change["name"] if "name" in change else GOOD_ENTITY["name"]
    assert kept[:50] in text
    assert db.scalar(select(func.count()).select_from(LegalEntity)) == before
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_editing_an_entity_records_before_and_after(client, db, world):
    login(client, "admin@test.no")
    data = {"name": "Testvik kommune (ny)", "org_number": world.municipality.org_number, "legal_type": "municipality", "is_contracting_authority": "y"}
    assert client.post(f"/admin/organisations/entities/{world.municipality.id}", data=data).status_code == 302
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "legal_entity.updated"))
    assert event.before["name"] == "Testvik kommune" and event.after["name"] == "Testvik kommune (ny)"


def test_nav_office_has_two_owners_and_says_which_side_acts(db, world):
    nav = world.nav_office
    assert nav.entity_for_side(Side.state).legal_type == LegalType.state
    assert nav.entity_for_side(Side.municipal).id == world.municipality.id


@pytest.mark.parametrize(
    "data,field",
    [
        ({"kind": "nav_office", "owner": "state", "municipal": None}, "municipal_entity_id"),
        ({"kind": "nav_office", "owner": "municipality", "municipal": "municipality"}, "legal_entity_id"),
        ({"kind": "adult_education", "owner": "municipality", "municipal": "municipality"}, "municipal_entity_id"),
        ({"kind": "adult_education", "owner": None, "municipal": None}, "legal_entity_id"),
    ],
    ids=["nav-without-municipality", "nav-owned-by-municipality", "municipal-part-on-other-unit", "no-owner"],
)
def test_unit_rules(client, db, world, data, field):
    login(client, "admin@test.no")
    ids = {"state": world.state.id, "municipality": world.municipality.id, None: ""}
    before = db.scalar(select(func.count()).select_from(Unit))
    r = client.post(
        "/admin/organisations/units/new",
        data={"name": "Ny enhet", "kind": data["kind"], "legal_entity_id": ids[data["owner"]] or 0, "municipal_entity_id": ids[data["municipal"]] or "None", "is_active": "y"},
    )
    assert r.status_code == 422
    assert f'id="{field}-error"' in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Unit)) == before


def test_admin_registers_a_nav_office(client, db, world):
    login(client, "admin@test.no")
    r = client.post(
        "/admin/organisations/units/new",
        data={"name": "Nav Nyby", "kind": "nav_office", "legal_entity_id": world.state.id, "municipal_entity_id": world.municipality.id, "is_active": "y"},
    )
    assert r.status_code == 302
    unit = db.scalar(select(Unit).where(Unit.name == "Nav Nyby"))
    assert unit.kind == UnitKind.nav_office and unit.municipal_entity_id == world.municipality.id


def test_unknown_ids_give_404(client, world):
    login(client, "admin@test.no")
    assert client.get("/admin/organisations/entities/999999").status_code == 404
    assert client.get("/admin/organisations/units/999999").status_code == 404
    assert client.get("/admin/users/999999").status_code == 404
