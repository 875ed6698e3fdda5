"""The drafting wizard: a new agreement, its steps, the live verdict while the user types, and the party
field's suggestions (a searchable field instead of every unit as a choice). Routes on the agreements blueprint."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..choices import options
from ..db import get_session
from ..errors import ValidationFailed
from ..organisations.models import LegalEntity, Unit, UnitKind
from ..rulecheck.questions import wizard_link
from ..web import current_actor, current_unit, save_form, visible_agreement
from . import access, party_lookup, queries, services
from . import facts as facts_module
from .forms import STEP_FORMS, NewAgreementForm, PartySearchForm
from .models import Agreement, AgreementKind, AgreementParty
from .parsing import parse_step
from .states import EDITABLE
from .views import _id_arg, _steps, bp

def _covered_choices(a: Agreement) -> list[tuple[int, str]]:
    """The units the parties step offers as further units covered: those of the saved buying parties' legal
    persons (a Nav office through either of its two), and those covered already — not every unit in the country.
    The service checks each posted unit against the parties posted (:func:`parsing.parse_covered_units`)."""
    entity_ids = {p.legal_entity_id for p in a.parties if p.role in access.BUYING_ROLES and p.legal_entity_id}
    covered = set(a.covered_unit_ids)
    wanted = [Unit.id.in_(covered)] if covered else []
    if entity_ids:
        wanted += [Unit.legal_entity_id.in_(entity_ids), Unit.municipal_entity_id.in_(entity_ids)]
    if not wanted:
        return []
    units = get_session().scalars(select(Unit).options(joinedload(Unit.legal_entity))
                                  .where(or_(*wanted), or_(Unit.is_active.is_(True), Unit.id.in_(covered)))
                                  .order_by(Unit.name, Unit.id)).unique().all()
    return [(u.id, party_lookup.unit_label(u)) for u in units]


def _party_rows(form) -> list[dict]:
    rows = []
    for entry in form.parties.entries:
        d = dict(entry.form.data)
        d.pop("who_key", None)
        d.pop("who", None)
        who = entry.form.who.key  # resolved when the form validated: "u:<id>", "e:<id>" or ""
        # anything that is not a bounded id names nobody (never a 500)
        d["unit_id"] = _id_arg(who[2:]) if who.startswith("u:") else None
        d["legal_entity_id"] = _id_arg(who[2:]) if who.startswith("e:") else None
        rows.append(d)
    return rows


def _show_parties(form, keys: list[str]) -> None:
    """Put each key ("u:<id>" / "e:<id>" / "") in its row's party field, with its label as the text."""
    names = party_lookup.labels(get_session(), [k for k in keys if k])
    for entry, key in zip(form.parties.entries, keys):
        entry.form.who.data = names.get(key, "") if key else ""
        entry.form.who_key.data = key if key in names else ""


def _party_form_data(party: AgreementParty) -> dict:
    who = f"u:{party.unit_id}" if party.unit_id else f"e:{party.legal_entity_id}" if party.legal_entity_id else ""
    return {
        "who_key": who, "nav_side": party.nav_side.value if party.nav_side else "", "role": party.role,
        "name": "" if who else party.name, "org_number": "" if who else party.org_number, "legal_type": "" if who else (party.legal_type or ""),
        "contact_name": party.contact_name or "", "contact_email": party.contact_email or "", "contact_phone": party.contact_phone or "",
    }


def _party_paths(action):
    """``action`` with its field errors moved from unit_id/legal_entity_id (what the service names) to the form's
    one selector for both, so :func:`save_form` shows them on that field."""
    def run():
        try:
            return action()
        except ValidationFailed as exc:
            for e in exc.errors:
                e["path"] = e["path"].replace(".unit_id", ".who").replace(".legal_entity_id", ".who")
            raise
    return run


# --- new and the wizard ---------------------------------------------------------------------------------------


@bp.route("/agreements/new", methods=["GET", "POST"])
@requires(perm.can_draft_agreements)
def new():
    session = get_session()
    form = NewAgreementForm()
    if request.method == "GET":
        ids = [_id_arg(v) for v in request.args.getlist("party")[:10]]
        rows = _prefill_parties([i for i in ids if i is not None])
        while len(form.parties.entries) < max(2, len(rows)):
            form.parties.append_entry()
        _show_parties(form, [key for key, _side in rows])
        for entry, (_key, side) in zip(form.parties.entries, rows):
            entry.form.nav_side.data = side
    if request.method == "POST" and form.action.data == "add_party":
        form.parties.append_entry()
        return render_template("agreements/new.html", form=form)
    if form.validate_on_submit():
        a = save_form(form, _party_paths(lambda: services.create_draft(
            session, {"kind": form.kind.data, "title": form.title.data, "parties": _party_rows(form)},
            actor=current_actor(), now=clock.now())))
        if a is not None:
            flash(_("The draft was created. Continue with the subject."), "success")
            return redirect(url_for(".edit", agreement_id=a.id, step="subject"))
    return render_template("agreements/new.html", form=form), 422 if request.method == "POST" else 200


def _prefill_parties(entity_ids: list[int]) -> list[tuple[str, str]]:
    """Rows for ``?party=<legal entity id>``: the user's own unit stands for its legal entity (for a Nav office, with
    the side that entity is); the other parties are the legal entities themselves."""
    session = get_session()
    unit = current_unit()
    rows: list[tuple[str, str]] = []
    own_used = False
    for entity_id in entity_ids[:10]:
        if session.get(LegalEntity, entity_id) is None:
            continue
        side = ""
        if unit is not None and not own_used:
            if unit.kind == UnitKind.nav_office and entity_id in (unit.legal_entity_id, unit.municipal_entity_id):
                side = "state" if entity_id == unit.legal_entity_id else "municipal"
            if unit.legal_entity_id == entity_id or side:
                rows.append((f"u:{unit.id}", side))
                own_used = True
                continue
        rows.append((f"e:{entity_id}", ""))
    if unit is not None and not own_used:
        rows.insert(0, (f"u:{unit.id}", "state" if unit.kind == UnitKind.nav_office else ""))
    return rows


def _step_form(a: Agreement, step: str, *, from_request: bool):
    cls = STEP_FORMS[step]
    if from_request:
        form = cls()
    else:
        values = queries.step_values(a, step)
        data = {k: v for k, v in values.items() if k != "parties"}
        data["lock_version"] = a.version
        if step == "parties":
            data["kind"] = a.kind.value
            data["parties"] = [_party_form_data(p) for p in a.parties]
            data["covered_unit_ids"] = a.covered_unit_ids
        elif step == "subject":
            data["cpv_codes"] = ", ".join(a.cpv_codes or [])
            data["measure_code"] = a.measure_code or ""
            data["parent_id"] = str(a.parent_id or "")
        elif step == "period":
            data["start_date"], data["end_date"] = a.start_date, a.end_date
            data["custom_options"] = ", ".join(str(m) for m in a.option_plan or []) if a.option_scheme == "custom" else ""
            data["max_duration_months"] = a.max_duration_months or ""
        elif step == "value":
            data["estimated_value"] = a.estimated_value if a.estimated_value is not None else ""
            data["options_value"] = a.options_value if a.options_value is not None else ""
        elif step == "cooperation":
            tri = {True: "yes", False: "no", None: ""}
            for key in ("public_interest_only", "third_party_subcontracting"):
                data[key] = tri[getattr(a, key)]
            data["parties"] = [{
                "statutory_task": p.statutory_task or "", "contributions": p.contributions or "", "payment_only": tri[p.payment_only],
                "open_market_share_pct": "" if p.open_market_share_pct is None else p.open_market_share_pct,
            } for p in a.parties]
        data = {k: ("" if v is None else v) for k, v in data.items()}
        form = cls(formdata=None, data=data)
    if step == "parties":
        if not from_request:
            _show_parties(form, [entry.form.who_key.data or "" for entry in form.parties.entries])
        form.covered_unit_ids.choices = _covered_choices(a)
    if step == "subject" and a.kind == AgreementKind.call_off:
        frames = queries.frames(get_session(), current_principal(), current_unit(), besides=a.id)
        form.parent_id.choices = options([("", _("Choose"))] + [(str(x.id), f"{x.title} ({x.start_date}–{x.end_date})") for x in frames])
    if step == "cooperation":
        while len(form.parties.entries) < len(a.parties):
            form.parties.append_entry()
    return form


def _step_data(form, step: str) -> dict:
    data = {k: v for k, v in form.data.items() if k not in ("csrf_token", "lock_version", "action")}
    if step == "parties":
        data["parties"] = _party_rows(form)
    return data


@bp.route("/agreements/<int:agreement_id>/edit/<step>", methods=["GET", "POST"])
@requires(perm.can_draft_agreements)
def edit(agreement_id: int, step: str):
    session = get_session()
    a = visible_agreement(agreement_id, access.can_edit)
    if step not in _steps(a):
        abort(404)
    if a.status not in EDITABLE:
        flash(_("An agreement that is %(status)s cannot be edited.", status=a.status.label), "error")
        return redirect(url_for(".detail", agreement_id=a.id))
    form = _step_form(a, step, from_request=request.method == "POST")
    if request.method == "POST" and step == "parties" and form.action.data == "add_party":
        form.parties.append_entry()
        return _render_step(a, step, form)
    if form.validate_on_submit():
        save = lambda: services.save_step(session, a.id, step, _step_data(form, step), expected_version=form.lock_version.data,  # noqa: E731
                                          actor=current_actor(), now=clock.now())
        try:
            saved = save_form(form, _party_paths(save) if step == "parties" else save)
        except services.EditConflict as exc:
            session.rollback()
            form.lock_version.data = exc.current_version  # "save mine" now overwrites knowingly
            return render_template("agreements/conflict.html", agreement=a, step=step, conflict=exc, form=form,
                                   steps=_steps(a)), 409
        if saved is not None:
            flash(_("Saved as version %(n)d.", n=a.version), "success")
            steps = _steps(a)
            if form.action.data != "next":
                return redirect(url_for(".edit", agreement_id=a.id, step=step))
            if steps.index(step) + 1 < len(steps):
                return redirect(url_for(".edit", agreement_id=a.id, step=steps[steps.index(step) + 1]))
            return redirect(url_for(".detail", agreement_id=a.id))
    if request.method == "POST":
        session.refresh(a)
        # without JavaScript too, the verdict shows what the user typed (nothing of it is saved)
        return _render_step(a, step, form, live=_draft_assessment(a, step, form)), 422
    return _render_step(a, step, form)


def _render_step(a: Agreement, step: str, form, *, live: tuple[dict, bool] | None = None):
    return render_template("agreements/edit.html", agreement=a, step=step, form=form, steps=_steps(a),
                           threads=queries.comment_threads(get_session(), a.id), **_panel(a, step, live))


def _panel(a: Agreement, step: str, live: tuple[dict, bool] | None) -> dict:
    """The verdict panel's context: the result (saved, or with the step's unsaved input), and where each missing
    fact is answered in the wizard."""
    steps = _steps(a)

    def url_for_step(target: str) -> str | None:
        if target not in steps:
            return None
        return "" if target == step else url_for(".edit", agreement_id=a.id, step=target)

    parties = list(a.parties)
    buyer = next((i for i, p in enumerate(parties) if p.role == "buyer"), 0)
    supplier = next((i for i, p in enumerate(parties) if p.role == "supplier" and i != buyer), 1 if buyer == 0 else 0)
    result, unread = live if live is not None else (a.assessment, False)
    return {"result": result, "live": live is not None, "unread": unread,
            "question_link": wizard_link(url_for_step, buyer=buyer, supplier=supplier)}


# Fields whose error means another value of the step cannot be read either.
_ERROR_KEYS = {"custom_options": ("option_plan", "option_scheme"), "option_scheme": ("option_plan", "option_scheme"),
               "parties": ("parties", "kind")}


def _draft_assessment(a: Agreement, step: str, form) -> tuple[dict, bool]:
    """The engine on the draft with this step's unsaved input laid over it (``form`` validated already): the same
    parsing and facts as the save, but nothing is written (the agreement is seen through :func:`facts.draft_view`).
    A field that cannot be read keeps its saved value. Returns the result and whether some input was left out."""
    session = get_session()
    data = _step_data(form, step)
    errors: list[dict] = []
    p, unit = current_principal(), current_unit()
    with session.no_autoflush:
        values, parties = parse_step(session, a, step, data, errors, visible=lambda other: access.can_view(p, unit, other),
                                     today=clock.today())
    bad = {str(e.get("path", "")).split("[")[0].split(".")[0] for e in errors if e.get("path") != "confirm_past"}
    bad |= {name for name in form.errors if name not in ("csrf_token", "lock_version", "action")}
    for key in list(bad):
        bad.update(_ERROR_KEYS.get(key, ()))
    for key in bad & set(values):
        values[key] = getattr(a, key, None)
    if "parties" in bad:
        parties = None  # the saved parties (or their saved cooperation answers)
    view = facts_module.draft_view(a, step, values, parties, resolve=session.get)
    with session.no_autoflush:
        result = services.assess(session, view, today=clock.today())
    return result, bool(bad)


@bp.post("/agreements/<int:agreement_id>/edit/<step>/vurdering")
@requires(perm.can_draft_agreements)
def live_verdict(agreement_id: int, step: str):
    """The verdict panel alone for the step's unsaved input, for the wizard's live update while the user types.
    Saves nothing."""
    a = visible_agreement(agreement_id, access.can_edit)
    if step not in _steps(a) or a.status not in EDITABLE:
        abort(404)
    form = _step_form(a, step, from_request=True)
    if not form.validate() and "csrf_token" in form.errors:
        abort(400)
    html = render_template("agreements/_assessment.html", agreement=a, step=step, wizard_panel=True,
                           **_panel(a, step, _draft_assessment(a, step, form)))
    get_session().rollback()  # nothing was changed; and nothing of this request can be
    return html




# --- the party field's suggestions ------------------------------------------------------------------------------


@bp.get("/agreements/parties/search")
@requires(perm.can_draft_agreements)
def party_search():
    """Registered units and legal persons matching ``q`` (a name, an organisation number, a municipality), at most
    :data:`party_lookup.LIMIT`, for the wizard's party field (``static/combobox.js``): JSON by default, the
    suggestions as an HTML list with ``?format=html``. Reads only; the same answer for every drafter (every
    registered unit may be a party)."""
    form = PartySearchForm(request.args)
    text = form.q.data if form.validate() else ""
    found, more = party_lookup.search(get_session(), text or "")
    if request.args.get("format") == "html":
        return render_template("agreements/_party_suggestions.html", found=found, more=more, q=text or "")
    return jsonify({"q": text or "", "more": more,
                    "results": [{"key": c.key, "label": c.label, "detail": c.detail} for c in found]})
