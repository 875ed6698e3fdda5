"""The audit log's filters (from the query string: a GET form, no CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

from ..formbase import Form

TEXT_FILTERS = ("object_type", "object_id", "actor", "action")


class AuditFilterForm(Form):
    """A value the log cannot hold (an unknown object type, a text longer than the column, control characters,
    a date that is no date, a "to" date before the "from" date) is a message on its field, and that filter is
    not applied (:meth:`filters`). The view sets ``object_type.choices`` (the types in the log)."""

    object_type = SelectField(_l("Object type"), default="")
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor (e-mail contains)"), validators=[Optional(), Length(max=200)])  # part of the address
    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=80)])  # e.g. "agreement."
    from_date = DateField(_l("From date"), validators=[Optional()])
    to_date = DateField(_l("To date (inclusive)"), validators=[Optional()])

    def validate_to_date(self, field) -> None:
        if field.data and self.from_date.data and not self.from_date.errors and field.data < self.from_date.data:
            raise ValidationError(_l("The to date is before the from date."))

    def filters(self) -> dict:
        """The valid filters (texts trimmed, dates or None); an invalid field counts as not given."""
        self.validate()
        out: dict = {name: "" if self[name].errors else (self[name].data or "").strip() for name in TEXT_FILTERS}
        for name in ("from_date", "to_date"):
            out[name] = None if self[name].errors else self[name].data
        return out
