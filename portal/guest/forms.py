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
