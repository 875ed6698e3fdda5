"""Create and change legal entities and units. Every change is audited; services flush, callers commit."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr

from .. import audit
from ..audit import Actor
from ..errors import NotFound, ValidationFailed
from .models import LegalEntity, LegalType, Unit, UnitKind

ENTITY_FIELDS = [
    "name",
    "org_number",
    "legal_type",
    "is_contracting_authority",
    "is_central_government",
    "municipality_number",
    "is_demo",
]
UNIT_FIELDS = ["name", "kind", "legal_entity_id", "municipal_entity_id", "municipality_number", "email", "is_active"]


def clean_org_number(value: str) -> str:
    """Validate a Norwegian organisation number (9 digits, mod-11 check digit) and return its compact form."""
    try:
        return orgnr.validate(value or "")
    except StdnumError as exc:
        raise ValidationFailed(
            _("Invalid organisation number."),
            errors=[{"path": "org_number", "message": org_number_message(exc)}],
        ) from exc


def org_number_message(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "InvalidLength":
        return _("An organisation number has 9 digits.")
    if name == "InvalidFormat":
        return _("An organisation number has only digits.")
    if name == "InvalidChecksum":
        return _("The check digit does not match: check the organisation number for typing errors.")
    return _("Invalid organisation number.")


def _entity_errors(session: Session, data: dict[str, Any], entity_id: int | None) -> list[dict]:
    errors: list[dict] = []
    name = (data.get("name") or "").strip()
    if not name or len(name) > 200:
        errors.append({"path": "name", "message": _("Enter a name of at most 200 characters.")})
    try:
        data["org_number"] = clean_org_number(data.get("org_number") or "")
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    else:
        clash = session.scalar(select(LegalEntity).where(LegalEntity.org_number == data["org_number"]))
        if clash is not None and clash.id != entity_id:
            errors.append(
                {
                    "path": "org_number",
                    "message": _("This organisation number is already registered for %(name)s.", name=clash.name),
                }
            )
    try:
        data["legal_type"] = LegalType(data.get("legal_type"))
    except ValueError:
        errors.append({"path": "legal_type", "message": _("Choose a legal type.")})
    muni = (data.get("municipality_number") or "").strip() or None
    if muni is not None and (len(muni) != 4 or not muni.isdigit()):
        errors.append({"path": "municipality_number", "message": _("A municipality number has 4 digits.")})
    data["municipality_number"] = muni
    data["name"] = name
    return errors


def create_entity(session: Session, data: dict[str, Any], *, actor: Actor, now: dt.datetime) -> LegalEntity:
    data = dict(data)
    errors = _entity_errors(session, data, None)
    if errors:
        raise ValidationFailed(_("The legal entity could not be saved."), errors=errors)
    entity = LegalEntity(**{k: data.get(k) for k in ENTITY_FIELDS if k in data})
    entity.is_demo = bool(data.get("is_demo", False))
    session.add(entity)
    session.flush()
    audit.record(session, actor, "legal_entity.created", entity, at=now, after=audit.snapshot(entity, ENTITY_FIELDS))
    return entity


def update_entity(
    session: Session, entity: LegalEntity, data: dict[str, Any], *, actor: Actor, now: dt.datetime
) -> LegalEntity:
    data = dict(data)
    errors = _entity_errors(session, data, entity.id)
    if errors:
        raise ValidationFailed(_("The legal entity could not be saved."), errors=errors)
    before = audit.snapshot(entity, ENTITY_FIELDS)
    for key in ENTITY_FIELDS:
        if key in data and key != "is_demo":
            setattr(entity, key, data[key])
    after = audit.snapshot(entity, ENTITY_FIELDS)
    if after != before:
        session.flush()
        audit.record(session, actor, "legal_entity.updated", entity, at=now, before=before, after=after)
    return entity


def _unit_errors(session: Session, data: dict[str, Any]) -> list[dict]:
    errors: list[dict] = []
    name = (data.get("name") or "").strip()
    if not name or len(name) > 200:
        errors.append({"path": "name", "message": _("Enter a name of at most 200 characters.")})
    data["name"] = name
    try:
        data["kind"] = UnitKind(data.get("kind"))
    except ValueError:
        errors.append({"path": "kind", "message": _("Choose what kind of unit this is.")})
    owner = session.get(LegalEntity, data.get("legal_entity_id") or 0)
    if owner is None:
        errors.append({"path": "legal_entity_id", "message": _("Choose the legal entity the unit belongs to.")})
    municipal_id = data.get("municipal_entity_id") or None
    data["municipal_entity_id"] = municipal_id
    if data.get("kind") == UnitKind.nav_office:
        municipal = session.get(LegalEntity, municipal_id or 0)
        if municipal is None or municipal.legal_type != LegalType.municipality:
            errors.append(
                {
                    "path": "municipal_entity_id",
                    "message": _("A Nav office is also part of a municipality: choose the municipality."),
                }
            )
        if owner is not None and owner.legal_type != LegalType.state:
            errors.append(
                {
                    "path": "legal_entity_id",
                    "message": _("The state part of a Nav office is Arbeids- og velferdsetaten: choose the State."),
                }
            )
    elif municipal_id:
        errors.append(
            {"path": "municipal_entity_id", "message": _("Only a Nav office has a municipal part. Leave it empty.")}
        )
    muni = (data.get("municipality_number") or "").strip() or None
    if muni is not None and (len(muni) != 4 or not muni.isdigit()):
        errors.append({"path": "municipality_number", "message": _("A municipality number has 4 digits.")})
    data["municipality_number"] = muni
    email = (data.get("email") or "").strip() or None
    if email is not None and ("@" not in email or len(email) > 200):
        errors.append({"path": "email", "message": _("Enter a valid e-mail address.")})
    data["email"] = email
    return errors


def create_unit(session: Session, data: dict[str, Any], *, actor: Actor, now: dt.datetime) -> Unit:
    data = dict(data)
    errors = _unit_errors(session, data)
    if errors:
        raise ValidationFailed(_("The unit could not be saved."), errors=errors)
    unit = Unit(**{k: data.get(k) for k in UNIT_FIELDS if k in data})
    if unit.is_active is None:
        unit.is_active = True
    session.add(unit)
    session.flush()
    audit.record(session, actor, "unit.created", unit, at=now, after=audit.snapshot(unit, UNIT_FIELDS))
    return unit


def update_unit(session: Session, unit: Unit, data: dict[str, Any], *, actor: Actor, now: dt.datetime) -> Unit:
    data = dict(data)
    errors = _unit_errors(session, data)
    if errors:
        raise ValidationFailed(_("The unit could not be saved."), errors=errors)
    before = audit.snapshot(unit, UNIT_FIELDS)
    for key in UNIT_FIELDS:
        if key in data:
            setattr(unit, key, data[key])
    after = audit.snapshot(unit, UNIT_FIELDS)
    if after != before:
        session.flush()
        audit.record(session, actor, "unit.updated", unit, at=now, before=before, after=after)
    return unit


def get_entity(session: Session, entity_id: int) -> LegalEntity:
    entity = session.get(LegalEntity, entity_id)
    if entity is None:
        raise NotFound(_("No such legal entity."))
    return entity


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_("No such unit."))
    return unit
