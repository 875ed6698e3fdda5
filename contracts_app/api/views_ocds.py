"""OCDS 1.1.5 publication (``contracts_app/ocds``, docs/ocds.md): release packages paged by contracting
process, and the record of one process.

Who sees what: publication data is public-sector open data, so every caller with the ``read`` scope sees
every published process; what is not published (drafts, agreements in review or approved but unsigned,
internal orders, purchases never confirmed) is not there for anyone, the administrator included.
"""
from __future__ import annotations

import datetime as dt

from flask import Response, abort, current_app, url_for
from flask_babel import gettext as _

from .. import clock
from ..auth import permissions as perm
from ..auth.access import requires
from ..db import get_session
from ..ocds import package, source
from ..ocds.schemas import OcdsRecordPackage, OcdsReleasePackage, OcdsReleaseQuery
from . import pagination
from .openapi import operation
from .pagination import Key
from .views import ApiProblem, bp, detail, parse_query

#: The cursor's keys: which list (a = agreements, p = purchases) and the last id.
CURSOR_KEYS = [Key(None, str, lambda item: item[0]), Key(None, int, lambda item: item[1])]


def _listing(since: dt.date | None) -> str:
    return f"ocds-releases:{since.isoformat() if since else ''}"


def _page(session, q: OcdsReleaseQuery) -> tuple[list[tuple[str, int]], str | None]:
    """Up to ``limit`` published processes after the cursor: agreements by id, then purchases by id."""
    phase, after = "a", 0
    if q.cursor:
        try:
            phase, after = pagination.decode(_listing(q.since), q.cursor, CURSOR_KEYS)
        except pagination.BadCursor:
            phase = None
        if phase not in ("a", "p"):
            raise ApiProblem(422, _("Some of the query parameters could not be accepted."), errors=[
                {"parameter": "cursor", "detail": _("The cursor is not valid for this list. Start again without it.")}])
    items: list[tuple[str, int]] = []
    if phase == "a":
        items = [("a", i) for i in source.agreement_ids(session, since=q.since, after=after, limit=q.limit + 1)]
        after = 0
    if len(items) <= q.limit:
        items += [("p", i) for i in source.purchase_ids(session, since=q.since, after=after, limit=q.limit + 1 - len(items))]
    more = len(items) > q.limit
    items = items[:q.limit]
    cursor = pagination.encode(_listing(q.since), list(items[-1])) if more and items else None
    return items, cursor


@bp.get("/ocds/releases")
@requires(perm.authenticated)
@operation(scope="read", summary="OCDS releases", tag="Open contracting (OCDS)", query=OcdsReleaseQuery, response=OcdsReleasePackage,
           description="An OCDS 1.1.5 release package of published agreements (past signing) and confirmed seat purchases: "
                       "`limit` contracting processes per page (agreements by id, then purchases by id) with all their "
                       "releases dated on or after `since`. No personal data. Amounts are JSON numbers in NOK. The bulk "
                       "export is `flask ocds export` (docs/ocds.md).")
def ocds_releases():
    q = parse_query(OcdsReleaseQuery)
    session = get_session()
    prefix = current_app.config["OCID_PREFIX"]
    items, cursor = _page(session, q)
    agreements = source.load_agreements(session, [i for kind, i in items if kind == "a"])
    purchases = source.load_purchases(session, [i for kind, i in items if kind == "p"])
    releases = list(package.agreement_releases(agreements, prefix, q.since)) + list(package.purchase_releases(purchases, prefix, q.since))
    args = {"since": q.since.isoformat()} if q.since else {}
    extra = {}
    if cursor:
        extra = {"links": {"next": url_for(".ocds_releases", cursor=cursor, limit=q.limit, _external=True, **args)}, "next_cursor": cursor}
    body = package.release_package(releases, uri=url_for(".ocds_releases", _external=True, **args), now=clock.now(), **extra)
    return Response(package.dumps(body), mimetype="application/json")


@bp.get("/ocds/records/<ocid>")
@requires(perm.authenticated)
@operation(scope="read", summary="An OCDS record", tag="Open contracting (OCDS)", response=OcdsRecordPackage, etag=True,
           description="The record package of one contracting process (`<prefix>a-<id>` for an agreement, `<prefix>p-<id>` "
                       "for a seat purchase): every release and the compiled release. 404 when the process is unknown or "
                       "not published.")
def ocds_record(ocid: str):
    session = get_session()
    found = package.find_record(session, ocid, current_app.config["OCID_PREFIX"])
    if found is None:
        abort(404)
    body = package.record_package(found, uri=url_for(".ocds_record", ocid=ocid, _external=True))
    return detail(OcdsRecordPackage.model_validate(body))
