"""Pure parts of the SMS layer: masking, statuses, tokens, configuration checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotspot.sms import (
    EskizProvider,
    OutboxProvider,
    SmsConfigError,
    SmsProvider,
    build_provider,
    build_providers,
    mask_phone,
)
from hotspot.sms.base import check_url_token, redact_numbers, report_status, with_query

from .conftest import TOKEN


def test_mask_phone_keeps_prefix_and_last_two_digits():
    assert mask_phone("998901234567") == "99890*****67"
    assert mask_phone("+998 (90) 123-45-67") == "99890*****67"
    assert mask_phone("14155552671") == "1415*****71"
    assert mask_phone("") == "<empty>"
    assert mask_phone("12345") == "*****"


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_mask_phone_never_shows_the_full_number(digits: str):
    masked = mask_phone(digits)
    assert digits not in masked
    hidden = masked.count("*")
    assert hidden >= min(len(digits), 3)
    if len(digits) >= 8:
        assert hidden >= 5
    visible = [ch for ch in masked if ch.isdigit()]
    assert len(visible) <= max(0, len(digits) - 3)


def test_gateway_errors_get_their_numbers_masked():
    error = "twilio 21211: The 'To' number +998901234567 is not a valid phone number."
    redacted = redact_numbers(error)
    assert "998901234567" not in redacted
    assert "99890*****67" in redacted
    assert "21211" in redacted  # error codes are short enough to survive


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("DELIVERED", "delivered"),
        ("delivrd", "delivered"),
        ("undelivered", "failed"),
        ("UNDELIV", "failed"),
        ("REJECTD", "failed"),
        ("EXPIRED", "expired"),
        ("waiting", "sent"),
        ("TRANSMTD", "sent"),
        ("queued", "sent"),
        ("", "unknown"),
        ("something-new", "unknown"),
    ],
)
def test_report_statuses_are_normalised(word: str, status: str):
    assert report_status(word) == status


def test_callback_tokens_compare_whole_values():
    url = with_query("https://portal.example/sms/dlr?x=1", token=TOKEN)
    assert url == f"https://portal.example/sms/dlr?x=1&token={TOKEN}"
    assert check_url_token(url, TOKEN)
    assert not check_url_token(url[:-1], TOKEN)
    assert not check_url_token("https://portal.example/sms/dlr", TOKEN)
    assert not check_url_token(url, None)  # nothing configured: refuse


def test_providers_satisfy_the_protocol(tmp_path):
    provider = build_provider({"type": "outbox", "path": str(tmp_path / "o.jsonl")})
    assert isinstance(provider, SmsProvider)
    assert isinstance(provider, OutboxProvider)
    assert provider.name == "outbox"
    assert provider.balance() is None


def test_config_values_may_be_strings_as_in_the_environment():
    provider = build_provider(
        {
            "type": "eskiz",
            "name": "eskiz-main",
            "email": "a@b.uz",
            "password": "pw",
            "read_timeout": "2.5",
            "connect_timeout": "1",
            "trust_env": "false",
            "min_balance": "100",
            "base_url": "http://127.0.0.1:9/api/",
        }
    )
    assert isinstance(provider, EskizProvider)
    with provider:
        assert provider.name == "eskiz-main"
        assert provider.timeout == (1.0, 2.5)
        assert provider.http.trust_env is False
        assert provider.min_balance == Decimal(100)
        assert provider.base_url == "http://127.0.0.1:9/api"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "'type' must be one of"),
        ({"type": "smpp"}, "'type' must be one of"),
        ({"type": "eskiz", "password": "x"}, "eskiz provider: 'email' is required"),
        (
            {"type": "eskiz", "email": "a", "password": "b", "pasword": "c"},
            "unknown key(s) 'pasword'",
        ),
        (
            {"type": "eskiz", "email": "a", "password": "b", "base_url": "ftp://x"},
            "'base_url' must be an http:// or https:// URL",
        ),
        (
            {"type": "eskiz", "email": "a", "password": "b", "read_timeout": "soon"},
            "'read_timeout' must be a number",
        ),
        (
            {"type": "eskiz", "email": "a", "password": "b", "read_timeout": 0},
            "'read_timeout' must be a positive number",
        ),
        (
            {
                "type": "eskiz",
                "email": "a",
                "password": "b",
                "callback_url": "https://portal.example/sms/dlr/eskiz",
            },
            "'callback_token' is required with 'callback_url'",
        ),
        (
            {"type": "outbox", "path": "x", "callback_token": "short"},
            "'callback_token' must be at least 16 characters",
        ),
        ({"type": "playmobile", "login": "a", "password": "b"}, "'base_url' is"),
        (
            {"type": "twilio", "account_sid": "AC1", "auth_token": "t"},
            "needs 'from_number' or 'messaging_service_sid'",
        ),
        ({"type": "generic"}, "generic provider: 'url' is required"),
        (
            {"type": "generic", "url": "http://x", "body": {"to": "{phone}"}},
            "unknown placeholder {phone}",
        ),
        (
            {
                "type": "generic",
                "url": "http://x",
                "body_format": "form",
                "body": {"a": {"b": "{to}"}},
            },
            "must be flat",
        ),
        (
            {"type": "generic", "url": "http://x", "method": "DELETE"},
            "'method' must be one of post, get, put",
        ),
        ({"type": "outbox", "path": "x", "name": "n" * 33}, "'name' must be 1 to 32"),
        ({"type": "outbox"}, "outbox provider: 'path' is required"),
    ],
)
def test_bad_configs_are_refused_with_clear_errors(config: dict, message: str):
    with pytest.raises(SmsConfigError) as info:
        build_provider(config)
    assert message in str(info.value)


def test_provider_names_must_be_unique(tmp_path):
    config = {"type": "outbox", "path": str(tmp_path / "o.jsonl")}
    with pytest.raises(SmsConfigError, match="two SMS providers named 'outbox'"):
        build_providers([config, config])
    providers = build_providers([config, {**config, "name": "outbox-2"}])
    assert [p.name for p in providers] == ["outbox", "outbox-2"]
