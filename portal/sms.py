"""Wiring of the SMS gateways configured in the settings into the guest flows."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from hotspot.models import SmsMessage
from hotspot.services.identification import SmsSender


def providers(app: Flask) -> list[Any]:
    """The configured providers, built once per app."""
    built = app.extensions.get("hotspot_sms")
    if built is None:
        from hotspot.sms import build_providers

        raw = app.config["HOTSPOT_SETTINGS"].sms_providers or "[]"
        built = build_providers(json.loads(raw))
        app.extensions["hotspot_sms"] = built
    return built


def sms_sender(app: Flask) -> SmsSender:
    chain = providers(app)
    clock = app.config["HOTSPOT_CLOCK"]

    def send(session: Session, message: SmsMessage, text: str) -> bool:
        from hotspot.sms.dispatch import deliver

        chosen = owner_chain(session, message.owner_id, chain)
        if not chosen:
            message.status = "failed"
            message.error = "no SMS gateway is configured"
            session.flush()
            return False
        deliver(session, message, text, chosen, clock.now())
        return message.status in ("sent", "delivered")

    return send


def owner_chain(session: Session, owner_id: int, chain: list[Any]) -> list[Any]:
    """The gateways this owner uses (hotspot.venues.sms_gateways)."""
    from hotspot.models import Owner
    from hotspot.venues import sms_gateways

    return sms_gateways(session.get(Owner, owner_id), chain)
