"""The Twilio client against a local imitation of api.twilio.com, and the
X-Twilio-Signature check of status callbacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from .conftest import PHONE, TEXT
from .fakes import TwilioFake

CALLBACK = "https://portal.example/sms/dlr/twilio?venue=7"


def test_send_posts_the_messages_form_with_basic_auth(
    twilio_gw: TwilioFake, make_provider
):
    provider = make_provider("twilio", twilio_gw, callback_url=CALLBACK)
    result = provider.send(PHONE, TEXT, client_ref="r")

    assert result.accepted and result.status == "queued"
    assert result.provider_message_id == twilio_gw.delivered[0]["sid"]
    assert result.provider_message_id.startswith("SM")
    assert TEXT not in result.raw  # Twilio echoes the body; it is dropped
    (request,) = twilio_gw.received
    assert request.method == "POST"
    assert (
        request.path == f"/2010-04-01/Accounts/{TwilioFake.ACCOUNT_SID}/Messages.json"
    )
    assert request.basic_auth() == (TwilioFake.ACCOUNT_SID, TwilioFake.AUTH_TOKEN)
    assert request.form() == {
        "To": "+" + PHONE,
        "From": "+15005550006",
        "Body": TEXT,
        "StatusCallback": CALLBACK,
    }


def test_a_messaging_service_instead_of_a_number(twilio_gw: TwilioFake, make_provider):
    provider = make_provider(
        "twilio", twilio_gw, from_number=None, messaging_service_sid="MG" + "0" * 32
    )
    assert provider.send(PHONE, TEXT, client_ref="r").accepted
    form = twilio_gw.received[0].form()
    assert form["MessagingServiceSid"] == "MG" + "0" * 32 and "From" not in form


def test_an_invalid_number_is_rejected_without_echoing_it(
    twilio_gw: TwilioFake, make_provider
):
    twilio_gw.invalid_numbers.add("+" + PHONE)
    result = make_provider("twilio", twilio_gw).send(PHONE, TEXT, client_ref="r")
    assert (result.accepted, result.status, result.retryable) == (
        False,
        "rejected",
        False,
    )
    assert result.error.startswith("twilio 21211: The 'To' number")
    assert PHONE not in result.error and "99890*****67" in result.error


def test_auth_failure_and_server_errors(twilio_gw: TwilioFake, make_provider):
    result = make_provider("twilio", twilio_gw, auth_token="wrong").send(
        PHONE, TEXT, client_ref="r"
    )
    assert (result.status, result.retryable) == ("failed", False)
    assert result.error == "twilio 20003: Authenticate"

    twilio_gw.fault = 500
    result = make_provider("twilio", twilio_gw).send(PHONE, TEXT, client_ref="r")
    assert (result.status, result.retryable) == ("failed", True)
    assert twilio_gw.delivered == []


def test_balance(twilio_gw: TwilioFake, make_provider):
    assert make_provider("twilio", twilio_gw).balance() == Decimal("12.50")
    assert twilio_gw.received[0].path.endswith("/Balance.json")


# -- signatures ------------------------------------------------------------------

DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}


@pytest.fixture
def doc_twilio(make_provider):
    """A provider with the auth token of Twilio's published examples."""
    return make_provider("twilio", None, account_sid="AC1", auth_token="12345")


def test_twilios_published_signature_examples(doc_twilio):
    assert doc_twilio.signature(DOC_URL, DOC_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = MultiDict(
        [
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]
    )
    assert doc_twilio.signature(DOC_URL, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert doc_twilio.verify_signature(
        DOC_URL, DOC_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    # Twilio may sign the URL with the default port spelled out.
    assert doc_twilio.verify_signature(
        "https://mycompany.com:443/myapp.php?foo=1&bar=2",
        DOC_PARAMS,
        "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
    )


def _sign(token: str, url: str, params: dict[str, str]) -> str:
    """The documented algorithm, written out independently of the provider."""
    data = url + "".join(k + params[k] for k in sorted(params))
    mac = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def _callback(status: str = "delivered") -> dict[str, str]:
    return {
        "AccountSid": TwilioFake.ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "From": "+15005550006",
        "MessageSid": "SM" + "a" * 32,
        "MessageStatus": status,
        "SmsSid": "SM" + "a" * 32,
        "SmsStatus": status,
        "To": "+" + PHONE,
    }


def test_a_signed_status_callback_is_accepted(twilio_gw: TwilioFake, make_provider):
    provider = make_provider("twilio", twilio_gw, callback_url=CALLBACK)
    form = _callback()
    headers = {"X-Twilio-Signature": _sign(TwilioFake.AUTH_TOKEN, CALLBACK, form)}
    report = provider.parse_report(form, headers, CALLBACK)
    assert report is not None
    assert (report.provider_message_id, report.status) == ("SM" + "a" * 32, "delivered")
    assert report.error is None
    # Header names are case-insensitive.
    lower = {"x-twilio-signature": headers["X-Twilio-Signature"]}
    assert provider.parse_report(form, lower, CALLBACK) is not None

    failed = {**_callback("undelivered"), "ErrorCode": "30003"}
    signature = _sign(TwilioFake.AUTH_TOKEN, CALLBACK, failed)
    report = provider.parse_report(failed, {"X-Twilio-Signature": signature}, CALLBACK)
    assert report is not None
    assert (report.status, report.error) == ("failed", "twilio 30003")


def test_forged_status_callbacks_are_refused(twilio_gw: TwilioFake, make_provider):
    provider = make_provider("twilio", twilio_gw, callback_url=CALLBACK)
    form = _callback()
    good = _sign(TwilioFake.AUTH_TOKEN, CALLBACK, form)
    forged = _sign("not-the-auth-token", CALLBACK, form)

    assert provider.parse_report(form, {"X-Twilio-Signature": forged}, CALLBACK) is None
    assert provider.parse_report(form, {}, CALLBACK) is None
    tampered = {**form, "MessageStatus": "failed"}
    assert (
        provider.parse_report(tampered, {"X-Twilio-Signature": good}, CALLBACK) is None
    )
    other_url = CALLBACK.replace("venue=7", "venue=8")
    assert provider.parse_report(form, {"X-Twilio-Signature": good}, other_url) is None


def test_its_api_tells_the_balance(twilio_gw, make_provider):
    assert make_provider("twilio", twilio_gw).reports_balance
