"""Guest forms."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp


class VoucherForm(FlaskForm):
    code = StringField(
        lazy_gettext("Card number"),
        validators=[DataRequired(), Length(max=40), Regexp(r"^[0-9A-Za-z \-]+$")],
    )
    pin = StringField(
        lazy_gettext("PIN"),
        validators=[DataRequired(), Length(max=20), Regexp(r"^[0-9A-Za-z]+$")],
    )


class PhoneForm(FlaskForm):
    phone = StringField(
        lazy_gettext("Phone number"), validators=[DataRequired(), Length(max=32)]
    )


class CodeForm(FlaskForm):
    code = StringField(
        lazy_gettext("Code"),
        validators=[DataRequired(), Length(max=12), Regexp(r"^[0-9 ]+$")],
    )


class DocumentForm(FlaskForm):
    kind = StringField(
        lazy_gettext("Document"),
        validators=[DataRequired(), Regexp(r"^(hotel|ticket)$")],
    )
    reference = StringField(
        # TRANSLATORS: the number of a hotel room or of a travel ticket.
        lazy_gettext("Number"),
        validators=[DataRequired(), Length(max=40)],
    )
    surname = StringField(
        lazy_gettext("Surname"), validators=[DataRequired(), Length(max=100)]
    )
