"""The SMS provider interface and the machinery the gateway clients share.

A provider turns "send this text to this number" into one gateway request and
answers with a :class:`SendResult`; it never raises for gateway trouble (HTTP
errors, timeouts, refused connections, odd bodies). How the dispatcher reads a
result:

* ``accepted``: the gateway took the message; do not send it again.
* ``status == "rejected"``: the gateway refused *this message* (a bad number, an
  empty text); another gateway would refuse it too, so failover stops.
* ``status == "failed"`` and ``retryable``: a transient fault (timeout, 5xx,
  connection error); the same or another gateway may be tried.
* ``status == "failed"`` and not ``retryable``: this gateway cannot send now
  (authentication, no funds, misconfiguration); try another gateway, not this one.

Delivery reports reach the portal as HTTP callbacks; :meth:`SmsProvider.parse_report`
verifies what can be verified (Twilio's signature, or a shared secret token in the
callback URL) and returns ``None`` for anything it cannot trust or understand.

Phone numbers are E.164 digits without "+", e.g. ``998901234567``. Log lines show
them masked (:func:`mask_phone`) and never contain message texts.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Literal, Protocol, Self, runtime_checkable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests

log = logging.getLogger("hotspot.sms")

SendStatus = Literal["sent", "queued", "failed", "rejected"]
ReportStatus = Literal["sent", "delivered", "failed", "expired", "unknown"]

#: E.164 without "+": a country code that does not start with 0, 7 to 15 digits.
PHONE_RE = re.compile(r"^[1-9][0-9]{6,14}$")
#: Keys of callback bodies that may carry the message text (never stored).
TEXT_KEYS = frozenset({"body", "message", "text", "sms", "content"})
#: How much of a gateway's answer is kept in ``raw``.
RAW_LIMIT = 4000

_LONG_NUMBER_RE = re.compile(r"\+?[0-9]{7,15}")


class SmsConfigError(ValueError):
    """A provider configuration is missing a key or has a malformed value."""


def mask_phone(phone: str) -> str:
    """The phone number for log lines: country/operator prefix and the last 2 digits.

    ``mask_phone("998901234567") == "99890*****67"``. Non-digits are dropped; at
    least 5 digits (or, for very short inputs, all but 3) are always hidden, so the
    full number never shows.
    """
    digits = "".join(ch for ch in str(phone) if ch.isdigit())
    n = len(digits)
    if n == 0:
        return "<empty>"
    if n < 6:
        return "*" * n
    tail = 2
    head = max(1, min(5, n - 7))
    return digits[:head] + "*" * (n - head - tail) + digits[-tail:]


def redact_numbers(text: str) -> str:
    """``text`` with every phone-like run of digits masked (gateway errors echo the
    number, e.g. Twilio's "The 'To' number +998... is not a valid phone number")."""
    return _LONG_NUMBER_RE.sub(lambda m: mask_phone(m.group()), text)


def is_valid_phone(phone: str) -> bool:
    """Whether ``phone`` is E.164 digits without "+"."""
    return bool(PHONE_RE.match(phone))


@dataclass(frozen=True)
class SendResult:
    """What a gateway answered to one send request."""

    accepted: bool
    provider_message_id: str | None
    #: "sent"/"queued" when accepted; "failed" or "rejected" otherwise.
    status: SendStatus
    #: Why it was not accepted, phone numbers masked; ``None`` when accepted.
    error: str | None
    #: Whether trying again (here or at another gateway) may succeed.
    retryable: bool
    #: The gateway's answer as received (truncated). It may contain the number and
    #: the text: do not log or store it.
    raw: str

    @classmethod
    def ok(
        cls, provider_message_id: str | None, raw: str = "", status: SendStatus = "sent"
    ) -> SendResult:
        """The gateway accepted the message."""
        return cls(True, provider_message_id, status, None, False, raw[:RAW_LIMIT])

    @classmethod
    def transient(cls, error: str, raw: str = "") -> SendResult:
        """A fault that may pass: timeout, 5xx, connection error, throttling."""
        return cls(False, None, "failed", error, True, raw[:RAW_LIMIT])

    @classmethod
    def unavailable(cls, error: str, raw: str = "") -> SendResult:
        """This gateway cannot send now (auth, funds, configuration); others may."""
        return cls(False, None, "failed", error, False, raw[:RAW_LIMIT])

    @classmethod
    def rejected(cls, error: str, raw: str = "") -> SendResult:
        """The gateway refused this message (e.g. a bad number): stop trying."""
        return cls(False, None, "rejected", error, False, raw[:RAW_LIMIT])


@dataclass(frozen=True)
class DeliveryReport:
    """A delivery report (DLR) from a gateway, verified and normalised."""

    provider_message_id: str | None
    client_ref: str | None
    status: ReportStatus
    error: str | None
    #: The report as received, without fields that may carry the text.
    raw: str


@runtime_checkable
class SmsProvider(Protocol):
    """One SMS gateway account."""

    #: Recorded in ``sms_messages.provider`` (at most 32 characters).
    name: str
    #: :func:`hotspot.sms.dispatch.deliver` skips the provider while its known
    #: balance is at or below this.
    min_balance: Decimal

    def send(self, to: str, text: str, *, client_ref: str) -> SendResult:
        """Send ``text`` to ``to`` (E.164 digits, no "+"); never raises for gateway
        errors or timeouts."""
        ...

    def parse_report(
        self, form_or_json: Mapping[str, Any], headers: Mapping[str, str], url: str
    ) -> DeliveryReport | None:
        """Verify and parse a delivery-report callback; ``None`` if it cannot be
        trusted or understood. ``url`` is the full public URL the gateway called."""
        ...

    def balance(self) -> Decimal | None:
        """The account balance where the gateway reports one, else ``None``."""
        ...

    def close(self) -> None:
        """Release network resources."""
        ...


class GatewayError(Exception):
    """Raised inside a provider to end a send with ``result``."""

    def __init__(self, result: SendResult) -> None:
        super().__init__(result.error)
        self.result = result


def report_status(value: object) -> ReportStatus:
    """Map a gateway's delivery status word onto :data:`ReportStatus`."""
    word = str(value or "").strip().lower().replace("-", "_").replace(" ", "_")
    if word in {"delivered", "delivrd", "read", "2"}:
        return "delivered"
    if word in {
        "failed",
        "undelivered",
        "undeliv",
        "undeliverable",
        "rejected",
        "rejectd",
        "canceled",
        "cancelled",
        "error",
        "deleted",
        "unknown_subscriber",
        "3",
        "5",
    }:
        return "failed"
    if word in {"expired", "4"}:
        return "expired"
    if word in {
        "sent",
        "queued",
        "accepted",
        "sending",
        "scheduled",
        "waiting",
        "transmtd",
        "transmitted",
        "enroute",
        "stored",
        "new",
        "1",
    }:
        return "sent"
    return "unknown"


def raw_report(data: Mapping[str, Any], drop: Iterable[str] = TEXT_KEYS) -> str:
    """A callback body as JSON for storage, without keys that may carry the text."""
    dropped = {k.lower() for k in drop}
    clean = {str(k): v for k, v in data.items() if str(k).lower() not in dropped}
    return json.dumps(clean, sort_keys=True, default=str, ensure_ascii=False)[
        :RAW_LIMIT
    ]


def first_value(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first non-empty value among ``keys`` as a string (MultiDicts welcome)."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if value is not None and str(value) != "":
            return str(value)
    return None


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header value by case-insensitive name."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, val in headers.items():
        if key.lower() == lowered:
            return val
    return None


def check_url_token(url: str, expected: str | None) -> bool:
    """Whether ``url`` carries ``?token=<expected>`` (constant-time comparison).

    Always false when no token is configured: an unverifiable report is refused.
    """
    if not expected:
        return False
    tokens = parse_qs(urlsplit(url).query).get("token") or [""]
    return hmac.compare_digest(tokens[0].encode(), expected.encode())


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query string."""
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit(parts._replace(query=query))


class BaseProvider(ABC):
    """What every provider shares: number checks, error redaction, logging, a
    cached balance and token-checked delivery reports.

    Subclasses implement :meth:`_send`, optionally :meth:`_fetch_balance` and
    :meth:`_parse_report` (or override :meth:`parse_report` for other checks).
    """

    #: The ``type`` key of the configurations that build this class.
    kind: str = ""

    def __init__(
        self,
        name: str,
        *,
        callback_token: str | None = None,
        min_balance: Decimal = Decimal(0),
        balance_ttl: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.callback_token = callback_token
        self.min_balance = min_balance
        self.balance_ttl = balance_ttl
        self._monotonic = monotonic
        self._balance: tuple[float, Decimal | None] | None = None
        self._balance_lock = threading.Lock()

    # -- sending ---------------------------------------------------------------

    def send(self, to: str, text: str, *, client_ref: str) -> SendResult:
        """Send one SMS; see the module docstring for how to read the result."""
        if not is_valid_phone(to):
            result = SendResult.rejected("invalid phone number (E.164 digits, no '+')")
        elif not text:
            result = SendResult.rejected("empty message text")
        else:
            try:
                result = self._send(to, text, client_ref)
            except GatewayError as exc:
                result = exc.result
            except Exception as exc:  # a gateway answer we did not foresee
                log.exception("sms %s: %s send crashed", mask_phone(to), self.name)
                result = SendResult.unavailable(
                    f"unexpected {type(exc).__name__} in {self.name} client"
                )
        if result.error:
            result = _replace_error(result, redact_numbers(result.error))
        log.debug(
            "sms %s via %s: %s%s",
            mask_phone(to),
            self.name,
            result.status,
            f" ({result.error})" if result.error else "",
        )
        return result

    @abstractmethod
    def _send(self, to: str, text: str, client_ref: str) -> SendResult:
        """Send through the gateway; may raise :class:`GatewayError`."""

    # -- balance ---------------------------------------------------------------

    def balance(self) -> Decimal | None:
        """The account balance, cached for ``balance_ttl`` seconds (failures too,
        so a dead gateway is not asked on every message); ``None`` if unknown."""
        with self._balance_lock:
            now = self._monotonic()
            if self._balance is not None and now - self._balance[0] < self.balance_ttl:
                return self._balance[1]
            try:
                value = self._fetch_balance()
            except GatewayError as exc:
                log.warning("sms balance of %s unknown: %s", self.name, exc)
                value = None
            except Exception:
                log.exception("sms balance of %s: unexpected failure", self.name)
                value = None
            self._balance = (now, value)
            return value

    def _fetch_balance(self) -> Decimal | None:
        """Ask the gateway for the balance; ``None`` where it has none."""
        return None

    @property
    def reports_balance(self) -> bool:
        """Whether this gateway's API tells the balance (a class with its own
        :meth:`_fetch_balance`); otherwise :meth:`balance` is always ``None``."""
        return type(self)._fetch_balance is not BaseProvider._fetch_balance

    def _note_balance(self, value: Decimal | None) -> None:
        """Remember a balance learnt on the way (e.g. "insufficient funds" → 0)."""
        with self._balance_lock:
            self._balance = (self._monotonic(), value)

    # -- delivery reports ------------------------------------------------------

    def parse_report(
        self, form_or_json: Mapping[str, Any], headers: Mapping[str, str], url: str
    ) -> DeliveryReport | None:
        """Check ``?token=`` in ``url`` against the configured callback token, then
        parse. Returns ``None`` for a forged, unverifiable or unreadable report."""
        if not check_url_token(url, self.callback_token):
            log.warning("sms report for %s refused: bad or missing token", self.name)
            return None
        try:
            return self._parse_report(form_or_json)
        except (TypeError, ValueError, AttributeError):
            log.warning("sms report for %s unreadable", self.name)
            return None

    #: Where a report carries (message id, client ref, status, error): each a list
    #: of field names, the first present wins. Providers name their own.
    report_fields: tuple[tuple[str, ...], ...] = (
        ("id", "message_id", "request_id"),
        ("client_ref",),
        ("status",),
        ("error",),
    )

    def _parse_report(self, data: Mapping[str, Any]) -> DeliveryReport | None:
        """Read a verified report by :attr:`report_fields`."""
        id_fields, ref_fields, status_fields, error_fields = self.report_fields
        provider_id = first_value(data, *id_fields)
        client_ref = first_value(data, *ref_fields)
        if provider_id is None and client_ref is None:
            return None
        return DeliveryReport(
            provider_id,
            client_ref,
            report_status(first_value(data, *status_fields)),
            first_value(data, *error_fields),
            raw_report(data),
        )

    # -- lifecycle -------------------------------------------------------------

    def close(self) -> None:  # noqa: B027 - a hook, not abstract
        """Release network resources (nothing here)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class HttpProvider(BaseProvider):
    """A provider speaking HTTP through one :class:`requests.Session` with explicit
    (connect, read) timeouts."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        trust_env: bool = True,
        callback_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, **kwargs)
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.callback_url = callback_url
        self.http = requests.Session()
        self.http.trust_env = trust_env
        self.http.headers["User-Agent"] = "hotspot-sms/1"

    def close(self) -> None:
        """Close the HTTP session and its pooled connections."""
        self.http.close()

    def _url(self, path: str) -> str:
        return self.base_url + path

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One HTTP request; transport failures become :class:`GatewayError`.

        The body is read before returning, so the connection goes back to the pool.
        """
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.http.request(method, self._url(path), **kwargs)
            response.content  # noqa: B018 - read now, inside the timeout handling
        except requests.ConnectTimeout as exc:
            raise GatewayError(SendResult.transient("connect timeout")) from exc
        except requests.ReadTimeout as exc:
            raise GatewayError(
                SendResult.transient("read timeout (the gateway may have it)")
            ) from exc
        except requests.ConnectionError as exc:
            raise GatewayError(
                SendResult.transient(f"connection error: {_short(exc)}")
            ) from exc
        except requests.RequestException as exc:
            raise GatewayError(
                SendResult.transient(f"HTTP error: {type(exc).__name__}")
            ) from exc
        return response

    def _callback_url(self) -> str | None:
        """The delivery-report URL given to the gateway, with ``?token=`` added."""
        if not self.callback_url:
            return None
        if self.callback_token:
            return with_query(self.callback_url, token=self.callback_token)
        return self.callback_url

    @staticmethod
    def _http_failure(response: requests.Response, detail: str = "") -> SendResult:
        """The usual reading of a non-2xx answer: 5xx/408/429 transient, 401/403 an
        account problem, any other 4xx a rejection of the message."""
        code = response.status_code
        error = f"HTTP {code}" + (f": {detail}" if detail else "")
        raw = response.text
        if code >= 500 or code in (408, 425, 429):
            return SendResult.transient(error, raw)
        if code in (401, 402, 403, 407):
            return SendResult.unavailable(error, raw)
        return SendResult.rejected(error, raw)


def json_body(response: requests.Response) -> Any:
    """The decoded JSON body, or ``None`` when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def _short(exc: BaseException) -> str:
    """The root cause of a transport error, e.g. "Connection refused"."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror[:200]
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)
    return str(exc)[:200]


def _replace_error(result: SendResult, error: str) -> SendResult:
    return SendResult(
        result.accepted,
        result.provider_message_id,
        result.status,
        error,
        result.retryable,
        result.raw,
    )
