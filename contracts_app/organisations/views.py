"""Admin pages for legal entities and units. Thin handlers: load → permission → form → service → commit."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..auth import permissions as perm
from ..choices import options
from ..auth.access import requires
from ..db import get_session
from ..web import current_actor, save_form
from . import places, services
from .forms import LegalEntityForm, UnitForm
from .models import LegalEntity, LegalType, Unit

bp = Blueprint("organisations", __name__, url_prefix="/admin/organisations")


@bp.get("/")
@requires(perm.can_manage_organisations)
def index():
    session = get_session()
    entities = session.scalars(select(LegalEntity).order_by(LegalEntity.name)).all()
    return render_template("organisations/index.html", entities=entities, municipality_name=places.municipality_name)


def _entity_form_data(form: LegalEntityForm) -> dict:
    return {
        "name": form.name.data,
        "org_number": form.org_number.data,
        "legal_type": form.legal_type.data,
        "is_contracting_authority": form.is_contracting_authority.data,
        "is_central_government": form.is_central_government.data,
        "municipality_number": form.municipality_number.data,
    }


@bp.route("/entities/new", methods=["GET", "POST"])
@requires(perm.can_manage_organisations)
def new_entity():
    session = get_session()
    form = LegalEntityForm()
    if form.validate_on_submit():
        entity = save_form(form, lambda: services.create_entity(session, _entity_form_data(form), actor=current_actor(), now=clock.now()))
        if entity is not None:
            flash(_("%(name)s was registered.", name=entity.name), "success")
            return redirect(url_for(".index"))
    return render_template("organisations/entity_form.html", form=form, entity=None), 422 if form.errors else 200


@bp.route("/entities/<int:entity_id>", methods=["GET", "POST"])
@requires(perm.can_manage_organisations)
def edit_entity(entity_id: int):
    session = get_session()
    entity = session.get(LegalEntity, entity_id) or abort(404)
    form = LegalEntityForm(obj=entity)
    if not form.is_submitted():
        form.legal_type.data = entity.legal_type.value
    if form.validate_on_submit():
        if save_form(form, lambda: services.update_entity(session, entity, _entity_form_data(form), actor=current_actor(), now=clock.now())) is not None:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".index"))
    return render_template("organisations/entity_form.html", form=form, entity=entity), 422 if form.errors else 200


def _unit_form(obj: Unit | None = None) -> UnitForm:
    session = get_session()
    form = UnitForm(obj=obj)
    entities = session.scalars(select(LegalEntity).order_by(LegalEntity.name)).all()
    form.legal_entity_id.choices = options([(0, _("Choose…"))] + [(e.id, f"{e.name} ({e.org_number})") for e in entities])
    form.municipal_entity_id.choices = options(
        [(None, _("None"))] + [(e.id, e.name) for e in entities if e.legal_type == LegalType.municipality]
    )
    if obj is not None:
        form.municipality_number.keep = {obj.municipality_number}  # what is stored stays valid
        if not form.is_submitted():
            form.kind.data = obj.kind.value
    return form


def _unit_form_data(form: UnitForm) -> dict:
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "legal_entity_id": form.legal_entity_id.data,
        "municipal_entity_id": form.municipal_entity_id.data,
        "municipality_number": form.municipality_number.data,
        "email": form.email.data,
        "is_active": form.is_active.data,
    }


@bp.route("/units/new", methods=["GET", "POST"])
@requires(perm.can_manage_organisations)
def new_unit():
    session = get_session()
    form = _unit_form()
    if form.validate_on_submit():
        unit = save_form(form, lambda: services.create_unit(session, _unit_form_data(form), actor=current_actor(), now=clock.now()))
        if unit is not None:
            flash(_("%(name)s was registered.", name=unit.name), "success")
            return redirect(url_for(".index"))
    return render_template("organisations/unit_form.html", form=form, unit=None), 422 if form.errors else 200


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@requires(perm.can_manage_organisations)
def edit_unit(unit_id: int):
    session = get_session()
    unit = session.get(Unit, unit_id) or abort(404)
    form = _unit_form(unit)
    if form.validate_on_submit():
        if save_form(form, lambda: services.update_unit(session, unit, _unit_form_data(form), actor=current_actor(), now=clock.now())) is not None:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".index"))
    return render_template("organisations/unit_form.html", form=form, unit=unit), 422 if form.errors else 200
