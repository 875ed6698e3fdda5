from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..formbase import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..choices import options
from ..fields import coerce_required_id
from ..i18n import LANGUAGES
from .models import Role


def role_choices():
    return Role.choices()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=500)])
    next = HiddenField()


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=200)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(min=10, max=500)],
        description=_l("At least 10 characters. Give it to the user in a safe way."),
    )


class SsoUserForm(UserForm):
    """With single sign-on configured a user may have no password: they log in at their provider only."""

    password = PasswordField(
        _l("Initial password (optional)"),
        validators=[Optional(), Length(min=10, max=500)],
        description=_l("Leave it empty for a user who logs in with single sign-on only. Otherwise at least 10 "
                       "characters; give it to the user in a safe way."),
    )


class MembershipForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), coerce=lambda v: int(v) if v not in (None, "", "None") else None)
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])


class UnitSwitchForm(FlaskForm):
    unit_id = SelectField(_l("Acting for"), coerce=coerce_required_id)


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=lambda: options(LANGUAGES))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=500)])
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("At least 10 characters. A few uncommon words are easier to remember than symbols, and harder to guess."),
    )
    repeat = PasswordField(_l("Repeat the new password"), validators=[DataRequired(), Length(max=500)])


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("At least 10 characters. A few uncommon words are easier to remember than symbols, and harder to guess."),
    )
    repeat = PasswordField(_l("Repeat the new password"), validators=[DataRequired(), Length(max=500)])


class ConfirmForm(FlaskForm):
    """A one-button action: only the CSRF token."""


class AccessRequestForm(FlaskForm):
    """An unknown person, signed in at their provider, asks the administrators for access."""

    message = TextAreaField(
        _l("Message to the administrators (optional)"), validators=[Optional(), Length(max=1000)],
        description=_l("For example your workplace and what you need the course portal for."),
    )
