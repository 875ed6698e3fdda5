"""The start page: what waits for the user in their active role, and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .auth import permissions as perm
from .auth.access import current_principal, public, requires
from .db import PLAN_PER_VALUE, get_session
from .organisations.models import Unit

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def root():
    if current_user.is_authenticated:
        return redirect(url_for(".index"))
    return redirect(url_for("auth.login"))


@bp.get("/home")
@requires(perm.authenticated)
def index():
    principal = current_principal()
    unit = get_session().get(Unit, principal.unit_id) if principal.unit_id else None
    return render_template("home.html", principal=principal, unit=unit,
                           waiting_for_me=_waiting_for(principal) + _agreements_waiting(principal, unit))


def _waiting_for(principal) -> list[dict]:
    """What awaits the user at their unit: requests to answer, requests about to expire, seats to take."""
    import datetime as dt

    from sqlalchemy import func, select

    from . import clock
    from .capacity.models import CapacityOffer, CapacityRequest, RequestStatus
    from .formats import end_of_day

    if principal.unit_id is None:
        return []
    session = get_session()
    out = []

    def count(*conds) -> int:
        return session.scalar(select(func.count()).select_from(CapacityRequest).join(
            CapacityOffer, CapacityOffer.id == CapacityRequest.offer_id).where(*conds)) or 0

    if perm.can_publish_capacity(principal):
        n = count(CapacityOffer.provider_unit_id == principal.unit_id, CapacityRequest.status == RequestStatus.held)
        if n:
            out.append({"text": ngettext("%(num)d request awaits your answer", "%(num)d requests await your answer", n),
                        "url": url_for("capacity.requests_index"), "key": "to_answer"})
    if perm.can_buy_seats(principal):
        tomorrow = end_of_day(clock.today() + dt.timedelta(days=1))
        n = count(CapacityRequest.requester_unit_id == principal.unit_id, CapacityRequest.status == RequestStatus.held,
                  CapacityRequest.hold_expires_at <= tomorrow)
        if n:
            out.append({"text": ngettext("%(num)d of your requests expires by tomorrow", "%(num)d of your requests expire by tomorrow", n),
                        "url": url_for("capacity.requests_index"), "key": "expiring"})
        n = count(CapacityRequest.requester_unit_id == principal.unit_id, CapacityRequest.status == RequestStatus.offered)
        if n:
            out.append({"text": ngettext("%(num)d waiting-list offer of seats to take", "%(num)d waiting-list offers of seats to take", n),
                        "url": url_for("capacity.requests_index"), "key": "to_take"})
    if perm.can_review_legal(principal):
        from .lawchange.queries import unhandled_count

        n = unhandled_count(session, principal, session.get(Unit, principal.unit_id))
        if n:
            out.append({"text": ngettext("%(num)d verdict moved by a change of the law awaits you",
                                         "%(num)d verdicts moved by a change of the law await you", n),
                        "url": url_for("lawchange.index", handled="no"), "key": "law_changes"})
    return out


def _agreements_waiting(principal, unit: Unit | None) -> list[dict]:
    """What awaits the user in agreements, counted in the database in one statement: for a legal reviewer the
    agreements in legal review they may review (those they drafted are for another reviewer); for the drafting
    roles their own agreements with changes requested, and the approved agreements their unit has still to sign."""
    from sqlalchemy import and_, exists, func, literal, or_, select

    from .agreements.models import Agreement, AgreementParty, AgreementSignature, AgreementVersion
    from .agreements.states import AgreementStatus as S
    from .auth.models import Role
    from .organisations.models import UnitKind

    reviews, drafts = principal.has(Role.legal_reviewer), perm.can_draft_agreements(principal)
    if unit is None or principal.user_id is None or not (reviews or drafts):
        return []
    uid = principal.user_id
    # The unit is involved when it is a party's acting unit; a unit that is not a Nav office also answers for its
    # legal person's parties (agreements.access.involved for a legal reviewer), and acts for those of them that
    # name no unit (agreements.access.acts_for).
    own = AgreementParty.unit_id == unit.id
    of_entity = AgreementParty.legal_entity_id == unit.legal_entity_id
    wide = unit.kind != UnitKind.nav_office
    involved = exists().where(AgreementParty.agreement_id == Agreement.id, or_(own, of_entity) if wide else own)
    acts_for = or_(own, and_(AgreementParty.unit_id.is_(None), of_entity)) if wide else own
    drafted = or_(Agreement.created_by_id == uid, exists().where(AgreementVersion.agreement_id == Agreement.id,
                                                                  AgreementVersion.created_by_id == uid))
    unsigned = exists().where(
        AgreementParty.agreement_id == Agreement.id, acts_for,
        ~exists().where(AgreementSignature.party_id == AgreementParty.id))

    def count(*conds):
        return select(func.count()).select_from(Agreement).where(*conds).scalar_subquery()

    none = literal(0)
    to_review, changes, to_sign = get_session().execute(select(
        count(Agreement.status == S.in_review, involved, ~drafted) if reviews else none,
        count(Agreement.status == S.changes_requested, drafted) if drafts else none,
        count(Agreement.status == S.approved, unsigned) if drafts else none,
    ).execution_options(**PLAN_PER_VALUE)).one()
    out = []
    if to_review:
        out.append({"text": ngettext("%(num)d agreement awaits legal review", "%(num)d agreements await legal review", to_review),
                    "url": url_for("agreements.index", status=S.in_review.value), "key": "agreements_to_review"})
    if changes:
        out.append({"text": ngettext("%(num)d agreement you drafted has changes requested",
                                     "%(num)d agreements you drafted have changes requested", changes),
                    "url": url_for("agreements.index", status=S.changes_requested.value), "key": "agreements_changes_requested"})
    if to_sign:
        out.append({"text": ngettext("%(num)d approved agreement awaits your unit's signature",
                                     "%(num)d approved agreements await your unit's signature", to_sign),
                    "url": url_for("agreements.index", status=S.approved.value), "key": "agreements_to_sign"})
    return out


@bp.get("/healthz")
@public
def healthz():
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return jsonify(status="unavailable", database="error", detail=type(exc).__name__), 503
    return jsonify(status="ok", database="ok")
