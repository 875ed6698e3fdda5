"""Agreement pages: list and search, the agreement page with review, comments, signing, options, termination,
versions and documents. The drafting wizard is :mod:`.wizard_views`, on the same blueprint."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import clock
from ..boundary import ID_MAX
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..choices import options
from ..db import get_session
from ..documents import services as documents
from ..documents.downloads import attachment
from ..errors import DomainError
from ..lawchange.services import assessment_now
from ..pagination import requested
from ..web import current_actor, current_unit, run_action, visible_agreement
from . import access, lifecycle, queries, services
from .forms import CommentForm, FilterForm, ResolveForm, ReviewForm, SignatureForm, TerminateForm
from .models import Agreement, AgreementKind, AgreementSignature, ReviewComment, SignatureMethod
from .parsing import completeness_errors
from .states import EDITABLE, IN_FORCE, OPTIONS_ALLOWED, AgreementStatus

bp = Blueprint("agreements", __name__)
S = AgreementStatus


def _id_arg(value: str | None) -> int | None:
    """An id from the query string or a hidden field: a plain number 1 … ID_MAX, else None (never an overflow
    in the database)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > len(str(ID_MAX)):
        return None
    number = int(value)
    return number if 1 <= number <= ID_MAX else None


def _steps(a: Agreement) -> list[str]:
    return [s for s in queries.STEPS if s != "cooperation" or a.kind == AgreementKind.cooperation]


# --- list ---------------------------------------------------------------------------------------------------


@bp.get("/agreements")
@requires(perm.can_view_agreements)
def index():
    form = FilterForm(request.args)
    filters = form.filters()
    page, per_page = requested(request.args)
    p, today = current_principal(), clock.today()
    found, parties = queries.search(get_session(), p, current_unit(), **filters, today=today, page=page, per_page=per_page)
    args = {k: v for k, v in filters.items() if v}
    if "per_page" in request.args:
        args["per_page"] = found.per_page
    return render_template("agreements/index.html", agreements=found.items, parties=parties, found=found, args=args, form=form, today=today,
                           can_draft=perm.can_draft_agreements(p))


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



from . import wizard_views  # noqa: E402,F401  (the wizard's routes, on this blueprint)
