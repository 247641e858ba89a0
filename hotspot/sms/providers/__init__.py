"""The gateway clients, and building them from configuration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..base import SmsConfigError, SmsProvider
from ..config import ConfigReader
from .eskiz import EskizProvider
from .generic import GenericProvider
from .outbox import OutboxEntry, OutboxProvider, read_outbox
from .playmobile import PlayMobileProvider
from .twilio import TwilioProvider


class _Buildable(Protocol):
    @classmethod
    def from_config(cls, cfg: ConfigReader) -> Any: ...


#: ``config["type"]`` → provider class.
PROVIDER_TYPES: dict[str, type[_Buildable]] = {
    "eskiz": EskizProvider,
    "playmobile": PlayMobileProvider,
    "twilio": TwilioProvider,
    "generic": GenericProvider,
    "outbox": OutboxProvider,
}


def build_provider(config: Mapping[str, Any]) -> SmsProvider:
    """A provider from its configuration; raises :class:`SmsConfigError` with a
    message naming the bad key."""
    if not isinstance(config, Mapping):
        raise SmsConfigError("SMS provider configuration must be a mapping")
    kind = config.get("type")
    if not isinstance(kind, str) or kind not in PROVIDER_TYPES:
        raise SmsConfigError(
            f"SMS provider 'type' must be one of {', '.join(PROVIDER_TYPES)}, "
            f"not {kind!r}"
        )
    cls = PROVIDER_TYPES[kind]
    cfg = ConfigReader(config, kind)
    provider: SmsProvider = cls.from_config(cfg)
    try:
        cfg.finish()
    except SmsConfigError:
        provider.close()
        raise
    return provider


def build_providers(configs: Sequence[Mapping[str, Any]]) -> list[SmsProvider]:
    """Providers in failover order; names must be unique (they key the history)."""
    providers: list[SmsProvider] = []
    try:
        for config in configs:
            provider = build_provider(config)
            if any(p.name == provider.name for p in providers):
                provider.close()
                raise SmsConfigError(
                    f"two SMS providers named {provider.name!r}: set 'name'"
                )
            providers.append(provider)
    except BaseException:
        for provider in providers:
            provider.close()
        raise
    return providers


__all__ = [
    "EskizProvider",
    "GenericProvider",
    "OutboxEntry",
    "OutboxProvider",
    "PROVIDER_TYPES",
    "PlayMobileProvider",
    "TwilioProvider",
    "build_provider",
    "build_providers",
    "read_outbox",
]
