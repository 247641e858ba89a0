"""Guest forms."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp


class VoucherForm(FlaskForm):
    code = StringField(
        "Card number",
        validators=[DataRequired(), Length(max=40), Regexp(r"^[0-9A-Za-z \-]+$")],
    )
    pin = StringField(
        "PIN", validators=[DataRequired(), Length(max=20), Regexp(r"^[0-9A-Za-z]+$")]
    )


class PhoneForm(FlaskForm):
    phone = StringField(
        "Phone number", validators=[DataRequired(), Length(max=32)]
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Code", validators=[DataRequired(), Length(max=12), Regexp(r"^[0-9 ]+$")]
    )


class DocumentForm(FlaskForm):
    kind = StringField("Document", validators=[DataRequired(), Regexp(r"^(hotel|ticket)$")])
    reference = StringField("Number", validators=[DataRequired(), Length(max=40)])
    surname = StringField("Surname", validators=[DataRequired(), Length(max=100)])
