"""Small helpers shared by the HTML views: who is acting, loading a record the user may see (404/403), and
putting a service's errors on a form."""
from __future__ import annotations

import re
from typing import Callable, TypeVar
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request
from flask_babel import gettext
from .formbase import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms.fields import FieldList, FormField

from .agreements import access as agreement_access
from .agreements.models import Agreement
from .audit import Actor
from .auth.access import current_principal
from .budget.models import Budget
from .db import begin_write, get_session
from .errors import DomainError, ValidationFailed
from .organisations.models import Unit
from .purchases.models import SeatPurchase

T = TypeVar("T")


def safe_redirect_target(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/…``), else None: the one check for every redirect target
    taken from the request (``next=``, ``back``, a stored link). No scheme or host, no ``//`` or ``/\\``
    (browsers read both as another host), no control characters (a header cannot hold them), at most
    2000 characters."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if re.search(r"[\x00-\x1f\x7f-\x9f\\]", target) or not target.startswith("/") or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return target


def referrer_target() -> str | None:
    """The page the request came from, as a path on this site, or None: the Referer header of another host,
    or one :func:`safe_redirect_target` refuses, is never a redirect target."""
    referrer = request.referrer
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer)
    except ValueError:
        return None
    if parts.netloc and parts.netloc != request.host:
        return None
    return safe_redirect_target(parts.path + (f"?{parts.query}" if parts.query else ""))


def current_actor() -> Actor:
    p = current_principal()
    return Actor(p.user_id, p.unit_id) if p else Actor(None, None)


def current_unit() -> Unit | None:
    """The user's active unit (None for an admin without one)."""
    p = current_principal()
    return get_session().get(Unit, p.unit_id) if p.unit_id else None


def visible_agreement(agreement_id: int, check=agreement_access.can_view) -> Agreement:
    """Load the agreement (404 also when the user may not see it), then the finer check (403)."""
    a = get_session().get(Agreement, agreement_id) or abort(404)
    p, unit = current_principal(), current_unit()
    if not agreement_access.can_view(p, unit, a):
        abort(404)
    if not check(p, unit, a):
        abort(403)
    return a


# What the purchase page shows of the purchase comes with it in one statement (course, provider unit, budget
# line; not the line's stops, which the page does not show): the page a browser loads after every purchase.
_WITH_PAGE = [joinedload(SeatPurchase.course), joinedload(SeatPurchase.budget).lazyload(Budget.stops)]


def visible_purchase(purchase_id: int) -> SeatPurchase:
    """The purchase, for its buyer or its provider unit; 404 for anyone else."""
    purchase = get_session().get(SeatPurchase, purchase_id, options=_WITH_PAGE) or abort(404)
    unit_id = current_principal().unit_id
    if unit_id not in (purchase.buyer_unit_id, purchase.course.provider_unit_id):
        abort(404)
    return purchase


def buyer_purchase_or_403(purchase_id: int) -> SeatPurchase:
    """The purchase, for its buyer only: 403 for the provider unit, 404 for anyone else."""
    purchase = visible_purchase(purchase_id)
    if current_principal().unit_id != purchase.buyer_unit_id:
        abort(403)
    return purchase


_LIST_PATH = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


def apply_errors(form: FlaskForm, exc: ValidationFailed) -> None:
    """Show a service's field errors on the fields they name: ``name``, or ``name[i].sub`` for a row of a
    list of sub-forms (on the row's field when it has one, else on the list). Others go to the top."""
    for err in exc.errors:
        path, message = err.get("path", ""), err["message"]
        field = form._fields.get(path)
        match = _LIST_PATH.match(path) if field is None else None
        if match and match.group(1) in form._fields:
            rows = form._fields[match.group(1)]
            index, sub = int(match.group(2)), match.group(3)
            entries = getattr(rows, "entries", [])
            target = entries[index].form._fields.get(sub) if sub and index < len(entries) and hasattr(entries[index], "form") else None
            if target is not None:
                target.errors = list(target.errors) + [message]
                # FieldList keeps a snapshot of its rows' errors from validation: refresh it, so the form
                # as a whole reports the error too (status 422, error summary).
                per_row = [entry.errors for entry in entries]
                kept = [e for e in (rows.errors or []) if isinstance(e, str)]
                rows.errors = (per_row if any(per_row) else []) + kept
            else:
                rows.errors = list(rows.errors or []) + [message]
        elif field is not None:
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


def error_list(form: FlaskForm) -> list[tuple[str, str, str]]:
    """Every error on the form as (field id, label, message), nested fields included, read from the fields
    themselves (``form.errors`` is cached after validation and misses errors added by services).
    A field inside a repeated sub-form is named with its row: "Parter, nr. 2: Navn"."""
    out: list[tuple[str, str, str]] = []

    def walk(fields, prefix: str = "") -> None:
        for field in fields:
            if field.type == "CSRFTokenField":
                continue
            if isinstance(field, FieldList):
                for message in field.errors if isinstance(field.errors, list) else []:
                    if isinstance(message, str):
                        out.append((field.id, prefix + str(field.label.text), message))
                # a list given no label of its own has WTForms' English default (its name): then only the row's number
                named = not isinstance(field.label.text, str)
                for i, entry in enumerate(field.entries):
                    if isinstance(entry, FormField):
                        row = (gettext("%(list)s, no. %(n)d", list=str(field.label.text), n=i + 1) if named
                               else gettext("No. %(n)d", n=i + 1))
                        walk(entry.form, prefix + row + ": ")
                    else:
                        walk([entry], prefix)
            elif isinstance(field, FormField):
                walk(field.form, prefix)
            else:
                for message in field.errors:
                    out.append((field.id, prefix + str(field.label.text), message))

    walk(form)
    return out


def save_form(form: FlaskForm, action: Callable[[], T]) -> T | None:
    """Run the service behind a validated form: commit and return its result, or roll back and put the
    service's field errors on the form (returns None; the view re-renders the form with the user's input).
    The service runs in a write transaction, as :func:`run_action`'s."""
    session = get_session()
    try:
        begin_write(session)
        result = action()
    except ValidationFailed as exc:
        session.rollback()
        apply_errors(form, exc)
        return None
    session.commit()
    return result


def submit(form: FlaskForm, action: Callable[[], object], success: str, *, done: str, again: Callable[[], str]):
    """A form posted from a page to an action of its own: run the service (:func:`save_form`); done, flash
    ``success`` and go to ``done``; refused by the form or by the service's field errors, show the page again
    (``again()``, which renders it with this form) with the input kept and a message on each refused field (422).
    Refused otherwise (the purchase was cancelled meanwhile, the budget has too little left), flash the refusal
    and go to ``done``, as :func:`run_action` does; a 403 is the app's."""
    if form.validate_on_submit():
        try:
            saved = save_form(form, action)
        except DomainError as exc:
            if not _refused(exc):
                raise
            return redirect(done)
        if saved is not None:
            flash(success, "success")
            return redirect(done)
    return again(), 422


def _refused(exc: DomainError) -> bool:
    """Roll back and flash a refusal the page can show; False for a 403, which is not for the page to show."""
    if exc.status == 403:
        return False
    get_session().rollback()
    flash(" ".join(e["message"] for e in exc.errors) or exc.message, "error")
    return True


def run_action(action: Callable[[], object], success: str) -> bool:
    """Run a one-button action (cancel, lift, decide …): commit and flash ``success``, or roll back and flash
    the refusal. Returns whether it succeeded. The action runs in a write transaction (:func:`.db.begin_write`): on
    SQLite a transaction that has read the page's objects cannot start writing once another connection (a scheduled
    job) has committed since, and would fail with "database is locked"."""
    session = get_session()
    try:
        begin_write(session)
        action()
    except DomainError as exc:
        if not _refused(exc):
            raise
        return False
    session.commit()
    flash(success, "success")
    return True
