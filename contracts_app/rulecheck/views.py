"""Rules check page (Regelsjekk) for legal staff, saved scenarios, and the threshold periods admin page."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..boundary import JSONRefused, load_json
from ..choices import options
from ..db import get_session
from ..formats import date as fmt_date, money
from ..fields import coerce_id
from ..errors import Conflict, DomainError, ValidationFailed, error_response
from ..organisations.models import LegalEntity
from ..rules import evaluate_document
from ..rules.thresholds import KEY_RULES
from ..web import current_actor
from . import services
from .facts_form import facts_from_form, form_data_from_facts
from .forms import ActivationForm, ImportForm, RulesCheckForm, ScenarioForm, ThresholdPeriodForm, VerificationForm
from .labels import threshold_name
from .questions import rulecheck_link
from .models import LawVersionPeriod, Scenario, ThresholdPeriod

bp = Blueprint("rulecheck", __name__)


def _entities() -> list[LegalEntity]:
    return get_session().scalars(select(LegalEntity).order_by(LegalEntity.name)).all()


def _private_supplier(form: RulesCheckForm) -> bool:
    """Whether the supplier is known to be a private company (the chosen legal entity, or the manual legal type):
    then it cannot be controlled as in-house, and the form does not ask about it."""
    chosen = form.supplier_entity.data or ""
    if chosen and chosen != "other":
        entity = next((e for e in _entities() if str(e.id) == chosen), None)
        return entity is not None and entity.legal_type.value == "private"
    return chosen == "other" and (form.supplier_legal_type.data or "") == "private"


def _page_extras(form: RulesCheckForm) -> dict:
    """What the page needs to show only the relevant questions: whether the supplier is known to be private (the
    in-house section is hidden), the ids of the private legal entities (for the script), and where each missing
    fact is answered on the page."""
    return {"private_supplier": _private_supplier(form),
            "private_entities": ",".join(str(e.id) for e in _entities() if e.legal_type.value == "private"),
            "question_link": rulecheck_link}


def _form(data: dict | None = None) -> RulesCheckForm:
    """The form from the request, or (with ``data``) pre-filled from a facts document and not validated."""
    form = RulesCheckForm(formdata=None, data=data) if data is not None else RulesCheckForm()
    choices = options([("", _("Choose…"))] + [(str(e.id), f"{e.name} ({e.org_number})") for e in _entities()] + [("other", _("Other (describe below)"))])
    form.buyer_entity.choices = choices
    form.supplier_entity.choices = choices
    return form


def _scenarios():
    p = current_principal()
    return get_session().scalars(
        select(Scenario).where(Scenario.unit_id == p.unit_id).order_by(Scenario.updated_at.desc()).limit(50)
    ).all()


def _assess(form: RulesCheckForm):
    """Build facts from the form and run the engine. Returns (facts, assessment or None, errors)."""
    entities = {str(e.id): e for e in _entities()}
    try:  # the facts kept from an import: size, nesting and control characters checked like any JSON body
        extra = load_json(form.extra_facts.data or "{}", max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    except JSONRefused as exc:
        if not exc.syntax:
            message = exc.message_en if str(get_locale() or "nb") == "en" else exc.message
            return None, None, [{"path": "", "message": message, "message_en": exc.message_en}]
        extra = {}
    if not isinstance(extra, dict):
        extra = {}
    facts, bad_lines = facts_from_form(form, entities, extra)
    if bad_lines:
        form.related_purchases.errors = list(form.related_purchases.errors) + [
            _("Lines %(lines)s could not be read. Write: date; amount; yes/no.", lines=", ".join(bad_lines))
        ]
    code, body = evaluate_document(facts, services.current_table(get_session()))
    if code != 0:
        return facts, None, body["errors"]
    return facts, body, []


def _scenario_asked_for() -> Scenario | bool | None:
    """The saved scenario ``?scenario=`` names: the scenario if it is one of the user's unit's, False if the value
    names none (another unit's, a deleted one, or not an id: letters, -1, 400 digits — parsed with the app's
    bounded id parsing, never handed to the database unbounded), None if no scenario is asked for."""
    if "scenario" not in request.args:
        return None
    try:
        scenario_id = coerce_id(request.args.get("scenario", "").strip())
    except ValueError:
        return False
    if scenario_id is None:
        return None
    found = get_session().get(Scenario, scenario_id) if scenario_id >= 1 else None
    return found if found is not None and found.unit_id == current_principal().unit_id else False


@bp.route("/regelsjekk", methods=["GET", "POST"])
@requires(perm.can_use_rules_check)
def index():
    session = get_session()
    scenario = None
    extra: dict = {}
    asked = _scenario_asked_for() if request.method == "GET" else None
    missing = asked is False
    if asked:
        scenario = asked
        data, extra = form_data_from_facts(scenario.facts, {e.org_number: e for e in _entities()})
        form = _form(data=data)
    else:
        form = _form()
    if missing:  # an id of no scenario of the unit, or not an id at all: the empty page, saying so (404)
        flash(_("The scenario was not found. It may have been deleted, or it belongs to another unit."), "error")
    facts = assessment = None
    engine_errors: list = []
    if request.method == "POST" and form.validate_on_submit():
        facts, assessment, engine_errors = _assess(form)
        action = form.action.data or "assess"
        if action == "export" and not engine_errors and facts is not None:
            return Response(
                json.dumps(facts, ensure_ascii=False, indent=2), mimetype="application/json",
                headers={"Content-Disposition": 'attachment; filename="regelsjekk-fakta.json"'},
            )
        if action == "save" and facts is not None:
            try:
                saved = services.save_scenario(
                    session, name=form.scenario_name.data or "", facts=facts, actor=current_actor(), now=clock.now(),
                    scenario_id=form.scenario_id.data,
                )
            except ValidationFailed as exc:
                session.rollback()
                engine_errors = exc.errors
            else:
                session.commit()
                flash(_("The scenario %(name)s was saved.", name=saved.name), "success")
                return redirect(url_for(".index", scenario=saved.id))
    elif request.method == "GET" and scenario is not None:
        facts, assessment, engine_errors = _assess_data(form, scenario.facts)
    status = 404 if missing else 422 if (form.errors or engine_errors) and request.method == "POST" else 200
    return render_template(
        "rulecheck/index.html", form=form, facts=facts, assessment=assessment, engine_errors=engine_errors,
        scenarios=_scenarios(), scenario=scenario, scenario_form=ScenarioForm(formdata=None, name=scenario.name if scenario else ""),
        import_form=ImportForm(formdata=None), extra=extra, lang=str(get_locale() or "nb"), **_page_extras(form),
    ), status


def _assess_data(form, facts):
    code, body = evaluate_document(facts, services.current_table(get_session()))
    return (facts, body, []) if code == 0 else (facts, None, body["errors"])


@bp.post("/regelsjekk/vurdering")
@requires(perm.can_use_rules_check)
def live_assessment():
    """The assessment panel alone, for the page's live update while the user fills in the form."""
    form = _form()
    if not form.validate_on_submit():
        return render_template("rulecheck/_assessment.html", assessment=None, engine_errors=[], form=form, lang=str(get_locale() or "nb"))
    facts, assessment, engine_errors = _assess(form)
    return render_template("rulecheck/_assessment.html", assessment=assessment, engine_errors=engine_errors, form=form,
                           facts=facts, question_link=rulecheck_link, lang=str(get_locale() or "nb"))


@bp.post("/regelsjekk/import")
@requires(perm.can_use_rules_check)
def import_facts():
    imp = ImportForm()
    if not imp.validate_on_submit():
        abort(400)
    raw = imp.facts_file.data.read() if imp.facts_file.data else (imp.facts_text.data or "").encode()
    try:  # size and nesting checked before parsing (boundary.load_json)
        facts = load_json(raw, max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
        if not isinstance(facts, dict) or "cases" in facts:
            raise ValueError
    except JSONRefused as exc:
        if exc.syntax:
            flash(_("The file is not a facts document (one JSON object as described in the rules engine contract)."), "error")
            return redirect(url_for(".index"))
        return error_response(422, exc.message_en if str(get_locale() or "nb") == "en" else exc.message)
    except ValueError:
        flash(_("The file is not a facts document (one JSON object as described in the rules engine contract)."), "error")
        return redirect(url_for(".index"))
    data, extra = form_data_from_facts(facts, {e.org_number: e for e in _entities()})
    form = _form(data=data)
    _facts, assessment, engine_errors = _assess_data(form, facts)
    flash(_("The facts were imported. Check the form and the assessment."), "info")
    return render_template(
        "rulecheck/index.html", form=form, facts=facts, assessment=assessment, engine_errors=engine_errors,
        scenarios=_scenarios(), scenario=None, scenario_form=ScenarioForm(formdata=None), import_form=ImportForm(formdata=None),
        extra=extra, lang=str(get_locale() or "nb"), **_page_extras(form),
    )


@bp.get("/regelsjekk/scenarier/<int:scenario_id>.json")
@requires(perm.can_use_rules_check)
def export_scenario(scenario_id: int):
    scenario = get_session().get(Scenario, scenario_id)
    if scenario is None or scenario.unit_id != current_principal().unit_id:
        abort(404)
    return Response(
        json.dumps(scenario.facts, ensure_ascii=False, indent=2), mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="scenario-{scenario.id}.json"'},
    )


# --- threshold periods ------------------------------------------------------------------------------------


@bp.route("/admin/thresholds", methods=["GET", "POST"])
@requires(perm.can_manage_thresholds)
def thresholds():
    session = get_session()
    errors: list[dict] = []
    form = ThresholdPeriodForm()
    if request.method == "POST":
        errors = _form_errors(form)
        if not errors:
            data = {name: form[name].data for name in
                    ("key", "value_nok", "status", "effective_from", "last_verified", "source", "note")}
            try:
                services.add_period(session, data, actor=current_actor(), now=clock.now())
            except DomainError as exc:
                session.rollback()
                errors = exc.errors or [{"path": "", "message": exc.message}]
            else:
                session.commit()
                flash(_("The threshold period was added."), "success")
                return redirect(url_for(".thresholds"))
    return _thresholds_page(errors=errors, form="add" if errors else None)


def _thresholds_page(*, errors: list[dict] | None = None, form: str | None = None):
    """The thresholds page; ``form`` names the form whose ``errors`` are shown with the user's input kept
    ("add", "activate-<id>", "verify-<id>", "verify-law-<id>"): 422 when there are errors."""
    session = get_session()
    periods = session.scalars(
        select(ThresholdPeriod).order_by(ThresholdPeriod.key, ThresholdPeriod.effective_from)
    ).all()
    table = services.current_table(session)
    laws = session.scalars(select(LawVersionPeriod).order_by(LawVersionPeriod.effective_from)).all()
    return render_template(
        "rulecheck/thresholds.html", periods=periods, keys=KEY_RULES, errors=errors or [], error_form=form,
        form_values=request.form if request.method == "POST" else {}, table_id=table.id, in_database=bool(periods),
        laws=laws, lang=str(get_locale() or "nb"),
    ), 422 if errors else 200


def _form_errors(form) -> list[dict]:
    """The form's own errors (a date that cannot be read) in the page's shape: one per field, by name."""
    if form.validate_on_submit():
        return []
    return [{"path": name, "message": str(message)} for name, messages in form.errors.items() for message in messages]


def _refused(exc: DomainError, form: str):
    get_session().rollback()
    return _thresholds_page(errors=exc.errors or [{"path": "", "message": exc.message}], form=form)


@bp.post("/admin/thresholds/<int:period_id>/activate")
@requires(perm.can_manage_thresholds)
def activate_threshold(period_id: int):
    session = get_session()
    form = ActivationForm()
    errors = _form_errors(form)
    if errors:
        return _thresholds_page(errors=errors, form=f"activate-{period_id}")
    start = form.effective_from.data
    try:
        period = services.activate(session, period_id, effective_from=start, actor=current_actor(), now=clock.now(),
                                   value_nok=form.value_nok.data, source=form.source.data)
    except (ValidationFailed, Conflict) as exc:
        return _refused(exc, f"activate-{period_id}")
    session.commit()
    flash(_("%(name)s is %(amount)s from %(date)s. Open items are re-assessed under the new figure; the verdicts "
            "that move are listed under «Changes after a change of the law».", name=threshold_name(period.key).capitalize(),
            amount=money(period.value_nok), date=fmt_date(start)), "success")
    return redirect(url_for(".thresholds"))


@bp.post("/admin/thresholds/<int:period_id>/verify")
@requires(perm.can_manage_thresholds)
def verify_threshold(period_id: int):
    """A legal reviewer confirms a figure against the official text, with a note of what they read."""
    session = get_session()
    form = VerificationForm()
    if errors := _form_errors(form):
        return _thresholds_page(errors=errors, form=f"verify-{period_id}")
    try:
        period = services.verify(session, period_id, note=form.note.data or "", actor=current_actor(), now=clock.now())
    except (ValidationFailed, Conflict) as exc:
        return _refused(exc, f"verify-{period_id}")
    session.commit()
    flash(_("%(name)s %(amount)s from %(date)s is marked verified.", name=threshold_name(period.key).capitalize(),
            amount=money(period.value_nok), date=fmt_date(period.effective_from) or "—"),
          "success")
    return redirect(url_for(".thresholds"))


@bp.post("/admin/law-versions/<int:law_id>/verify")
@requires(perm.can_manage_thresholds)
def verify_law_version(law_id: int):
    """A legal reviewer confirms a version of the Act against the official text (Lovdata)."""
    session = get_session()
    form = VerificationForm()
    if errors := _form_errors(form):
        return _thresholds_page(errors=errors, form=f"verify-law-{law_id}")
    try:
        services.verify_law_version(session, law_id, note=form.note.data or "", actor=current_actor(), now=clock.now())
    except (ValidationFailed, Conflict) as exc:
        return _refused(exc, f"verify-law-{law_id}")
    session.commit()
    flash(_("The version of the Act is marked verified."), "success")
    return redirect(url_for(".thresholds"))


@bp.post("/admin/thresholds/load")
@requires(perm.can_manage_thresholds)
def load_thresholds():
    session = get_session()
    added = services.load_shipped(session, actor=current_actor(), now=clock.now())
    session.commit()
    flash(_("%(n)d threshold periods were loaded from the shipped table.", n=added), "success")
    return redirect(url_for(".thresholds"))
