"""The audit log's filters (from the query string: a GET form, no CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from ..formbase import Form


class AuditFilterForm(Form):
    """A value the log cannot hold (an unknown object type, a text longer than the column, control characters)
    is a message on its field, and that filter is not applied (:meth:`filters`). The view sets
    ``object_type.choices`` (the types in the log)."""

    object_type = SelectField(_l("Object type"), default="")
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor (e-mail contains)"), validators=[Optional(), Length(max=200)])  # part of the address
    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=80)])  # e.g. "agreement."

    def filters(self) -> dict[str, str]:
        """The valid filters, trimmed; an invalid field counts as not given."""
        self.validate()
        return {name: "" if self[name].errors else (self[name].data or "").strip()
                for name in ("object_type", "object_id", "actor", "action")}
