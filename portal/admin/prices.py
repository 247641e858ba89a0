"""The operator's price per SMS for each gateway (hotspot.services.sms_costs):
set from now on, with the history of what was set. A view on the admin
blueprint."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from hotspot.errors import DomainError
from hotspot.models import SmsPrice
from hotspot.services import sms_costs as sc

from ..extensions import db
from ..i18n import error_text
from ..sms import providers
from ..staff import audit, now
from .routes import bp, operator


class PriceForm(FlaskForm):
    provider = SelectField(lazy_gettext("Gateway"), validators=[DataRequired()])
    price = StringField(
        lazy_gettext("Price per SMS"), validators=[DataRequired(), Length(max=20)]
    )


@bp.route("/sms/prices", methods=["GET", "POST"])
@operator
def sms_prices() -> Any:
    gateways = [p.name for p in providers(current_app)]
    form = PriceForm()
    form.provider.choices = [SelectChoice(n, n) for n in gateways]
    if form.validate_on_submit():
        try:
            price = sc.parse_price(form.price.data)
            sc.set_price(
                db.session, form.provider.data, price, now(), gateways, g.account.email
            )
        except DomainError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
        else:
            audit("sms.price", {"gateway": form.provider.data, "price": str(price)})
            flash(gettext("Price saved."))
            return redirect(url_for(".sms_prices"))
    history = db.session.scalars(
        select(SmsPrice).order_by(SmsPrice.valid_from.desc()).limit(100)
    ).all()
    return render_template(
        "admin/prices.html",
        form=form,
        gateways=gateways,
        prices=sc.current_prices(db.session),
        history=history,
    )
