"""Fixtures for the SMS layer: fake gateways on 127.0.0.1 and real providers
pointed at them (closed after each test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hotspot.sms import SmsProvider, build_provider

from .fakes import EskizFake, FakeGateway, GenericFake, PlayMobileFake, TwilioFake

#: A callback token long enough for the config check.
TOKEN = "dlr-token-0123456789abcdef"
PHONE = "998901234567"
TEXT = "Your Wi-Fi code: 482915"

ProviderFactory = Callable[..., Any]


def _serve(gateway: FakeGateway) -> Iterator[Any]:
    with gateway:
        yield gateway
    assert not gateway.crashes, gateway.crashes


@pytest.fixture
def eskiz_gw() -> Iterator[EskizFake]:
    yield from _serve(EskizFake())


@pytest.fixture
def playmobile_gw() -> Iterator[PlayMobileFake]:
    yield from _serve(PlayMobileFake())


@pytest.fixture
def twilio_gw() -> Iterator[TwilioFake]:
    yield from _serve(TwilioFake())


@pytest.fixture
def generic_gw() -> Iterator[GenericFake]:
    yield from _serve(GenericFake())


def gateway_config(kind: str, gateway: FakeGateway | None, **overrides: Any) -> dict:
    """A working configuration of ``kind`` for the fake ``gateway``."""
    base: dict[str, Any] = {"type": kind, "trust_env": False, "read_timeout": 2}
    if kind == "eskiz":
        base.update(email=EskizFake.EMAIL, password=EskizFake.PASSWORD)
    elif kind == "playmobile":
        base.update(login=PlayMobileFake.LOGIN, password=PlayMobileFake.PASSWORD)
    elif kind == "twilio":
        base.update(
            account_sid=TwilioFake.ACCOUNT_SID,
            auth_token=TwilioFake.AUTH_TOKEN,
            from_number="+15005550006",
        )
    if gateway is not None:
        if kind == "generic":
            base["url"] = gateway.url + "/api/v1/sms"
        else:
            base["base_url"] = gateway.url
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


@pytest.fixture
def make_provider() -> Iterator[ProviderFactory]:
    """``make_provider("eskiz", gateway, **config_overrides)``: a real provider."""
    built: list[SmsProvider] = []

    def factory(kind: str, gateway: FakeGateway | None = None, **overrides: Any):
        provider = build_provider(gateway_config(kind, gateway, **overrides))
        built.append(provider)
        return provider

    try:
        yield factory
    finally:
        for provider in built:
            provider.close()
