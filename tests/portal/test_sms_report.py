"""Delivery reports from an SMS gateway update the SMS history; forged ones don't."""

from __future__ import annotations

import json

from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import SmsMessage
from portal import create_app
from tests import factories

TOKEN = "dlr-token-0123456789abcdef"


def test_delivery_report_marks_the_sms_delivered(settings, session_factory):
    providers = [
        {
            "type": "eskiz",
            "name": "eskiz",
            "email": "x@example.uz",
            "password": "p",
            "callback_url": "http://portal.example/api/v1/sms/report/eskiz",
            "callback_token": TOKEN,
        }
    ]
    app = create_app(
        {"TESTING": True}, settings=settings.with_(sms_providers=json.dumps(providers))
    )
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        row = SmsMessage(
            owner_id=owner.id,
            phone="998901234567",
            template="otp",
            client_ref=f"ref-{owner.id}",
            provider="eskiz",
            provider_message_id=f"msg-{owner.id}",
            status="sent",
            attempts=1,
            sent_at=utcnow(),
        )
        s.add(row)
        s.flush()
        row_id, msg_id = row.id, row.provider_message_id
    client = app.test_client()
    forged = client.post(
        "/api/v1/sms/report/eskiz?token=wrong",
        data={"id": msg_id, "status": "DELIVERED"},
    )
    assert forged.status_code == 403
    assert client.post("/api/v1/sms/report/nope", data={}).status_code == 404
    ok = client.post(
        f"/api/v1/sms/report/eskiz?token={TOKEN}",
        data={"id": msg_id, "status": "DELIVERED"},
    )
    assert ok.status_code == 200 and ok.get_json()["known"] is True
    with session_factory() as s:
        stored = s.scalar(select(SmsMessage).where(SmsMessage.id == row_id))
        assert stored.status == "delivered" and stored.delivered_at is not None
