"""A configurable HTTP gateway: one URL, a body built from a template.

Many local gateways (and PacketFence's "SMSApi") are one HTTP call. The template is
a mapping whose string values may hold the placeholders ``{to}`` (E.164 digits),
``{to_plus}`` ("+" and digits), ``{text}``, ``{client_ref}``, ``{sender}`` and
``{callback_url}``; it is sent as JSON, as a form, or (for GET) as the query string.
Any 2xx is success; the gateway's message id is read from the JSON answer at
``message_id_path`` (dotted, list indexes allowed: ``data.messages.0.id``).

Delivery reports must carry ``?token=<callback_token>`` in their URL; their field
names are configurable (``report_id_field`` …). Where the gateway tells the
account's balance, ``balance_url`` (a GET with the same headers and Basic auth)
and ``balance_path`` (dotted, in its JSON answer) read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ..base import (
    GatewayError,
    HttpProvider,
    SendResult,
    SmsConfigError,
    json_body,
)
from ..config import ConfigReader, http_options

PLACEHOLDERS = ("to", "to_plus", "text", "client_ref", "sender", "callback_url")
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
DEFAULT_BODY: dict[str, Any] = {
    "to": "{to}",
    "text": "{text}",
    "client_ref": "{client_ref}",
}


class GenericProvider(HttpProvider):
    """An HTTP gateway described by configuration."""

    kind = "generic"

    def __init__(
        self,
        *,
        url: str,
        method: str = "POST",
        headers: Mapping[str, str] | None = None,
        body_format: str = "json",
        body: Mapping[str, Any] | None = None,
        message_id_path: str | None = None,
        sender: str = "",
        username: str | None = None,
        password: str | None = None,
        report_id_field: str = "id",
        report_ref_field: str = "client_ref",
        report_status_field: str = "status",
        report_error_field: str = "error",
        balance_url: str | None = None,
        balance_path: str | None = None,
        name: str = "generic",
        **options: Any,
    ) -> None:
        super().__init__(name, url, **options)
        self.method = method.upper()
        self.body_format = body_format
        self.template = dict(DEFAULT_BODY if body is None else body)
        flat = self.method == "GET" or body_format == "form"
        check_template(self.template, flat=flat)
        self.message_id_path = message_id_path
        self.sender = sender
        self.balance_url = balance_url
        self.balance_path = balance_path
        self.http.headers.update(headers or {})
        if username:
            self.http.auth = (username, password or "")
        self.report_fields = (
            (report_id_field,),
            (report_ref_field,),
            (report_status_field,),
            (report_error_field,),
        )

    @classmethod
    def from_config(cls, cfg: ConfigReader) -> GenericProvider:
        """Keys: ``url`` (required), ``method`` (POST/GET/PUT, default POST),
        ``headers`` (mapping, e.g. an ``Authorization`` header), ``body_format``
        (json/form, default json), ``body`` (template mapping), ``message_id_path``,
        ``sender``, ``username``/``password`` (Basic auth), ``report_id_field``
        ("id"), ``report_ref_field`` ("client_ref"), ``report_status_field``
        ("status"), ``report_error_field`` ("error"), ``balance_url`` and
        ``balance_path`` (both or neither), and the HTTP provider keys except
        ``base_url``."""
        headers = cfg.mapping("headers", {})
        if not all(isinstance(v, str) for v in headers.values()):
            raise SmsConfigError("generic provider: 'headers' values must be strings")
        body = cfg.mapping("body", DEFAULT_BODY)
        method = cfg.choice("method", ("post", "get", "put"), "post")
        body_format = cfg.choice("body_format", ("json", "form"), "json")
        try:
            check_template(body, flat=method == "get" or body_format == "form")
        except ValueError as exc:
            raise SmsConfigError(f"generic provider: 'body' {exc}") from None
        balance_url = cfg.url("balance_url", None)
        balance_path = cfg.string("balance_path", None)
        if (balance_url is None) != (balance_path is None):
            raise SmsConfigError(
                "generic provider: 'balance_url' and 'balance_path' go together"
            )
        return cls(
            url=cfg.url("url"),
            balance_url=balance_url,
            balance_path=balance_path,
            method=method,
            headers=headers,
            body_format=body_format,
            body=body,
            message_id_path=cfg.string("message_id_path", None),
            sender=cfg.string("sender", ""),
            username=cfg.string("username", None),
            password=cfg.string("password", None),
            report_id_field=cfg.string("report_id_field", "id"),
            report_ref_field=cfg.string("report_ref_field", "client_ref"),
            report_status_field=cfg.string("report_status_field", "status"),
            report_error_field=cfg.string("report_error_field", "error"),
            **http_options(cfg, base_url=False),
        )

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path  # the balance URL
        return self.base_url + path if path else self.base_url

    @property
    def reports_balance(self) -> bool:
        return self.balance_url is not None

    def _fetch_balance(self) -> Decimal | None:
        if self.balance_url is None or self.balance_path is None:
            return None
        response = self._request("GET", self.balance_url)
        if not response.ok:
            raise GatewayError(
                self._http_failure(response, response.text[:200].strip())
            )
        value = dig(json_body(response), self.balance_path)
        if value is None or isinstance(value, Mapping | list | bool):
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return None
        return amount if amount.is_finite() else None

    def _send(self, to: str, text: str, client_ref: str) -> SendResult:
        values = {
            "to": to,
            "to_plus": "+" + to,
            "text": text,
            "client_ref": client_ref,
            "sender": self.sender,
            "callback_url": self._callback_url() or "",
        }
        payload = render(self.template, values)
        if self.method == "GET":
            kwargs: dict[str, Any] = {"params": payload}
        elif self.body_format == "form":
            kwargs = {"data": payload}
        else:
            kwargs = {"json": payload}
        response = self._request(self.method, "", **kwargs)
        if not response.ok:
            return self._http_failure(response, response.text[:200].strip())
        message_id = None
        if self.message_id_path:
            found = dig(json_body(response), self.message_id_path)
            message_id = None if found is None else str(found)
        return SendResult.ok(message_id, response.text)


def check_template(template: Any, *, flat: bool) -> None:
    """Raise ``ValueError`` on unknown placeholders, or nesting in a flat body."""
    if isinstance(template, Mapping):
        for value in template.values():
            if flat and isinstance(value, Mapping | list):
                raise ValueError("must be flat for forms and GET queries")
            check_template(value, flat=flat)
    elif isinstance(template, list):
        for value in template:
            check_template(value, flat=flat)
    elif isinstance(template, str):
        for name in _PLACEHOLDER_RE.findall(template):
            if name not in PLACEHOLDERS:
                raise ValueError(
                    f"has unknown placeholder {{{name}}} "
                    f"(known: {', '.join(PLACEHOLDERS)})"
                )


def render(template: Any, values: Mapping[str, str]) -> Any:
    """``template`` with placeholders replaced in one pass (a text containing
    "{to}" stays as it is)."""
    if isinstance(template, Mapping):
        return {key: render(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [render(value, values) for value in template]
    if isinstance(template, str):
        return _PLACEHOLDER_RE.sub(
            lambda m: values.get(m.group(1), m.group(0)), template
        )
    return template


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path (``a.b.0.c``) in decoded JSON, else ``None``."""
    for part in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data
