"""Small helpers shared by the HTML views."""
from __future__ import annotations

from flask_wtf import FlaskForm

from .audit import Actor
from .auth.access import current_principal
from .errors import ValidationFailed


def current_actor() -> Actor:
    p = current_principal()
    return Actor(p.user_id, p.unit_id) if p else Actor(None, None)


def apply_errors(form: FlaskForm, exc: ValidationFailed) -> None:
    """Show a service's field errors on the form fields they name (others at the top of the form)."""
    for err in exc.errors:
        field = form._fields.get(err.get("path", ""))
        if field is not None:
            field.errors = list(field.errors) + [err["message"]]
        else:
            form.form_errors.append(err["message"])
