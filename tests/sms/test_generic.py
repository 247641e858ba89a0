"""The configurable HTTP provider against a typical one-call gateway."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hotspot.sms import SmsConfigError

from .conftest import PHONE, TEXT, TOKEN
from .fakes import GenericFake

HEADERS = {"X-Api-Key": GenericFake.API_KEY}


def test_json_body_from_the_template(generic_gw: GenericFake, make_provider):
    provider = make_provider(
        "generic",
        generic_gw,
        headers=HEADERS,
        sender="WiFi",
        body={
            "recipients": [{"msisdn": "{to_plus}"}],
            "message": {"body": "{text}", "from": "{sender}"},
            "reference": "ref:{client_ref}",
            "flash": False,
        },
        message_id_path="result.messages.0.id",
    )
    result = provider.send(PHONE, "Code {to} stays: 1234", client_ref="abc")

    assert result.accepted and result.provider_message_id == "gen-1"
    (request,) = generic_gw.received
    assert request.method == "POST" and request.path == "/api/v1/sms"
    assert request.json() == {
        "recipients": [{"msisdn": "+" + PHONE}],
        "message": {"body": "Code {to} stays: 1234", "from": "WiFi"},
        "reference": "ref:abc",
        "flash": False,
    }


def test_form_and_get_bodies(generic_gw: GenericFake, make_provider):
    form = make_provider(
        "generic",
        generic_gw,
        headers=HEADERS,
        body_format="form",
        body={"phone": "{to}", "msg": "{text}", "id": "{client_ref}"},
    )
    assert form.send(PHONE, TEXT, client_ref="r1").accepted
    request = generic_gw.received[-1]
    assert request.content_type.startswith("application/x-www-form-urlencoded")
    assert request.form() == {"phone": PHONE, "msg": TEXT, "id": "r1"}

    get = make_provider(
        "generic",
        generic_gw,
        method="GET",
        headers=HEADERS,
        body={"to": "{to}", "content": "{text}"},
    )
    result = get.send(PHONE, TEXT, client_ref="r2")
    assert result.accepted and result.provider_message_id is None  # no id path
    assert generic_gw.received[-1].query == {"to": [PHONE], "content": [TEXT]}


def test_default_template(generic_gw: GenericFake, make_provider):
    provider = make_provider("generic", generic_gw, headers=HEADERS)
    assert provider.send(PHONE, TEXT, client_ref="r").accepted
    assert generic_gw.received[0].json() == {
        "to": PHONE,
        "text": TEXT,
        "client_ref": "r",
    }


def test_status_codes_are_mapped(generic_gw: GenericFake, make_provider):
    unauthorized = make_provider("generic", generic_gw).send(
        PHONE, TEXT, client_ref="r"
    )
    assert (unauthorized.status, unauthorized.retryable) == ("failed", False)
    assert unauthorized.error.startswith("HTTP 401")

    wrong_path = make_provider(
        "generic", generic_gw, url=generic_gw.url + "/nope", headers=HEADERS
    ).send(PHONE, TEXT, client_ref="r")
    assert (wrong_path.status, wrong_path.retryable) == ("rejected", False)

    generic_gw.fault = 504
    down = make_provider("generic", generic_gw, headers=HEADERS).send(
        PHONE, TEXT, client_ref="r"
    )
    assert (down.status, down.retryable) == ("failed", True)
    assert generic_gw.delivered == []


def test_delivery_reports_with_configured_fields(
    generic_gw: GenericFake, make_provider
):
    url = "https://portal.example/sms/dlr/generic"
    provider = make_provider(
        "generic",
        generic_gw,
        callback_url=url,
        callback_token=TOKEN,
        report_id_field="msgid",
        report_status_field="state",
    )
    body = {"msgid": "gen-1", "state": "DELIVRD", "text": TEXT}
    report = provider.parse_report(body, {}, f"{url}?token={TOKEN}")
    assert report is not None
    assert (report.provider_message_id, report.status) == ("gen-1", "delivered")
    assert TEXT not in report.raw
    assert provider.parse_report(body, {}, url) is None


def test_balance_where_the_gateway_tells_it(generic_gw: GenericFake, make_provider):
    provider = make_provider(
        "generic",
        generic_gw,
        headers=HEADERS,
        balance_url=generic_gw.url + "/api/v1/balance",
        balance_path="account.balance",
    )
    assert provider.reports_balance
    assert provider.balance() == Decimal("2500.75")
    (request,) = generic_gw.requests_to("/api/v1/balance")
    assert (
        request.method == "GET" and request.headers["x-api-key"] == HEADERS["X-Api-Key"]
    )
    # Not a number there, or refused: unknown, not a made-up zero.
    for answer, fault in (({"no": 1}, None), ("2500.75", 500)):
        generic_gw.balance, generic_gw.fault = answer, fault
        fresh = make_provider(
            "generic",
            generic_gw,
            headers=HEADERS,
            balance_url=generic_gw.url + "/api/v1/balance",
            balance_path="account.balance",
        )
        assert fresh.balance() is None


def test_without_a_balance_url_none_is_reported(generic_gw: GenericFake, make_provider):
    provider = make_provider("generic", generic_gw, headers=HEADERS)
    assert not provider.reports_balance and provider.balance() is None
    assert generic_gw.requests_to("/api/v1/balance") == []
    with pytest.raises(SmsConfigError, match="go together"):
        make_provider("generic", generic_gw, balance_url=generic_gw.url + "/b")
