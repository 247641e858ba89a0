"""Play Mobile (smsxabar) broker API.

``POST {base}/broker-api/send`` with HTTP Basic auth and the JSON body
``{"messages": [{"recipient", "message-id", "sms": {"originator", "content":
{"text"}}}]}``. Any 2xx means accepted; a 4xx carries ``{"error-code",
"error-description"}`` (100 internal, 101 syntax, 102 account locked, 202 empty
recipient, 205 empty message-id, 401 empty originator, 404 empty content, 407 bad
TTL). Our ``client_ref`` is the ``message-id``, so it is also the id delivery reports
name; their format is agreed per contract (unverified), so :meth:`_parse_report`
reads ``message-id``/``message_id``/``msgid`` and ``status``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base import (
    DeliveryReport,
    HttpProvider,
    SendResult,
    first_value,
    json_body,
    raw_report,
    report_status,
)
from ..config import ConfigReader, http_options

DEFAULT_ORIGINATOR = "3700"
#: Error codes that are this account's problem, not the message's.
_ACCOUNT_ERRORS = {102, 401}
#: Error codes worth retrying.
_TRANSIENT_ERRORS = {100}


class PlayMobileProvider(HttpProvider):
    """A Play Mobile broker-API account."""

    kind = "playmobile"

    def __init__(
        self,
        *,
        base_url: str,
        login: str,
        password: str,
        originator: str = DEFAULT_ORIGINATOR,
        name: str = "playmobile",
        **options: Any,
    ) -> None:
        super().__init__(name, base_url, **options)
        self.http.auth = (login, password)
        self.originator = originator

    @classmethod
    def from_config(cls, cfg: ConfigReader) -> PlayMobileProvider:
        """Keys: ``base_url`` (required: issued with the contract), ``login``,
        ``password`` (HTTP Basic), ``originator`` (default "3700") and the HTTP
        provider keys."""
        return cls(
            login=cfg.string("login"),
            password=cfg.string("password"),
            originator=cfg.string("originator", DEFAULT_ORIGINATOR),
            **http_options(cfg),
        )

    def _send(self, to: str, text: str, client_ref: str) -> SendResult:
        payload = {
            "messages": [
                {
                    "recipient": to,
                    "message-id": client_ref,
                    "sms": {
                        "originator": self.originator,
                        "content": {"text": text},
                    },
                }
            ]
        }
        response = self._request("POST", "/broker-api/send", json=payload)
        if response.ok:
            return SendResult.ok(client_ref, response.text, status="queued")
        body = json_body(response)
        if not isinstance(body, Mapping) or "error-code" not in body:
            return self._http_failure(response)
        code = _int(body.get("error-code"))
        error = f"play mobile {code}: {body.get('error-description') or 'error'}"
        if response.status_code >= 500 or code in _TRANSIENT_ERRORS:
            return SendResult.transient(error, response.text)
        if response.status_code in (401, 403) or code in _ACCOUNT_ERRORS:
            return SendResult.unavailable(error, response.text)
        return SendResult.rejected(error, response.text)

    def _parse_report(self, data: Mapping[str, Any]) -> DeliveryReport | None:
        messages = data.get("messages")
        if isinstance(messages, list) and len(messages) == 1:
            if not isinstance(messages[0], Mapping):
                return None
            data = messages[0]
        ref = first_value(data, "message-id", "message_id", "msgid")
        if ref is None:
            return None
        return DeliveryReport(
            ref,
            ref,
            report_status(first_value(data, "status", "state")),
            first_value(data, "error-description", "error", "error-code"),
            raw_report(data),
        )


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
