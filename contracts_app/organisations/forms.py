"""Input shape for the organisation admin pages. Business checks (mod-11, uniqueness) live in services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..formbase import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..choices import options
from ..fields import coerce_required_id
from .models import LegalType, UnitKind
from .place_fields import MunicipalityField


def legal_type_choices():
    return options([("", _l("Choose…"))]) + LegalType.choices()


def unit_kind_choices():
    return options([("", _l("Choose…"))]) + UnitKind.choices()


def valid_org_number(form, field) -> None:
    """Mod-11 check already in the form, so the user sees every error at once (the service checks again)."""
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.no import orgnr
    from wtforms.validators import ValidationError

    from .services import org_number_message

    try:
        orgnr.validate(field.data or "")
    except StdnumError as exc:
        raise ValidationError(org_number_message(exc)) from exc


class LegalEntityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    org_number = StringField(
        _l("Organisation number"),
        validators=[DataRequired(), Length(max=20), valid_org_number],
        description=_l("9 digits, as in the Central Coordinating Register (Enhetsregisteret)."),
    )
    legal_type = SelectField(_l("Legal type"), choices=legal_type_choices, validators=[DataRequired()])
    is_contracting_authority = BooleanField(_l("Contracting authority (bound by the procurement rules)"))
    is_central_government = BooleanField(_l("Central government"))
    municipality_number = StringField(
        _l("Municipality number"), validators=[Optional(), Length(max=4)], description=_l("4 digits, if any.")
    )


class UnitForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of unit"), choices=unit_kind_choices, validators=[DataRequired()])
    legal_entity_id = SelectField(
        _l("Legal entity"),
        coerce=coerce_required_id,
        validators=[DataRequired()],
        description=_l("For a Nav office: the State (Arbeids- og velferdsetaten)."),
    )
    municipal_entity_id = SelectField(
        _l("Municipal part (Nav office only)"),
        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
        validators=[Optional()],
        description=_l("The municipality that is the office's municipal part."),
    )
    municipality_number = MunicipalityField(description=_l("Where the unit is: name or number, for example Oslo or 0301."))
    email = EmailField(_l("E-mail address"), validators=[Optional(), Length(max=200)])
    is_active = BooleanField(_l("Active"), default=True)
