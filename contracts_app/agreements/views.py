"""Agreement pages: list and search, the drafting wizard, the agreement page with review, comments, signing,
options, termination, versions and documents."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..boundary import ID_MAX
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..choices import options
from ..db import get_session
from ..documents import services as documents
from ..documents.downloads import attachment
from ..errors import DomainError, ValidationFailed
from ..lawchange.services import assessment_now
from ..organisations.models import LegalEntity, Unit, UnitKind
from ..pagination import requested
from ..rulecheck.questions import wizard_link
from ..web import current_actor, current_unit, run_action, save_form, visible_agreement
from . import access, lifecycle, queries, services
from . import facts as facts_module
from .forms import (
    STEP_FORMS, CommentForm, FilterForm, NewAgreementForm, ResolveForm, ReviewForm, SignatureForm, TerminateForm,
)
from .models import Agreement, AgreementKind, AgreementParty, AgreementSignature, ReviewComment, SignatureMethod
from .parsing import completeness_errors, parse_step
from .states import EDITABLE, IN_FORCE, OPTIONS_ALLOWED, AgreementStatus

bp = Blueprint("agreements", __name__)
S = AgreementStatus


def _who_choices():
    session = get_session()
    units = session.scalars(select(Unit).where(Unit.is_active.is_(True)).order_by(Unit.name)).all()
    entities = session.scalars(select(LegalEntity).order_by(LegalEntity.name)).all()
    return options(
        [("", _("Other organisation (type it in below)"))]
        + [(f"u:{u.id}", f"{u.name} ({u.legal_entity.name})") for u in units]
        + [(f"e:{e.id}", f"{e.name} ({e.org_number})") for e in entities]
    )


def _unit_choices():
    units = get_session().scalars(select(Unit).where(Unit.is_active.is_(True)).order_by(Unit.name)).all()
    return [(u.id, f"{u.name} ({u.legal_entity.name})") for u in units]


def _id_arg(value: str | None) -> int | None:
    """An id from the query string or a hidden field: a plain number 1 … ID_MAX, else None (never an overflow
    in the database)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > len(str(ID_MAX)):
        return None
    number = int(value)
    return number if 1 <= number <= ID_MAX else None


def _party_rows(form) -> list[dict]:
    rows = []
    for entry in form.parties.entries:
        d = dict(entry.form.data)
        who = str(d.pop("who", "") or "")
        # "u:<id>" / "e:<id>"; anything else that is not a bounded id names nobody (never a 500)
        d["unit_id"] = _id_arg(who[2:]) if who.startswith("u:") else None
        d["legal_entity_id"] = _id_arg(who[2:]) if who.startswith("e:") else None
        rows.append(d)
    return rows


def _party_form_data(party: AgreementParty) -> dict:
    who = f"u:{party.unit_id}" if party.unit_id else f"e:{party.legal_entity_id}" if party.legal_entity_id else ""
    return {
        "who": who, "nav_side": party.nav_side.value if party.nav_side else "", "role": party.role,
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


# --- list ---------------------------------------------------------------------------------------------------


@bp.get("/agreements")
@requires(perm.can_view_agreements)
def index():
    form = FilterForm(request.args)
    filters = form.filters()
    page, per_page = requested(request.args)
    p, today = current_principal(), clock.today()
    found = queries.search(get_session(), p, current_unit(), **filters, today=today, page=page, per_page=per_page)
    args = {k: v for k, v in filters.items() if v}
    if "per_page" in request.args:
        args["per_page"] = found.per_page
    return render_template("agreements/index.html", agreements=found.items, found=found, args=args, form=form, today=today,
                           can_draft=perm.can_draft_agreements(p))


# --- new and the wizard ---------------------------------------------------------------------------------------


@bp.route("/agreements/new", methods=["GET", "POST"])
@requires(perm.can_draft_agreements)
def new():
    session = get_session()
    form = NewAgreementForm()
    choices = _who_choices()
    if request.method == "GET":
        ids = [_id_arg(v) for v in request.args.getlist("party")[:10]]
        rows = _prefill_parties([i for i in ids if i is not None])
        while len(form.parties.entries) < max(2, len(rows)):
            form.parties.append_entry()
        for entry, row in zip(form.parties.entries, rows):
            entry.form.who.data, entry.form.nav_side.data = row
    for entry in form.parties.entries:
        entry.form.who.choices = choices
    if request.method == "POST" and form.action.data == "add_party":
        form.parties.append_entry()
        form.parties.entries[-1].form.who.choices = choices
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
        choices = _who_choices()
        for entry in form.parties.entries:
            entry.form.who.choices = choices
        form.covered_unit_ids.choices = _unit_choices()
    if step == "subject" and a.kind == AgreementKind.call_off:
        frames = queries.frames(get_session(), current_principal(), current_unit(), besides=a.id)
        form.parent_id.choices = options([("", _("Choose"))] + [(str(x.id), f"{x.title} ({x.start_date}–{x.end_date})") for x in frames])
    if step == "cooperation":
        while len(form.parties.entries) < len(a.parties):
            form.parties.append_entry()
    return form


def _steps(a: Agreement) -> list[str]:
    return [s for s in queries.STEPS if s != "cooperation" or a.kind == AgreementKind.cooperation]


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
        form.parties.entries[-1].form.who.choices = _who_choices()
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


# --- the agreement page -----------------------------------------------------------------------------------------


@bp.get("/agreements/<int:agreement_id>")
@requires(perm.can_view_agreements)
def detail(agreement_id: int):
    session = get_session()
    a = visible_agreement(agreement_id)
    p, unit = current_principal(), current_unit()
    can_edit = access.can_edit(p, unit, a)
    can_review = access.can_review(p, unit, a) and queries.may_review(session, a, p.user_id)
    sig_form = SignatureForm(formdata=None, signed_on=clock.today())
    sigs = queries.signatures(session, a.id)
    sig_form.party_id.choices = _signable(a, {s.party_id for s in sigs})
    own_only = not queries.sees_all_purchases(p, unit, a)  # a unit the agreement only covers sees its own purchases
    purchases = queries.purchases_under(session, a.id, buyer_unit_id=(unit.id if unit else -1) if own_only else None)
    vs = queries.versions(session, a.id)
    approval = queries.current_approval(session, a)
    # Beside a frozen verdict: what the law data in force now would conclude, when that differs (one assessment).
    law_now = assessment_now(session, approval.facts, approval.frozen_assessment) if approval else None
    # Review routing: who would review it (or reviews it now), and what an administrator must do when nobody can.
    routing = can_edit and a.status in (S.draft, S.changes_requested, S.in_review)
    reviewers = services.eligible_reviewers(session, a) if routing else []
    return render_template(
        "agreements/detail.html", agreement=a, steps=_steps(a), can_edit=can_edit and a.status in EDITABLE,
        can_act=can_edit, can_sign=access.can_sign(p, unit, a) and bool(sig_form.party_id.choices), can_review=can_review, reviewer_is_drafter=access.can_review(p, unit, a) and a.status == S.in_review and not can_review,
        approval=approval, law_now=law_now, last_approval=queries.latest_approval(session, a),
        decisions=queries.decisions(session, a.id), threads=queries.comment_threads(session, a.id), comment_form=CommentForm(formdata=None),
        review_form=ReviewForm(formdata=None), sig_form=sig_form, signatures=sigs,
        terminate_form=TerminateForm(formdata=None, terminated_on=clock.today()), documents=queries.documents_of(session, a.id),
        versions=vs, use=queries.value_used(session, a), purchases=purchases, next_option=queries.next_option(a),
        live_options=queries.exercised_options(a), max_end=queries.max_end(a), editable=EDITABLE, in_force=IN_FORCE,
        options_allowed=OPTIONS_ALLOWED, S=S, completeness=completeness_errors(a),
        routing=routing, reviewers=services.named(reviewers) if reviewers else "",
        no_reviewer=services.no_reviewer_message(a) if routing and not reviewers else "",
    )


@bp.post("/agreements/<int:agreement_id>/submit")
@requires(perm.can_draft_agreements)
def submit(agreement_id: int):
    a = visible_agreement(agreement_id, access.can_edit)
    session = get_session()
    try:
        services.submit(session, a.id, actor=current_actor(), now=clock.now())
    except DomainError as exc:
        session.rollback()
        if exc.status == 403:
            raise
        flash(" ".join(e["message"] for e in exc.errors) or exc.message, "error")
        return redirect(url_for(".detail", agreement_id=a.id))
    reviewers = services.eligible_reviewers(session, a)
    session.commit()
    flash(_("Sent to legal review with %(names)s.", names=services.named(reviewers)), "success")
    return redirect(url_for(".detail", agreement_id=a.id))


@bp.post("/agreements/<int:agreement_id>/review")
@requires(perm.can_review_legal)
def review(agreement_id: int):
    a = visible_agreement(agreement_id, access.can_review)
    form = ReviewForm()
    session = get_session()
    if not form.validate_on_submit():
        flash(_("Choose a decision."), "error")
        return redirect(url_for(".detail", agreement_id=a.id))
    if form.decision.data == "changes":
        action = lambda: services.request_changes(session, a.id, note=form.note.data or "", actor=current_actor(), now=clock.now())  # noqa: E731
        message = _("Changes were requested; the drafters can now edit the agreement.")
    else:
        action = lambda: services.approve(  # noqa: E731
            session, a.id, reviewer_verdict=form.reviewer_verdict.data or None, reasoning=form.reasoning.data,
            note=form.note.data, actor=current_actor(), now=clock.now(), today=clock.today())
        message = _("The agreement is approved: facts, ruleset, verdict and documents are frozen with this version.")
    run_action(action, message)  # the two-person rule is a 403 (PermissionDenied), which run_action lets through
    return redirect(url_for(".detail", agreement_id=a.id))


@bp.post("/agreements/<int:agreement_id>/comments")
@requires(perm.can_draft_agreements)
def comment(agreement_id: int):
    a = visible_agreement(agreement_id, access.can_edit)
    form = CommentForm()
    if not form.validate_on_submit():  # an empty, too long or control-character comment is never stored
        flash(" ".join(f"{form[k].label.text}: {' '.join(map(str, v))}" for k, v in form.errors.items() if k in form)
              or _("Check the form."), "error")
        return redirect(url_for(".detail", agreement_id=a.id) + "#comments")
    run_action(lambda: services.add_comment(get_session(), a.id, section=form.section.data or "", body=form.body.data or "",
                                            parent_id=_id_arg(form.parent_id.data),
                                            actor=current_actor(), now=clock.now()),
               _("The comment was added."))
    return redirect(url_for(".detail", agreement_id=a.id) + "#comments")


@bp.post("/agreements/<int:agreement_id>/comments/<int:comment_id>/resolve")
@requires(perm.can_draft_agreements)
def resolve_comment(agreement_id: int, comment_id: int):
    a = visible_agreement(agreement_id, access.can_edit)
    c = get_session().get(ReviewComment, comment_id)
    if c is None or c.agreement_id != a.id:
        abort(404)
    reopen = ResolveForm().reopen.data == "1"
    run_action(lambda: services.resolve_comment(get_session(), c.id, actor=current_actor(), now=clock.now(), reopen=reopen),
               _("The thread was reopened.") if reopen else _("The thread was resolved."))
    return redirect(url_for(".detail", agreement_id=a.id) + "#comments")


@bp.get("/agreements/<int:agreement_id>/versions")
@requires(perm.can_view_agreements)
def versions(agreement_id: int):
    session = get_session()
    a = visible_agreement(agreement_id)
    vs = queries.versions(session, a.id)
    numbers = {v.number for v in vs}
    default = (max(1, a.version - 1), a.version)
    asked = [(request.args.get(k) or "").strip() for k in ("a", "b")]
    first, second = (_id_arg(v) if v else d for v, d in zip(asked, default))
    if first not in numbers or second not in numbers:  # not a number, or not a version of this agreement
        flash(_("The agreement has no such version: its latest two versions are compared instead."), "error")
        first, second = default
    changes = queries.version_diff(session, a.id, first, second)
    return render_template("agreements/versions.html", agreement=a, versions=vs, a=first, b=second, changes=changes)


def _signable(a: Agreement, signed: set[int]):
    """The parties this user may still record a signature for: their own unit's, and, for a legal reviewer or an
    administrator, the others on paper (the service checks the same, :func:`access.signing_method`)."""
    p, unit = current_principal(), current_unit()
    out = []
    for party in a.parties:
        method = access.signing_method(p, unit, party)
        if party.id in signed or method is None:
            continue
        out.append((party.id, party.name if method == SignatureMethod.own_side else _("%(name)s (on paper, attach the signed PDF)", name=party.name)))
    return options(out)


@bp.post("/agreements/<int:agreement_id>/sign")
@requires(access.can_record_signatures)
def sign(agreement_id: int):
    a = visible_agreement(agreement_id, access.can_sign)
    form = SignatureForm()
    form.party_id.choices = options([(p.id, p.name) for p in a.parties])  # any party: the service refuses another's (403)
    upload = form.pdf.data
    pdf = upload.read() if upload and upload.filename else None
    if not form.validate_on_submit():
        flash(" ".join(f"{form[k].label.text}: {' '.join(v)}" for k, v in form.errors.items() if k in form) or _("Check the form."), "error")
        return redirect(url_for(".detail", agreement_id=a.id) + "#signing")
    run_action(lambda: lifecycle.record_signature(
        get_session(), a.id, party_id=form.party_id.data, signer_name=form.signer_name.data, signer_role=form.signer_role.data,
        signed_on=form.signed_on.data, pdf=pdf, pdf_filename=upload.filename if pdf else None, actor=current_actor(),
        now=clock.now(), today=clock.today()), _("The signature was recorded."))
    return redirect(url_for(".detail", agreement_id=a.id) + "#signing")


@bp.post("/agreements/<int:agreement_id>/options")
@requires(perm.can_draft_agreements)
def exercise_option(agreement_id: int):
    a = visible_agreement(agreement_id, access.can_edit)
    run_action(lambda: lifecycle.exercise_option(get_session(), a.id, actor=current_actor(), now=clock.now()),
               _("The option was exercised; the end date is extended."))
    return redirect(url_for(".detail", agreement_id=a.id) + "#period")


@bp.post("/agreements/<int:agreement_id>/options/<int:option_id>/undo")
@requires(perm.can_draft_agreements)
def undo_option(agreement_id: int, option_id: int):
    a = visible_agreement(agreement_id, access.can_edit)
    run_action(lambda: lifecycle.undo_option(get_session(), a.id, option_id, actor=current_actor(), now=clock.now()),
               _("The option was undone; the end date is restored."))
    return redirect(url_for(".detail", agreement_id=a.id) + "#period")


@bp.post("/agreements/<int:agreement_id>/terminate")
@requires(perm.can_draft_agreements)
def terminate(agreement_id: int):
    a = visible_agreement(agreement_id, access.can_edit)
    form = TerminateForm()
    run_action(lambda: lifecycle.terminate(get_session(), a.id, reason=form.reason.data or "", on=form.terminated_on.data,
                                          actor=current_actor(), now=clock.now()),
               _("The agreement was terminated."))
    return redirect(url_for(".detail", agreement_id=a.id))


@bp.post("/agreements/<int:agreement_id>/documents")
@requires(perm.can_draft_agreements)
def generate_documents(agreement_id: int):
    a = visible_agreement(agreement_id, access.can_edit)
    session = get_session()
    run_action(lambda: documents.generate_for_agreement(session, a, decision=queries.current_approval(session, a),
                                                        actor=current_actor(), now=clock.now()),
               _("The documents were generated."))
    return redirect(url_for(".detail", agreement_id=a.id) + "#documents")


@bp.get("/agreements/<int:agreement_id>/signatures/<int:signature_id>.pdf")
@requires(perm.can_view_agreements)
def signed_pdf(agreement_id: int, signature_id: int):
    a = visible_agreement(agreement_id)
    sig = get_session().get(AgreementSignature, signature_id)
    if sig is None or sig.agreement_id != a.id or sig.pdf is None:
        abort(404)
    return attachment(sig.pdf, sig.pdf_filename, "application/pdf")
