"""The jobs page's filters, from the query string (a GET form: no CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from ..choices import options
from ..formbase import Form
from .labels import job_title
from .registry import JOBS

#: ``result`` values: "" (the default) hides the runs that changed nothing — the mailer alone runs 1 440 times a
#: day, nearly always without anything to send.
RESULTS = {
    "": _l("With an effect or an error"),
    "all": _l("All runs"),
    "idle": _l("Without changes"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "running": _l("Still running"),
}


class RunFilterForm(Form):
    """Which runs to list. An unknown job or result is a message on its field, and that filter is not applied
    (:meth:`filters`)."""

    job = SelectField(_l("Job"), default="", choices=lambda: options([("", _l("All jobs"))] + [(n, job_title(n)) for n in JOBS]))
    result = SelectField(_l("Result"), default="", choices=lambda: options(RESULTS.items()))

    def filters(self) -> dict[str, str]:
        self.validate()
        return {name: "" if self[name].errors else (self[name].data or "") for name in ("job", "result")}
