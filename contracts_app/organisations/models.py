"""Organisations on two levels, because the law looks at legal persons while people work in units (brief §2)."""
from __future__ import annotations

from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..vocab import LabelledEnum


class LegalType(LabelledEnum):
    """Values of ``party.legal_type`` in the rules-engine contract."""

    state = "state"
    municipality = "municipality"
    county_municipality = "county_municipality"
    public_body = "public_body"
    mixed_company = "mixed_company"
    foundation = "foundation"
    private = "private"

    __labels__ = {
        "state": _l("The State"), "municipality": _l("Municipality"), "county_municipality": _l("County municipality"),
        "public_body": _l("Other public body"), "mixed_company": _l("Company with public and private owners"),
        "foundation": _l("Foundation"), "private": _l("Private company"),
    }


class UnitKind(LabelledEnum):
    nav_office = "nav_office"
    adult_education = "adult_education"
    refugee_service = "refugee_service"
    county_education = "county_education"
    other = "other"

    __labels__ = {
        "nav_office": _l("Nav office"), "adult_education": _l("Adult education"), "refugee_service": _l("Refugee service"),
        "county_education": _l("County education"), "other": _l("Other"),
    }


class Side(LabelledEnum):
    """Which legal person of a Nav office acts (NAV-01)."""

    state = "state"
    municipal = "municipal"

    __labels__ = {"state": _l("The state side (Arbeids- og velferdsetaten)"), "municipal": _l("The municipal side")}
    __short_labels__ = {"state": _l("state side"), "municipal": _l("municipal side")}


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, validate_strings=True, length=40)


class LegalEntity(Base):
    """A legal person (rettssubjekt): the State, a municipality, a county, a company."""

    __tablename__ = "legal_entity"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Norwegian organisation number, 9 digits, mod-11 checked; unique because it identifies the legal person.
    org_number: Mapped[str] = mapped_column(String(9), unique=True)
    legal_type: Mapped[LegalType] = mapped_column(_enum(LegalType, "legal_type"))
    # Bound by the procurement rules (oppdragsgiver); decides whether exemptions can apply at all.
    is_contracting_authority: Mapped[bool] = mapped_column(Boolean)
    # Central government uses the lower EEA thresholds (THR-04).
    is_central_government: Mapped[bool] = mapped_column(Boolean)
    # Four-digit municipality number (kommunenummer) for municipalities; null otherwise.
    municipality_number: Mapped[Optional[str]] = mapped_column(String(4))
    # Invented demo data carries this flag so nobody mistakes it for a real organisation.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    units: Mapped[list["Unit"]] = relationship(
        back_populates="legal_entity", foreign_keys="Unit.legal_entity_id", order_by="Unit.name"
    )

    def __repr__(self) -> str:
        return f"<LegalEntity {self.id} {self.org_number} {self.name!r}>"


class Unit(Base):
    """Where people work: a Nav office, an adult-education centre, a refugee service."""

    __tablename__ = "unit"
    __table_args__ = (
        # A Nav office is a partnership of the State and a municipality: both owners must be known.
        CheckConstraint(
            "kind != 'nav_office' OR municipal_entity_id IS NOT NULL", name="nav_office_has_municipal_part"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind, "unit_kind"))
    # The legal entity the unit belongs to; for a Nav office, its state part (Arbeids- og velferdsetaten).
    legal_entity_id: Mapped[int] = mapped_column(ForeignKey("legal_entity.id"), index=True)
    # Only for Nav offices: the municipality that is the office's municipal part.
    municipal_entity_id: Mapped[Optional[int]] = mapped_column(ForeignKey("legal_entity.id"), index=True)
    # Where the unit is (kommunenummer), used for search and for the municipality filter.
    municipality_number: Mapped[Optional[str]] = mapped_column(String(4))
    # Functional e-mail address for notices to the unit.
    email: Mapped[Optional[str]] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    # Nearly every use of a unit needs its legal person (rules facts, labels): load it in the same query.
    legal_entity: Mapped[LegalEntity] = relationship(back_populates="units", foreign_keys=[legal_entity_id], lazy="joined")
    municipal_entity: Mapped[Optional[LegalEntity]] = relationship(foreign_keys=[municipal_entity_id])

    def entity_for_side(self, side: Side | None) -> LegalEntity:
        """The legal person acting for this unit; for a Nav office it depends on the side (NAV-01)."""
        if self.kind == UnitKind.nav_office and side == Side.municipal:
            assert self.municipal_entity is not None
            return self.municipal_entity
        return self.legal_entity

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.kind.value} {self.name!r}>"
