"""Twilio Programmable Messaging.

``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with Basic auth
(AccountSid:AuthToken, or an API key SID:secret) and the form ``To`` (+E.164),
``From`` or ``MessagingServiceSid``, ``Body``, ``StatusCallback``; the answer is JSON
with ``sid`` and ``status``, errors are JSON ``{code, message, status}``. Status
callbacks POST ``MessageSid``, ``MessageStatus``, ``ErrorCode`` and are signed:
``X-Twilio-Signature`` = base64(HMAC-SHA1(auth token, URL + sorted name+value
pairs)). The balance is ``GET .../Accounts/{sid}/Balance.json``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from ..base import (
    DeliveryReport,
    GatewayError,
    HttpProvider,
    SendResult,
    SmsConfigError,
    first_value,
    header,
    json_body,
    raw_report,
    report_status,
)
from ..config import ConfigReader, http_options

log = logging.getLogger("hotspot.sms")

DEFAULT_BASE_URL = "https://api.twilio.com"
#: Error codes that are the account's or configuration's problem: another gateway
#: may still deliver (auth, sender, geographic permissions, suspended account).
_ACCOUNT_ERRORS = {20003, 20005, 20008, 21212, 21408, 21603, 21606, 21659, 30002}


class TwilioProvider(HttpProvider):
    """A Twilio account (or subaccount)."""

    kind = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        api_key_sid: str | None = None,
        api_key_secret: str | None = None,
        name: str = "twilio",
        base_url: str = DEFAULT_BASE_URL,
        **options: Any,
    ) -> None:
        super().__init__(name, base_url, **options)
        if not from_number and not messaging_service_sid:
            raise ValueError("twilio needs from_number or messaging_service_sid")
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.http.auth = (
            (api_key_sid, api_key_secret or "")
            if api_key_sid
            else (account_sid, auth_token)
        )

    @classmethod
    def from_config(cls, cfg: ConfigReader) -> TwilioProvider:
        """Keys: ``account_sid``, ``auth_token`` (also verifies callbacks),
        ``from_number`` (+E.164 or alphanumeric sender) and/or
        ``messaging_service_sid``, optional ``api_key_sid`` + ``api_key_secret`` for
        Basic auth, and the HTTP provider keys (``callback_url`` becomes
        ``StatusCallback``; no ``callback_token`` needed)."""
        account_sid = cfg.string("account_sid")
        auth_token = cfg.string("auth_token")
        from_number = cfg.string("from_number", None)
        service = cfg.string("messaging_service_sid", None)
        key_sid = cfg.string("api_key_sid", None)
        key_secret = cfg.string("api_key_secret", None)
        if not from_number and not service:
            raise _config_error("needs 'from_number' or 'messaging_service_sid'")
        if bool(key_sid) != bool(key_secret):
            raise _config_error("'api_key_sid' and 'api_key_secret' go together")
        return cls(
            account_sid=account_sid,
            auth_token=auth_token,
            from_number=from_number,
            messaging_service_sid=service,
            api_key_sid=key_sid,
            api_key_secret=key_secret,
            **http_options(cfg, DEFAULT_BASE_URL),
        )

    def _account_path(self, tail: str) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/{tail}"

    def _send(self, to: str, text: str, client_ref: str) -> SendResult:
        form = {"To": "+" + to, "Body": text}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        if self.from_number:
            form["From"] = self.from_number
        callback_url = self._callback_url()
        if callback_url:
            form["StatusCallback"] = callback_url
        response = self._request("POST", self._account_path("Messages.json"), data=form)
        body = json_body(response)
        raw = _without_body(body, response)
        if not response.ok:
            return self._failure(response, body, raw)
        if not isinstance(body, Mapping) or not body.get("sid"):
            return SendResult.transient("twilio answer without a sid", raw)
        status = str(body.get("status") or "queued")
        return SendResult.ok(
            str(body["sid"]), raw, status="sent" if status == "sent" else "queued"
        )

    @staticmethod
    def _failure(response: requests.Response, body: Any, raw: str) -> SendResult:
        if not isinstance(body, Mapping) or "code" not in body:
            return HttpProvider._http_failure(response)
        code = body.get("code")
        error = f"twilio {code}: {body.get('message') or 'error'}"
        status = response.status_code
        if status >= 500 or status == 429:
            return SendResult.transient(error, raw)
        if status in (401, 403) or code in _ACCOUNT_ERRORS:
            return SendResult.unavailable(error, raw)
        return SendResult.rejected(error, raw)

    def _fetch_balance(self) -> Decimal | None:
        response = self._request("GET", self._account_path("Balance.json"))
        body = json_body(response)
        if not response.ok or not isinstance(body, Mapping):
            raise GatewayError(self._http_failure(response))
        try:
            return Decimal(str(body["balance"]))
        except (KeyError, InvalidOperation):
            return None

    # -- status callbacks --------------------------------------------------------

    def signature(self, url: str, params: Mapping[str, Any]) -> str:
        """Twilio's request signature of a form POST to ``url``."""
        payload = url
        for key in sorted(set(params)):
            for value in sorted(set(_values(params, key))):
                payload += key + value
        digest = hmac.new(
            self._auth_token.encode(), payload.encode(), hashlib.sha1
        ).digest()
        return base64.b64encode(digest).decode()

    def verify_signature(
        self, url: str, params: Mapping[str, Any], signature: str | None
    ) -> bool:
        """Whether ``signature`` signs ``params`` POSTed to ``url``; the URL is also
        tried with and without its default port, as Twilio's own validators do."""
        if not signature:
            return False
        return any(
            hmac.compare_digest(self.signature(candidate, params), signature)
            for candidate in _url_variants(url)
        )

    def parse_report(
        self, form_or_json: Mapping[str, Any], headers: Mapping[str, str], url: str
    ) -> DeliveryReport | None:
        """Verify ``X-Twilio-Signature`` (``url`` must be the public URL Twilio
        called, query included), then read ``MessageSid``/``MessageStatus``."""
        if not self.verify_signature(
            url, form_or_json, header(headers, "X-Twilio-Signature")
        ):
            log.warning("sms report for %s refused: bad signature", self.name)
            return None
        sid = first_value(form_or_json, "MessageSid", "SmsSid")
        if sid is None:
            return None
        code = first_value(form_or_json, "ErrorCode")
        return DeliveryReport(
            sid,
            None,
            report_status(first_value(form_or_json, "MessageStatus", "SmsStatus")),
            f"twilio {code}" if code and code != "0" else None,
            raw_report(form_or_json),
        )


def _values(params: Mapping[str, Any], key: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    if callable(getlist):
        return [str(v) for v in getlist(key)]
    value = params[key]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _url_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    variants = [url]
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    if parts.port is None and default:
        with_port = parts._replace(netloc=_netloc(parts, f"{host}:{default}"))
        variants.append(urlunsplit(with_port))
    elif parts.port == default:
        variants.append(urlunsplit(parts._replace(netloc=_netloc(parts, host))))
    return variants


def _netloc(parts: Any, hostport: str) -> str:
    userinfo = parts.netloc.rpartition("@")[0]
    return f"{userinfo}@{hostport}" if userinfo else hostport


def _without_body(body: Any, response: requests.Response) -> str:
    """Twilio echoes the message text (``body``): keep it out of ``raw``."""
    if isinstance(body, Mapping):
        clean = {k: v for k, v in body.items() if k != "body"}
        return json.dumps(clean, sort_keys=True, default=str)
    return response.text


def _config_error(problem: str) -> SmsConfigError:
    return SmsConfigError(f"twilio provider: {problem}")
