"""Local stand-ins for the SMS gateways' HTTP APIs.

Each fake is an ``http.server`` on a free port of 127.0.0.1, run in a thread, that
answers like the real gateway (paths, auth, form/multipart/JSON bodies, status codes,
error bodies) and records every request it received (:attr:`FakeGateway.received`)
and every message it accepted (:attr:`FakeGateway.delivered`). Two knobs simulate a
sick gateway: ``fault`` (answer every request with that HTTP status) and ``stall``
(wait that many seconds before answering: longer than the client's read timeout).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    """One HTTP request as the fake saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        """An urlencoded or multipart form (one value per field)."""
        if self.content_type.startswith("multipart/form-data"):
            return multipart_fields(self.content_type, self.body)
        if self.content_type.startswith("application/x-www-form-urlencoded"):
            parsed = parse_qs(self.body.decode(), keep_blank_values=True)
            return {key: values[0] for key, values in parsed.items()}
        raise AssertionError(f"not a form: {self.content_type!r}")

    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("authorization", "")
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password

    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        return value[7:] if value.startswith("Bearer ") else None


@dataclass
class Reply:
    status: int
    body: Any = None  # a mapping/list is sent as JSON, a str as text
    headers: dict[str, str] = field(default_factory=dict)


def multipart_fields(content_type: str, body: bytes) -> dict[str, str]:
    """Parse multipart/form-data with the standard library's email parser."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    assert message.is_multipart(), "multipart body expected"
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        assert part.get_filename() is None, "form fields, not file uploads"
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        fields[str(name)] = payload.decode()
    return fields


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads
    block_on_close = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """The client may be gone (it timed out): nothing to report."""


class FakeGateway:
    """Base class: subclasses implement :meth:`handle`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.delivered: list[dict[str, Any]] = []
        self.crashes: list[BaseException] = []
        self.fault: int | None = None
        self.stall: float = 0.0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> Self:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self._answer()

            do_POST = do_PUT = do_GET  # noqa: N815

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Received(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                reply = gateway._serve(request)
                if reply is None:
                    return
                if isinstance(reply.body, Mapping | list):
                    data = json.dumps(reply.body).encode()
                    ctype = "application/json"
                else:
                    data = str(reply.body or "").encode()
                    ctype = "text/plain; charset=utf-8"
                self.send_response(reply.status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-" + type(self).__name__,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes stalled handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    # -- serving ---------------------------------------------------------------

    def _serve(self, request: Received) -> Reply | None:
        with self._lock:
            self.received.append(request)
        if self.stall and self._stopping.wait(self.stall):
            return None  # the test is over; the client left long ago
        if self.fault:
            return Reply(self.fault, {"error": "simulated fault"})
        try:
            with self._lock:
                return self.handle(request)
        except Exception as exc:  # a bug in the fake: make the test fail loudly
            self.crashes.append(exc)
            return Reply(599, "fake crashed")

    def handle(self, request: Received) -> Reply:
        raise NotImplementedError

    def requests_to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


class EskizFake(FakeGateway):
    """notify.eskiz.uz/api: JWT login, multipart send, get-limit."""

    EMAIL = "venue@example.uz"
    PASSWORD = "eskiz-secret"

    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()
        self.logins = 0
        self.balance = Decimal("1500.00")
        self.refuse_all_tokens = False  # 401 even for fresh tokens
        self.invalid_numbers: set[str] = set()

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def handle(self, request: Received) -> Reply:
        if request.path == "/auth/login" and request.method == "POST":
            form = request.form()
            self.logins += 1
            if (form.get("email"), form.get("password")) != (self.EMAIL, self.PASSWORD):
                return Reply(401, {"message": "Invalid credentials", "status": "error"})
            token = f"eyJ.{uuid.uuid4().hex}.sig"
            self.tokens.add(token)
            return Reply(
                200,
                {
                    "message": "token_generated",
                    "data": {"token": token},
                    "token_type": "bearer",
                },
            )
        if request.bearer() not in self.tokens or self.refuse_all_tokens:
            return Reply(401, {"status": "token-invalid", "message": "Expired"})
        if request.path == "/message/sms/send" and request.method == "POST":
            assert request.content_type.startswith("multipart/form-data")
            form = request.form()
            phone = form.get("mobile_phone", "")
            if not re.fullmatch(r"998[0-9]{9}", phone) or phone in self.invalid_numbers:
                return Reply(
                    400,
                    {
                        "status": "error",
                        "message": {"mobile_phone": ["Invalid number"]},
                    },
                )
            if self.balance <= 0:
                return Reply(
                    400, {"status": "error", "message": "Insufficient balance"}
                )
            message_id = str(uuid.uuid4())
            self.delivered.append({"id": message_id, **form})
            self.balance -= 1
            return Reply(
                200,
                {
                    "id": message_id,
                    "message": "Waiting for SMS provider",
                    "status": "waiting",
                },
            )
        if request.path == "/user/get-limit" and request.method == "GET":
            return Reply(
                200, {"status": "success", "data": {"balance": float(self.balance)}}
            )
        return Reply(404, {"message": "Not found"})


class PlayMobileFake(FakeGateway):
    """Play Mobile broker API: Basic auth, JSON messages, 400 error bodies."""

    LOGIN = "venue"
    PASSWORD = "pm-secret"

    def __init__(self) -> None:
        super().__init__()
        #: One-shot error: (HTTP status, error-code, error-description).
        self.next_error: tuple[int, int, str] | None = None

    def handle(self, request: Received) -> Reply:
        if request.path != "/broker-api/send" or request.method != "POST":
            return Reply(404, "Not Found")
        if request.basic_auth() != (self.LOGIN, self.PASSWORD):
            return Reply(401, "")
        if self.next_error:
            status, code, description = self.next_error
            self.next_error = None
            return Reply(status, {"error-code": code, "error-description": description})
        assert request.content_type.startswith("application/json")
        try:
            messages = request.json()["messages"]
        except (ValueError, KeyError, TypeError):
            return Reply(400, {"error-code": 101, "error-description": "Syntax error"})
        for message in messages:
            sms = message.get("sms") or {}
            for code, ok, description in (
                (202, message.get("recipient"), "Empty recipient"),
                (205, message.get("message-id"), "Empty message-id"),
                (401, sms.get("originator"), "Empty originator"),
                (404, (sms.get("content") or {}).get("text"), "Empty content"),
            ):
                if not ok:
                    return Reply(
                        400, {"error-code": code, "error-description": description}
                    )
        self.delivered.extend(messages)
        return Reply(200, "Request is received")


class TwilioFake(FakeGateway):
    """api.twilio.com Messages and Balance resources."""

    ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
    AUTH_TOKEN = "twilio-auth-token-0001"

    def __init__(self) -> None:
        super().__init__()
        self.invalid_numbers: set[str] = set()

    def _error(self, status: int, code: int, message: str) -> Reply:
        return Reply(
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def handle(self, request: Received) -> Reply:
        prefix = f"/2010-04-01/Accounts/{self.ACCOUNT_SID}/"
        if not request.path.startswith(prefix):
            return self._error(404, 20404, "The requested resource was not found")
        if request.basic_auth() != (self.ACCOUNT_SID, self.AUTH_TOKEN):
            return self._error(401, 20003, "Authenticate")
        resource = request.path[len(prefix) :]
        if resource == "Balance.json" and request.method == "GET":
            return Reply(
                200,
                {
                    "account_sid": self.ACCOUNT_SID,
                    "balance": "12.50",
                    "currency": "USD",
                },
            )
        if resource != "Messages.json" or request.method != "POST":
            return self._error(404, 20404, "The requested resource was not found")
        form = request.form()
        to = form.get("To", "")
        if not re.fullmatch(r"\+[1-9][0-9]{6,14}", to) or to in self.invalid_numbers:
            return self._error(
                400, 21211, f"The 'To' number {to} is not a valid phone number."
            )
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return self._error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body"):
            return self._error(400, 21602, "Message body is required.")
        sid = "SM" + uuid.uuid4().hex
        self.delivered.append({"sid": sid, **form})
        return Reply(
            201,
            {
                "sid": sid,
                "account_sid": self.ACCOUNT_SID,
                "to": to,
                "from": form.get("From"),
                "body": form["Body"],
                "status": "queued",
                "num_segments": "1",
                "error_code": None,
                "error_message": None,
            },
        )


class GenericFake(FakeGateway):
    """A typical one-call HTTP gateway with an API key header."""

    API_KEY = "generic-key-123"
    #: What ``GET /api/v1/balance`` answers (``{"account": {"balance": ...}}``).
    balance: Any = "2500.75"

    def handle(self, request: Received) -> Reply:
        if request.path == "/api/v1/balance" and request.method == "GET":
            if request.headers.get("x-api-key") != self.API_KEY:
                return Reply(401, {"error": "bad key"})
            return Reply(200, {"account": {"balance": self.balance}})
        if request.path != "/api/v1/sms":
            return Reply(404, "no such path")
        if request.headers.get("x-api-key") != self.API_KEY:
            return Reply(401, {"error": "bad key"})
        if request.method == "GET":
            fields: Any = {k: v[0] for k, v in request.query.items()}
        elif request.content_type.startswith("application/json"):
            fields = request.json()
        else:
            fields = request.form()
        message_id = f"gen-{len(self.delivered) + 1}"
        self.delivered.append({"id": message_id, "fields": fields})
        return Reply(200, {"ok": True, "result": {"messages": [{"id": message_id}]}})
