"""The Play Mobile client against a local imitation of the broker API."""

from __future__ import annotations

import pytest

from .conftest import PHONE, TEXT, TOKEN
from .fakes import PlayMobileFake


def test_send_posts_the_broker_json_with_basic_auth(
    playmobile_gw: PlayMobileFake, make_provider
):
    provider = make_provider("playmobile", playmobile_gw, originator="HOTSPOT")
    result = provider.send(PHONE, TEXT, client_ref="c0ffee")

    assert result.accepted and result.status == "queued"
    # Our message-id is the id Play Mobile knows the message by.
    assert result.provider_message_id == "c0ffee"
    (request,) = playmobile_gw.received
    assert (request.method, request.path) == ("POST", "/broker-api/send")
    assert request.basic_auth() == (PlayMobileFake.LOGIN, PlayMobileFake.PASSWORD)
    assert request.content_type.startswith("application/json")
    assert request.json() == {
        "messages": [
            {
                "recipient": PHONE,
                "message-id": "c0ffee",
                "sms": {"originator": "HOTSPOT", "content": {"text": TEXT}},
            }
        ]
    }
    assert len(playmobile_gw.delivered) == 1


def test_default_originator(playmobile_gw: PlayMobileFake, make_provider):
    make_provider("playmobile", playmobile_gw).send(PHONE, TEXT, client_ref="r")
    assert playmobile_gw.delivered[0]["sms"]["originator"] == "3700"


@pytest.mark.parametrize(
    ("code", "description", "status", "retryable"),
    [
        (202, "Empty recipient", "rejected", False),
        (404, "Empty content", "rejected", False),
        (102, "Account is locked", "failed", False),
        (401, "Empty originator", "failed", False),
        (100, "Internal server error", "failed", True),
    ],
)
def test_error_bodies_are_mapped(
    playmobile_gw: PlayMobileFake,
    make_provider,
    code: int,
    description: str,
    status: str,
    retryable: bool,
):
    playmobile_gw.next_error = (400, code, description)
    result = make_provider("playmobile", playmobile_gw).send(
        PHONE, TEXT, client_ref="r"
    )
    assert (result.accepted, result.status, result.retryable) == (
        False,
        status,
        retryable,
    )
    assert result.error == f"play mobile {code}: {description}"
    assert playmobile_gw.delivered == []


def test_wrong_credentials_and_server_errors(
    playmobile_gw: PlayMobileFake, make_provider
):
    result = make_provider("playmobile", playmobile_gw, password="nope").send(
        PHONE, TEXT, client_ref="r"
    )
    assert (result.status, result.retryable, result.error) == (
        "failed",
        False,
        "HTTP 401",
    )

    playmobile_gw.fault = 503
    result = make_provider("playmobile", playmobile_gw).send(
        PHONE, TEXT, client_ref="r"
    )
    assert (result.status, result.retryable) == ("failed", True)
    assert playmobile_gw.delivered == []


def test_delivery_reports(playmobile_gw: PlayMobileFake, make_provider):
    url = "https://portal.example/sms/dlr/playmobile"
    provider = make_provider(
        "playmobile", playmobile_gw, callback_url=url, callback_token=TOKEN
    )
    body = {"messages": [{"message-id": "c0ffee", "status": "delivered"}]}
    report = provider.parse_report(body, {}, f"{url}?token={TOKEN}")
    assert report is not None
    assert (report.client_ref, report.provider_message_id) == ("c0ffee", "c0ffee")
    assert report.status == "delivered"
    assert provider.parse_report(body, {}, f"{url}?token=x{TOKEN}") is None
    assert provider.balance() is None  # the broker API has no balance call


def test_its_api_tells_no_balance(playmobile_gw, make_provider):
    provider = make_provider("playmobile", playmobile_gw)
    assert not provider.reports_balance and provider.balance() is None
    assert playmobile_gw.received == []
