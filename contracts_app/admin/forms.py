"""The audit log's filters (from the query string)."""
from __future__ import annotations

from wtforms import StringField

from ..formbase import Form


class AuditFilterForm(Form):
    object_type = StringField()
    object_id = StringField()
    actor = StringField()  # part of the actor's e-mail address
    action = StringField()  # the start of the action, e.g. "agreement."

    def filters(self) -> dict[str, str]:
        """Each filter trimmed and cut to its length (a longer value narrows nothing more)."""
        return {name: (self[name].data or "").strip()[:limit]
                for name, limit in (("object_type", 60), ("object_id", 64), ("actor", 200), ("action", 80))}
