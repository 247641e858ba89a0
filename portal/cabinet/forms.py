"""Forms of the cabinet and the admin (every one carries a CSRF token)."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class LoginForm(FlaskForm):
    email = StringField(
        lazy_gettext("E-mail"), validators=[DataRequired(), Length(max=254)]
    )
    password = PasswordField(
        lazy_gettext("Password"), validators=[DataRequired(), Length(max=200)]
    )


class CodeForm(FlaskForm):
    code = StringField(
        lazy_gettext("Code from the authenticator app"),
        validators=[DataRequired(), Length(max=10)],
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class RouterForm(FlaskForm):
    """A router the owner adds; its secret is generated, never typed or shown."""

    nas_identifier = StringField(
        lazy_gettext("Router name (NAS identifier)"),
        validators=[DataRequired(), Length(max=64)],
    )
    ip_address = StringField(
        lazy_gettext("The router's public address"),
        validators=[DataRequired(), Length(max=64)],
    )
    title = StringField(lazy_gettext("Title"), validators=[Length(max=200)])


class BlacklistForm(FlaskForm):
    phone = StringField(
        lazy_gettext("Phone number"), validators=[DataRequired(), Length(max=32)]
    )
    reason = StringField(
        lazy_gettext("Reason"), validators=[Optional(), Length(max=200)]
    )


class ImportForm(FlaskForm):
    file = FileField(
        lazy_gettext("CSV file (phone, reason)"), validators=[FileRequired()]
    )


class TariffForm(FlaskForm):
    name = StringField(
        lazy_gettext("Name"), validators=[DataRequired(), Length(max=64)]
    )
    time = StringField(
        lazy_gettext("Time (e.g. 90m)"), validators=[Optional(), Length(max=20)]
    )
    data = StringField(
        lazy_gettext("Data (e.g. 500MB)"), validators=[Optional(), Length(max=20)]
    )
    rate = StringField(
        lazy_gettext("Speed (e.g. 2M/4M)"), validators=[Optional(), Length(max=40)]
    )
    validity = StringField(
        lazy_gettext("Valid for (e.g. 30d)"), validators=[Optional(), Length(max=20)]
    )
    price = StringField(lazy_gettext("Price"), validators=[Optional(), Length(max=20)])


class CardsForm(FlaskForm):
    tariff = SelectField(lazy_gettext("Tariff"), validators=[DataRequired()])
    count = IntegerField(
        lazy_gettext("Number of cards"),
        default=10,
        validators=[DataRequired(), NumberRange(min=1, max=1000)],
    )
    note = StringField(lazy_gettext("Note"), validators=[Optional(), Length(max=200)])


class SettingsForm(FlaskForm):
    """Fields are added per venue setting (hotspot.venues.SETTINGS) by the view."""


class OwnerForm(FlaskForm):
    name = StringField(
        lazy_gettext("Name"), validators=[DataRequired(), Length(max=64)]
    )
    display_name = StringField(
        lazy_gettext("Display name"), validators=[Optional(), Length(max=200)]
    )


class StaffForm(FlaskForm):
    email = StringField(
        lazy_gettext("E-mail"), validators=[DataRequired(), Length(max=254)]
    )
    role = SelectField(
        lazy_gettext("Role"),
        choices=[
            SelectChoice("manager", lazy_gettext("Manager")),
            SelectChoice("cashier", lazy_gettext("Cashier")),
        ],
    )


class AdScheduleForm(FlaskForm):
    """When a banner runs (days in the venue's time zone, both included) and on
    which routers (none chosen: all); the routers' choices are set by the view."""

    starts = DateField(lazy_gettext("From"), validators=[Optional()])
    ends = DateField(lazy_gettext("Until"), validators=[Optional()])
    routers = SelectMultipleField(
        lazy_gettext("Routers (none chosen: all)"), choices=[], validate_choice=True
    )


class AdForm(AdScheduleForm):
    """A banner's upload (the image is checked by content in the core)."""

    name = StringField(
        lazy_gettext("Name"), validators=[DataRequired(), Length(max=64)]
    )
    link = StringField(
        lazy_gettext("Link (https://...)"), validators=[DataRequired(), Length(max=500)]
    )
    weight = IntegerField(
        lazy_gettext("Weight"), default=1, validators=[NumberRange(1, 1000)]
    )
    image = FileField(
        lazy_gettext("Image (PNG, JPEG, WebP or GIF, at most 2 MB)"),
        validators=[FileRequired()],
    )


class AdWeightForm(FlaskForm):
    weight = IntegerField(lazy_gettext("Weight"), validators=[NumberRange(1, 1000)])


class AdDelayForm(FlaskForm):
    ad_delay = IntegerField(
        lazy_gettext("Seconds before the Free button"),
        validators=[NumberRange(0, 120)],
    )


class FlowSearchForm(FlaskForm):
    """The operator's flow report: whom or what, when, and why (audited)."""

    kind = SelectField(
        lazy_gettext("Search by"),
        choices=[
            SelectChoice("phone", lazy_gettext("Phone")),
            SelectChoice("document", lazy_gettext("Document")),
            SelectChoice("card", lazy_gettext("Card")),
            SelectChoice("dst", lazy_gettext("Destination address or name")),
        ],
    )
    value = StringField(
        lazy_gettext("Value"), validators=[DataRequired(), Length(max=255)]
    )
    start = StringField(
        lazy_gettext("From (UTC)"), validators=[DataRequired(), Length(max=40)]
    )
    end = StringField(
        lazy_gettext("To (UTC)"), validators=[DataRequired(), Length(max=40)]
    )
    reason = StringField(
        lazy_gettext("Reason (the request)"),
        validators=[DataRequired(), Length(max=200)],
    )
    output = SelectField(
        lazy_gettext("Output"),
        choices=[
            SelectChoice("page", lazy_gettext("Page")),
            SelectChoice("csv", "CSV"),
            SelectChoice("evidence", lazy_gettext("Evidence file")),
        ],
    )
