"""Eskiz.uz (notify.eskiz.uz): JWT login, multipart send, balance, callbacks.

* ``POST /auth/login`` (form ``email``, ``password``) → ``data.token``; the token is
  cached in the instance and sent as ``Authorization: Bearer``. An expired token is
  answered with HTTP 401: log in again once and retry.
* ``POST /message/sms/send`` (multipart form ``mobile_phone`` = 998XXXXXXXXX,
  ``message``, ``from``, ``callback_url``) → ``{id, message, status: "waiting"}``.
* ``GET /user/get-limit`` → ``data.balance``.
* Delivery reports are POSTed to ``callback_url``; sample handlers read
  ``request_id`` (the message id) and ``status`` (e.g. ``DELIVERED``). The full field
  list is not documented: the raw body is stored.

Eskiz's ``/message/sms/send`` serves Uzbek numbers only: other numbers are answered
as "unavailable" (not "rejected"), so the dispatcher fails over to an international
gateway.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from ..base import (
    GatewayError,
    HttpProvider,
    SendResult,
    json_body,
)
from ..config import ConfigReader, http_options

DEFAULT_BASE_URL = "https://notify.eskiz.uz/api"
#: The shared test sender ID client libraries default to.
DEFAULT_SENDER = "4546"
#: Words of Eskiz answers that mean the account has run out of money (unverified).
_NO_FUNDS = ("balance", "insufficient", "недостаточно", "mablag")


class EskizProvider(HttpProvider):
    """An Eskiz.uz account."""

    kind = "eskiz"
    report_fields = (
        ("request_id", "message_id", "id"),
        ("user_sms_id",),
        ("status",),
        ("error", "status_note"),
    )

    def __init__(
        self,
        *,
        email: str,
        password: str,
        sender: str = DEFAULT_SENDER,
        name: str = "eskiz",
        base_url: str = DEFAULT_BASE_URL,
        **options: Any,
    ) -> None:
        super().__init__(name, base_url, **options)
        self.email = email
        self._password = password
        self.sender = sender
        self._token: str | None = None
        self._token_lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: ConfigReader) -> EskizProvider:
        """Keys: ``email``, ``password``, ``sender`` (default "4546") and the HTTP
        provider keys."""
        return cls(
            email=cfg.string("email"),
            password=cfg.string("password"),
            sender=cfg.string("sender", DEFAULT_SENDER),
            **http_options(cfg, DEFAULT_BASE_URL),
        )

    # -- authentication ----------------------------------------------------------

    def _login(self) -> str:
        """Log in and cache the token."""
        response = self._request(
            "POST",
            "/auth/login",
            data={"email": self.email, "password": self._password},
        )
        body = json_body(response)
        if not response.ok:
            failure = self._http_failure(response, _message(body))
            if not failure.retryable:  # 4xx at login: the credentials
                failure = SendResult.unavailable(
                    f"eskiz login refused ({failure.error})", response.text
                )
            raise GatewayError(failure)
        token = None
        if isinstance(body, Mapping) and isinstance(body.get("data"), Mapping):
            token = body["data"].get("token")
        if not isinstance(token, str) or not token:
            raise GatewayError(
                SendResult.transient("login answer without a token", response.text)
            )
        self._token = token
        return token

    def _authorized(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A request with the cached token; on HTTP 401 log in again once."""
        with self._token_lock:
            token = self._token or self._login()
        response = self._request(
            method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )
        if response.status_code != 401:
            return response
        response.close()
        with self._token_lock:
            if self._token == token:  # nobody renewed it meanwhile
                self._token = None
            token = self._token or self._login()
        response = self._request(
            method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )
        if response.status_code == 401:
            raise GatewayError(
                SendResult.unavailable(
                    "token refused right after login (HTTP 401)", response.text
                )
            )
        return response

    # -- sending -----------------------------------------------------------------

    def _send(self, to: str, text: str, client_ref: str) -> SendResult:
        if not to.startswith("998"):
            return SendResult.unavailable("eskiz sends to Uzbek numbers (998…) only")
        fields: dict[str, tuple[None, str]] = {
            "mobile_phone": (None, to),
            "message": (None, text),
            "from": (None, self.sender),
        }
        callback_url = self._callback_url()
        if callback_url:
            fields["callback_url"] = (None, callback_url)
        response = self._authorized("POST", "/message/sms/send", files=fields)
        body = json_body(response)
        if not response.ok:
            return self._failure(response, body)
        if not isinstance(body, Mapping) or body.get("status") == "error":
            return SendResult.rejected(
                f"eskiz: {_message(body) or 'unexpected answer'}", response.text
            )
        message_id = body.get("id")
        if message_id is None:
            return SendResult.transient("eskiz answer without an id", response.text)
        waiting = str(body.get("status", "")).lower() == "waiting"
        return SendResult.ok(
            str(message_id), response.text, status="queued" if waiting else "sent"
        )

    def _failure(self, response: requests.Response, body: Any) -> SendResult:
        message = _message(body)
        if response.status_code < 500 and any(
            word in message.lower() for word in _NO_FUNDS
        ):
            self._note_balance(Decimal(0))
            return SendResult.unavailable(f"eskiz: {message}", response.text)
        return self._http_failure(response, message)

    # -- balance and reports -----------------------------------------------------

    def _fetch_balance(self) -> Decimal | None:
        response = self._authorized("GET", "/user/get-limit")
        body = json_body(response)
        if not response.ok or not isinstance(body, Mapping):
            raise GatewayError(self._http_failure(response, _message(body)))
        data = body.get("data")
        value = data.get("balance") if isinstance(data, Mapping) else None
        if value is None:
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None


def _message(body: Any) -> str:
    """Eskiz's error text: ``message`` may be a string or a field → errors map."""
    if not isinstance(body, Mapping):
        return ""
    message = body.get("message")
    if isinstance(message, Mapping):
        parts = []
        for field, errors in message.items():
            if isinstance(errors, list | tuple):
                errors = "; ".join(map(str, errors))
            parts.append(f"{field}: {errors}")
        return ", ".join(parts)[:300]
    return str(message or body.get("status") or "")[:300]
