"""Forms of the cabinet and the admin (every one carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200)]
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from the authenticator app"),
        validators=[DataRequired(), Length(max=10)],
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class BlacklistForm(FlaskForm):
    phone = StringField(_l("Phone number"), validators=[DataRequired(), Length(max=32)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file (phone, reason)"), validators=[FileRequired()])


class TariffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    time = StringField(_l("Time (e.g. 90m)"), validators=[Optional(), Length(max=20)])
    data = StringField(_l("Data (e.g. 500MB)"), validators=[Optional(), Length(max=20)])
    rate = StringField(
        _l("Speed (e.g. 2M/4M)"), validators=[Optional(), Length(max=40)]
    )
    validity = StringField(
        _l("Valid for (e.g. 30d)"), validators=[Optional(), Length(max=20)]
    )
    price = StringField(_l("Price"), validators=[Optional(), Length(max=20)])


class CardsForm(FlaskForm):
    tariff = SelectField(_l("Tariff"), validators=[DataRequired()])
    count = IntegerField(
        _l("Number of cards"),
        default=10,
        validators=[DataRequired(), NumberRange(min=1, max=1000)],
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class SettingsForm(FlaskForm):
    """Fields are added per venue setting (hotspot.venues.SETTINGS) by the view."""


class OwnerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(
        _l("Display name"), validators=[Optional(), Length(max=200)]
    )


class StaffForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("manager", _l("Manager")),
            SelectChoice("cashier", _l("Cashier")),
        ],
    )
