"""Small helpers shared by the HTML views."""
from __future__ import annotations

import re
from typing import Callable, TypeVar

from flask_wtf import FlaskForm

from .audit import Actor
from .auth.access import current_principal
from .errors import ValidationFailed

T = TypeVar("T")


def current_actor() -> Actor:
    p = current_principal()
    return Actor(p.user_id, p.unit_id) if p else Actor(None, None)


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
    themselves (``form.errors`` is cached after validation and misses errors added by services)."""
    from wtforms.fields import FieldList, FormField

    out: list[tuple[str, str, str]] = []

    def walk(fields) -> None:
        for field in fields:
            if field.type == "CSRFTokenField":
                continue
            if isinstance(field, FieldList):
                for message in field.errors if isinstance(field.errors, list) else []:
                    if isinstance(message, str):
                        out.append((field.id, str(field.label.text), message))
                walk(field.entries)
            elif isinstance(field, FormField):
                walk(field.form)
            else:
                for message in field.errors:
                    out.append((field.id, str(field.label.text), message))

    walk(form)
    return out


def save_form(form: FlaskForm, action: Callable[[], T]) -> T | None:
    """Run the service behind a validated form: commit and return its result, or roll back and put the
    service's field errors on the form (returns None; the view re-renders the form with the user's input)."""
    from .db import get_session

    session = get_session()
    try:
        result = action()
    except ValidationFailed as exc:
        session.rollback()
        apply_errors(form, exc)
        return None
    session.commit()
    return result


def run_action(action: Callable[[], object], success: str) -> bool:
    """Run a one-button action (cancel, lift, decide …): commit and flash ``success``, or roll back and flash
    the refusal. Returns whether it succeeded."""
    from flask import flash

    from .db import get_session
    from .errors import DomainError

    session = get_session()
    try:
        action()
    except DomainError as exc:
        session.rollback()
        if exc.status == 403:
            raise
        flash(" ".join(e["message"] for e in exc.errors) or exc.message, "error")
        return False
    session.commit()
    flash(success, "success")
    return True
