"""Dispatch over real providers and fake gateways, with SmsMessage rows in
PostgreSQL: failover, attempt limits, idempotency, rejections, balances and
delivery reports."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotspot.errors import InvalidInput
from hotspot.models import SmsMessage
from hotspot.sms import OutboxProvider, apply_report, deliver, queue_sms, read_outbox
from tests import factories

from .conftest import PHONE, TEXT, TOKEN
from .fakes import EskizFake, PlayMobileFake, TwilioFake

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(seconds=40)
SEND = "/message/sms/send"


@pytest.fixture
def message(db_session: Session) -> SmsMessage:
    owner = factories.owner(db_session)
    return queue_sms(db_session, owner.id, None, PHONE, "otp", T0)


def test_queue_sms_records_the_message_before_sending(db_session, message):
    assert message.id is not None
    stored = db_session.scalar(select(SmsMessage).where(SmsMessage.id == message.id))
    assert stored is message
    assert (message.status, message.attempts, message.provider) == ("queued", 0, None)
    assert len(message.client_ref) == 32 and int(message.client_ref, 16) >= 0
    assert message.created_at == T0
    with pytest.raises(InvalidInput):
        queue_sms(db_session, message.owner_id, None, "+998901234567", "otp", T0)


@pytest.mark.parametrize("fault", ["http-500", "timeout"])
def test_failover_to_the_next_gateway_sends_exactly_once(
    db_session,
    message,
    eskiz_gw: EskizFake,
    playmobile_gw: PlayMobileFake,
    make_provider,
    fault: str,
):
    if fault == "timeout":
        eskiz_gw.stall = 5
    else:
        eskiz_gw.fault = 500
    providers = [
        make_provider("eskiz", eskiz_gw, read_timeout=0.3),
        make_provider("playmobile", playmobile_gw),
    ]

    deliver(db_session, message, TEXT, providers, T1)

    assert len(eskiz_gw.delivered) + len(playmobile_gw.delivered) == 1
    assert playmobile_gw.delivered[0]["recipient"] == PHONE
    assert eskiz_gw.received  # it was tried
    assert message.status == "sent"
    assert message.provider == "playmobile"
    assert message.provider_message_id == message.client_ref
    assert message.attempts == 2
    assert message.sent_at == T1
    assert message.error.startswith("eskiz: ")
    assert ("HTTP 500" if fault == "http-500" else "timeout") in message.error


def test_deliver_never_sends_a_sent_message_again(
    db_session, message, eskiz_gw: EskizFake, make_provider
):
    providers = [make_provider("eskiz", eskiz_gw)]
    deliver(db_session, message, TEXT, providers, T0)
    assert message.status == "sent" and message.attempts == 1
    seen = len(eskiz_gw.received)

    again = deliver(db_session, message, TEXT, providers, T1)

    assert again is message
    assert len(eskiz_gw.received) == seen  # not even a balance check
    assert len(eskiz_gw.delivered) == 1
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, T0)


def test_attempts_are_capped_over_all_calls(
    db_session,
    message,
    eskiz_gw: EskizFake,
    playmobile_gw: PlayMobileFake,
    make_provider,
):
    eskiz_gw.fault = 503
    playmobile_gw.fault = 500
    providers = [
        make_provider("eskiz", eskiz_gw, balance_ttl=0),
        make_provider("playmobile", playmobile_gw),
    ]

    deliver(db_session, message, TEXT, providers, T0)

    assert (message.status, message.attempts) == ("failed", 3)
    assert message.provider == "eskiz"  # round again: eskiz, playmobile, eskiz
    assert len(playmobile_gw.requests_to("/broker-api/send")) == 1
    assert message.sent_at is None and message.provider_message_id is None
    assert (
        message.error.count("eskiz:") == 2 and "playmobile: HTTP 500" in message.error
    )

    before = len(eskiz_gw.received) + len(playmobile_gw.received)
    deliver(db_session, message, TEXT, providers, T1)
    assert len(eskiz_gw.received) + len(playmobile_gw.received) == before
    assert message.attempts == 3


def test_a_rejected_number_stops_failover(
    db_session, message, twilio_gw: TwilioFake, make_provider, tmp_path
):
    twilio_gw.invalid_numbers.add("+" + PHONE)
    outbox = OutboxProvider(path=tmp_path / "outbox.jsonl")
    providers = [make_provider("twilio", twilio_gw), outbox]

    deliver(db_session, message, TEXT, providers, T0)

    assert (message.status, message.attempts, message.provider) == (
        "rejected",
        1,
        "twilio",
    )
    assert "21211" in message.error and PHONE not in message.error
    assert read_outbox(outbox.path) == []
    deliver(db_session, message, TEXT, providers, T1)  # and it stays rejected
    assert read_outbox(outbox.path) == [] and message.attempts == 1


def test_an_account_failure_fails_over_without_retrying_that_account(
    db_session, message, eskiz_gw: EskizFake, make_provider, tmp_path
):
    outbox = OutboxProvider(path=tmp_path / "outbox.jsonl")
    eskiz = make_provider("eskiz", eskiz_gw, password="wrong", balance_ttl=0)

    deliver(db_session, message, TEXT, [eskiz, outbox], T0)

    assert (message.status, message.provider, message.attempts) == ("sent", "outbox", 2)
    assert "eskiz login refused" in message.error
    assert len(read_outbox(outbox.path)) == 1


def test_a_provider_without_balance_is_skipped(
    db_session,
    message,
    eskiz_gw: EskizFake,
    playmobile_gw: PlayMobileFake,
    make_provider,
):
    eskiz_gw.balance = Decimal(0)
    providers = [
        make_provider("eskiz", eskiz_gw),
        make_provider("playmobile", playmobile_gw),
    ]

    deliver(db_session, message, TEXT, providers, T0)

    assert (message.status, message.provider, message.attempts) == (
        "sent",
        "playmobile",
        1,
    )
    assert eskiz_gw.requests_to(SEND) == []
    assert "eskiz: balance 0" in message.error and "too low" in message.error


def test_min_balance_and_no_providers_at_all(
    db_session, message, eskiz_gw: EskizFake, make_provider
):
    eskiz = make_provider("eskiz", eskiz_gw, min_balance=5000)
    deliver(db_session, message, TEXT, [eskiz], T0)
    assert (message.status, message.attempts) == ("failed", 0)
    assert eskiz_gw.requests_to(SEND) == []

    other = queue_sms(db_session, message.owner_id, None, PHONE, "otp", T0)
    deliver(db_session, other, TEXT, [], T0)
    assert (other.status, other.error) == ("failed", "no SMS provider configured")


def test_delivery_report_marks_the_message_delivered(
    db_session, message: SmsMessage, eskiz_gw: EskizFake, make_provider
):
    callback = "https://portal.example/sms/dlr/eskiz"
    eskiz = make_provider(
        "eskiz", eskiz_gw, callback_url=callback, callback_token=TOKEN
    )
    deliver(db_session, message, TEXT, [eskiz], T0)
    gateway_id = eskiz_gw.delivered[0]["id"]
    assert message.provider_message_id == gateway_id

    body = {"request_id": gateway_id, "status": "DELIVERED", "message": TEXT}
    report = eskiz.parse_report(body, {}, f"{callback}?token={TOKEN}")
    updated = apply_report(db_session, "eskiz", report, T1)

    assert updated is message
    assert (message.status, message.delivered_at) == ("delivered", T1)
    stored = message.report or ""
    assert gateway_id in stored and TEXT not in stored

    # A late "sent" report does not undo it; unknown ids and other providers'
    # reports are ignored.
    late = eskiz.parse_report(
        {"request_id": gateway_id, "status": "TRANSMTD"},
        {},
        f"{callback}?token={TOKEN}",
    )
    assert apply_report(db_session, "eskiz", late, T1) is message
    assert message.status == "delivered"
    unknown = eskiz.parse_report(
        {"request_id": "nope", "status": "DELIVERED"}, {}, f"{callback}?token={TOKEN}"
    )
    assert apply_report(db_session, "eskiz", unknown, T1) is None
    assert apply_report(db_session, "twilio", report, T1) is None
    assert apply_report(db_session, "eskiz", None, T1) is None


def test_failed_reports_and_lookup_by_client_ref(
    db_session, message: SmsMessage, playmobile_gw: PlayMobileFake, make_provider
):
    url = "https://portal.example/sms/dlr/playmobile"
    provider = make_provider(
        "playmobile", playmobile_gw, callback_url=url, callback_token=TOKEN
    )
    deliver(db_session, message, TEXT, [provider], T0)
    body = {"message-id": message.client_ref, "status": "undeliverable"}
    report = provider.parse_report(body, {}, f"{url}?token={TOKEN}")

    assert apply_report(db_session, "playmobile", report, T1) is message
    assert (message.status, message.delivered_at) == ("failed", None)
    assert "report: failed" in (message.error or "")


def test_log_lines_show_neither_the_number_nor_the_text(
    db_session,
    message,
    eskiz_gw: EskizFake,
    twilio_gw: TwilioFake,
    make_provider,
    caplog,
):
    caplog.set_level(logging.DEBUG, logger="hotspot.sms")
    eskiz_gw.fault = 500
    twilio_gw.invalid_numbers.add("+" + PHONE)
    providers = [make_provider("eskiz", eskiz_gw), make_provider("twilio", twilio_gw)]

    deliver(db_session, message, TEXT, providers, T0)

    assert message.status == "rejected"
    assert caplog.records
    assert PHONE not in caplog.text and TEXT not in caplog.text
    assert "99890*****67" in caplog.text
