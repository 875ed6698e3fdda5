"""Marking a moved verdict handled (a note is required), and the impact list's filters."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..choices import options
from ..fields import coerce_id
from ..formbase import Form, FlaskForm
from ..rulecheck.labels import VERDICTS
from .labels import KINDS
from .queries import Filters


class HandledForm(FlaskForm):
    note = TextAreaField(
        _l("What was done or decided"), validators=[DataRequired(), Length(min=3, max=2000)],
        description=_l("E.g. «Procurement no longer needed; the buyer is told» or «The agreement is reviewed again»."),
    )


NO_SUCH_CHANGE = _l("Choose a change of the law from the list.")


class FilterForm(Form):
    """The impact list's filters, from the query string (a GET form: no CSRF token). A value that is not one of
    the choices (an unknown change, kind or verdict, a number too large) is a message on its field, and that filter
    is not applied (:meth:`filters`). The view sets ``change.choices`` (the re-assessed changes)."""

    change = SelectField(_l("Change of the law"), coerce=coerce_id, default=None,
                         invalid_value_message=NO_SUCH_CHANGE, invalid_choice_message=NO_SUCH_CHANGE)
    kind = SelectField(_l("Kind"), choices=lambda: options([("", _l("All"))] + list(KINDS.items())), default="")
    verdict = SelectField(_l("Verdict after the change"),
                          choices=lambda: options([("", _l("All"))] + list(VERDICTS.items())), default="")
    handled = SelectField(_l("Handled"), default="", choices=lambda: options(
        [("", _l("All")), ("no", _l("Not handled")), ("yes", _l("Handled"))]))

    def filters(self) -> Filters:
        """The valid filters; an invalid field counts as not given."""
        self.validate()
        ok = lambda f: None if f.errors else f.data  # noqa: E731
        return Filters(change=ok(self.change), kind=ok(self.kind) or "", verdict=ok(self.verdict) or "",
                       handled=ok(self.handled) or "")
