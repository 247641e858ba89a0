"""The Eskiz.uz client against a local imitation of notify.eskiz.uz/api."""

from __future__ import annotations

import time
from decimal import Decimal

from .conftest import PHONE, TEXT, TOKEN
from .fakes import EskizFake

CALLBACK = "https://portal.example/sms/dlr/eskiz"


def test_send_logs_in_and_posts_a_multipart_form(eskiz_gw: EskizFake, make_provider):
    provider = make_provider(
        "eskiz", eskiz_gw, sender="HotSpot", callback_url=CALLBACK, callback_token=TOKEN
    )
    result = provider.send(PHONE, TEXT, client_ref="ref-1")

    assert result.accepted and result.status == "queued" and result.error is None
    assert result.provider_message_id == eskiz_gw.delivered[0]["id"]
    login, send = eskiz_gw.received
    assert (login.method, login.path) == ("POST", "/auth/login")
    assert login.content_type.startswith("application/x-www-form-urlencoded")
    assert login.form() == {"email": EskizFake.EMAIL, "password": EskizFake.PASSWORD}
    assert (send.method, send.path) == ("POST", "/message/sms/send")
    assert send.content_type.startswith("multipart/form-data; boundary=")
    assert send.bearer() in eskiz_gw.tokens
    assert send.form() == {
        "mobile_phone": PHONE,  # digits, no "+"
        "message": TEXT,
        "from": "HotSpot",
        "callback_url": f"{CALLBACK}?token={TOKEN}",
    }


def test_the_token_is_cached(eskiz_gw: EskizFake, make_provider):
    provider = make_provider("eskiz", eskiz_gw)
    for n in range(3):
        assert provider.send(PHONE, TEXT, client_ref=f"r{n}").accepted
    assert eskiz_gw.logins == 1
    assert "callback_url" not in eskiz_gw.delivered[0]  # none configured
    assert eskiz_gw.delivered[0]["from"] == "4546"  # Eskiz's default sender


def test_an_expired_token_is_renewed_once_and_the_send_retried(
    eskiz_gw: EskizFake, make_provider
):
    provider = make_provider("eskiz", eskiz_gw)
    assert provider.send(PHONE, TEXT, client_ref="r1").accepted
    eskiz_gw.expire_tokens()

    result = provider.send(PHONE, TEXT, client_ref="r2")

    assert result.accepted
    assert eskiz_gw.logins == 2
    paths = [r.path for r in eskiz_gw.received]
    assert paths == [
        "/auth/login",
        "/message/sms/send",
        "/message/sms/send",  # 401: token expired
        "/auth/login",
        "/message/sms/send",
    ]
    assert len(eskiz_gw.delivered) == 2


def test_a_token_refused_after_login_is_not_retried_forever(
    eskiz_gw: EskizFake, make_provider
):
    eskiz_gw.refuse_all_tokens = True
    result = make_provider("eskiz", eskiz_gw).send(PHONE, TEXT, client_ref="r")
    assert not result.accepted and result.status == "failed" and not result.retryable
    assert "401" in result.error
    assert eskiz_gw.logins == 2
    assert len(eskiz_gw.requests_to("/message/sms/send")) == 2


def test_wrong_credentials_are_a_permanent_failure(eskiz_gw: EskizFake, make_provider):
    result = make_provider("eskiz", eskiz_gw, password="wrong").send(
        PHONE, TEXT, client_ref="r"
    )
    assert (result.accepted, result.status, result.retryable) == (
        False,
        "failed",
        False,
    )
    assert "eskiz login refused (HTTP 401: Invalid credentials)" in result.error
    assert eskiz_gw.requests_to("/message/sms/send") == []


def test_a_number_refused_by_the_gateway_is_rejected(
    eskiz_gw: EskizFake, make_provider
):
    eskiz_gw.invalid_numbers.add(PHONE)
    result = make_provider("eskiz", eskiz_gw).send(PHONE, TEXT, client_ref="r")
    assert (result.accepted, result.status, result.retryable) == (
        False,
        "rejected",
        False,
    )
    assert "mobile_phone: Invalid number" in result.error
    assert PHONE not in result.error


def test_bad_and_foreign_numbers_never_reach_the_gateway(
    eskiz_gw: EskizFake, make_provider
):
    provider = make_provider("eskiz", eskiz_gw)
    bad = provider.send("+998901234567", TEXT, client_ref="r")
    assert bad.status == "rejected" and "E.164" in bad.error
    foreign = provider.send("14155552671", TEXT, client_ref="r")
    # Not a rejection of the number: an international gateway may take it.
    assert foreign.status == "failed" and not foreign.retryable
    assert eskiz_gw.received == []


def test_balance_and_insufficient_funds(eskiz_gw: EskizFake, make_provider):
    provider = make_provider("eskiz", eskiz_gw)
    assert provider.balance() == Decimal("1500")
    assert len(eskiz_gw.requests_to("/user/get-limit")) == 1
    assert provider.balance() == Decimal("1500")  # cached
    assert len(eskiz_gw.requests_to("/user/get-limit")) == 1

    eskiz_gw.balance = Decimal(0)
    result = provider.send(PHONE, TEXT, client_ref="r")
    assert result.status == "failed" and not result.retryable
    assert "Insufficient balance" in result.error
    assert provider.balance() == 0  # learnt from the answer


def test_server_errors_and_timeouts_are_retryable(eskiz_gw: EskizFake, make_provider):
    eskiz_gw.fault = 502
    result = make_provider("eskiz", eskiz_gw).send(PHONE, TEXT, client_ref="r")
    assert (result.status, result.retryable) == ("failed", True)
    assert "HTTP 502" in result.error

    eskiz_gw.fault = None
    eskiz_gw.stall = 5
    started = time.monotonic()
    result = make_provider("eskiz", eskiz_gw, read_timeout=0.3).send(
        PHONE, TEXT, client_ref="r"
    )
    assert time.monotonic() - started < 2
    assert (result.status, result.retryable) == ("failed", True)
    assert "read timeout" in result.error


def test_an_unreachable_gateway_is_retryable(make_provider):
    from devstack.postgres import free_port

    provider = make_provider(
        "eskiz", None, base_url=f"http://127.0.0.1:{free_port()}/api"
    )
    result = provider.send(PHONE, TEXT, client_ref="r")
    assert (result.status, result.retryable) == ("failed", True)
    assert "connection error" in result.error
    assert provider.balance() is None


def test_delivery_reports_need_the_token(eskiz_gw: EskizFake, make_provider):
    provider = make_provider(
        "eskiz", eskiz_gw, callback_url=CALLBACK, callback_token=TOKEN
    )
    body = {"request_id": "4f1c", "status": "DELIVERED", "message": TEXT}

    report = provider.parse_report(body, {}, f"{CALLBACK}?token={TOKEN}")
    assert report is not None
    assert (report.provider_message_id, report.status) == ("4f1c", "delivered")
    assert TEXT not in report.raw and "DELIVERED" in report.raw

    assert provider.parse_report(body, {}, f"{CALLBACK}?token=guess") is None
    assert provider.parse_report(body, {}, CALLBACK) is None
    assert provider.parse_report({"x": 1}, {}, f"{CALLBACK}?token={TOKEN}") is None


def test_its_api_tells_the_balance(eskiz_gw, make_provider):
    assert make_provider("eskiz", eskiz_gw).reports_balance
