"""Reading provider configurations: typed getters with clear errors.

A configuration is a mapping (from JSON, the environment or the database) whose
values may be strings, as environment variables are; numbers and booleans accept
their string forms. Unknown keys are an error, so a typo does not pass silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from .base import SmsConfigError

_MISSING: Any = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigReader:
    """Typed access to one provider configuration; call :meth:`finish` last."""

    def __init__(self, config: Mapping[str, Any], kind: str) -> None:
        if not isinstance(config, Mapping):
            raise SmsConfigError(f"{kind} provider: configuration must be a mapping")
        self.config = config
        self.kind = kind
        self._used: set[str] = {"type"}

    def _error(self, key: str, problem: str) -> SmsConfigError:
        return SmsConfigError(f"{self.kind} provider: {key!r} {problem}")

    def _get(self, key: str, default: Any) -> Any:
        self._used.add(key)
        value = self.config.get(key)
        if value is None or value == "":
            if default is _MISSING:
                raise self._error(key, "is required")
            return default
        return value

    def string(self, key: str, default: Any = _MISSING) -> Any:
        """A string; required unless ``default`` is given (``None`` allowed)."""
        value = self._get(key, default)
        if value is default:
            return value
        if not isinstance(value, str):
            raise self._error(key, "must be a string")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        """A string among ``choices`` (case-insensitive)."""
        value = str(self.string(key, default)).lower()
        if value not in choices:
            raise self._error(key, f"must be one of {', '.join(choices)}")
        return value

    def url(self, key: str, default: Any = _MISSING) -> Any:
        """An absolute http(s) URL without a trailing slash."""
        value = self.string(key, default)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self._error(key, "must be an http:// or https:// URL")
        return value.rstrip("/")

    def number(self, key: str, default: float) -> float:
        """A positive number of seconds or similar."""
        value = self._get(key, default)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self._error(key, "must be a number") from None
        if not number > 0 or number != number or number == float("inf"):
            raise self._error(key, "must be a positive number")
        return number

    def non_negative(self, key: str, default: float) -> float:
        """A number that may be zero."""
        value = self._get(key, default)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self._error(key, "must be a number") from None
        if not number >= 0 or number == float("inf"):
            raise self._error(key, "must be zero or a positive number")
        return number

    def decimal(self, key: str, default: Decimal) -> Decimal:
        """A decimal amount (balances)."""
        value = self._get(key, default)
        if isinstance(value, float):
            value = repr(value)
        try:
            amount = Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            raise self._error(key, "must be a decimal number") from None
        if not amount.is_finite():
            raise self._error(key, "must be a finite number")
        return amount

    def flag(self, key: str, default: bool) -> bool:
        """A boolean; strings like "true"/"0" are accepted."""
        self._used.add(key)
        value = self.config.get(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise self._error(key, "must be true or false")

    def mapping(self, key: str, default: Mapping[str, Any]) -> dict[str, Any]:
        """A mapping with string keys."""
        value = self._get(key, default)
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise self._error(key, "must be a mapping with string keys")
        return dict(value)

    def name(self, default: str) -> str:
        """The provider name recorded on messages: 1 to 32 characters."""
        value = str(self.string("name", default))
        if not 1 <= len(value) <= 32 or not value.isprintable():
            raise self._error("name", "must be 1 to 32 printable characters")
        return value

    def finish(self) -> None:
        """Fail on keys nobody read (typos, keys of another provider type)."""
        unknown = sorted(set(self.config) - self._used)
        if unknown:
            raise SmsConfigError(
                f"{self.kind} provider: unknown key(s) {', '.join(map(repr, unknown))}"
            )


def http_options(
    cfg: ConfigReader, default_base_url: Any = _MISSING, *, base_url: bool = True
) -> dict[str, Any]:
    """The keys every HTTP provider takes, as keyword arguments of
    :class:`hotspot.sms.base.HttpProvider` (``base_url`` only if asked for)."""
    options = common_options(cfg)
    callback_url = cfg.url("callback_url", None)
    if callback_url and cfg.kind != "twilio" and not options["callback_token"]:
        raise SmsConfigError(
            f"{cfg.kind} provider: 'callback_token' is required with 'callback_url' "
            "(delivery reports are verified by it)"
        )
    if base_url:
        options["base_url"] = cfg.url("base_url", default_base_url)
    options.update(
        connect_timeout=cfg.number("connect_timeout", 3.0),
        read_timeout=cfg.number("read_timeout", 10.0),
        trust_env=cfg.flag("trust_env", True),
        callback_url=callback_url,
    )
    return options


def common_options(cfg: ConfigReader) -> dict[str, Any]:
    """The keys every provider takes."""
    token = cfg.string("callback_token", None)
    if token is not None and len(token) < 16:
        raise SmsConfigError(
            f"{cfg.kind} provider: 'callback_token' must be at least 16 characters"
        )
    return {
        "name": cfg.name(cfg.kind),
        "callback_token": token,
        "min_balance": cfg.decimal("min_balance", Decimal(0)),
        "balance_ttl": cfg.non_negative("balance_ttl", 300.0),
    }
