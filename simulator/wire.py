"""RADIUS packets as raw bytes, for what a well-behaved client never sends.

:mod:`simulator.radius` goes through pyrad, which refuses to encode many hostile
packets (an attribute of the wrong length, a bad Message-Authenticator, a length
field that lies). Here a packet is a code, an id and a list of ``(type, value)``
attributes with byte values, signed as RFC 2865/2866/2869 say, so that only the
parts a test chooses to break are broken.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Sequence

ACCESS_REQUEST = 1
ACCESS_ACCEPT = 2
ACCESS_REJECT = 3
ACCOUNTING_REQUEST = 4
ACCOUNTING_RESPONSE = 5

USER_NAME = 1
USER_PASSWORD = 2
CHAP_PASSWORD = 3
NAS_IP_ADDRESS = 4
NAS_PORT = 5
FRAMED_IP_ADDRESS = 8
CALLING_STATION_ID = 31
NAS_IDENTIFIER = 32
ACCT_STATUS_TYPE = 40
ACCT_DELAY_TIME = 41
ACCT_INPUT_OCTETS = 42
ACCT_OUTPUT_OCTETS = 43
ACCT_SESSION_ID = 44
ACCT_SESSION_TIME = 46
ACCT_TERMINATE_CAUSE = 49
ACCT_INPUT_GIGAWORDS = 52
ACCT_OUTPUT_GIGAWORDS = 53
CHAP_CHALLENGE = 60
MESSAGE_AUTHENTICATOR = 80

START, STOP, INTERIM = 1, 2, 3

Attributes = Sequence[tuple[int, bytes]]


def u32(value: int) -> bytes:
    return struct.pack("!I", value)


def encode_attributes(attrs: Attributes) -> bytes:
    """Type, length, value; a value too long for one attribute is cut at 253."""
    out = bytearray()
    for kind, value in attrs:
        value = value[:253]
        out += bytes([kind, len(value) + 2]) + value
    return bytes(out)


def pap_hide(password: bytes, secret: bytes, authenticator: bytes) -> bytes:
    """User-Password as RFC 2865 5.2 hides it (padded to 16 bytes, at most 128)."""
    padded = password + b"\0" * (-len(password) % 16)
    padded = padded or bytes(16)
    out, last = bytearray(), authenticator
    for i in range(0, min(len(padded), 128), 16):
        key = hashlib.md5(secret + last).digest()
        last = bytes(a ^ b for a, b in zip(padded[i : i + 16], key, strict=True))
        out += last
    return bytes(out)


def access_request(
    ident: int,
    secret: bytes,
    attrs: Attributes,
    *,
    password: bytes | None = None,
    message_authenticator: str = "good",
) -> bytes:
    """An Access-Request. ``password`` becomes a hidden User-Password;
    ``message_authenticator`` is "good", "bad" (wrong value) or "none"."""
    authenticator = os.urandom(16)
    attrs = list(attrs)
    if password is not None:
        attrs.append((USER_PASSWORD, pap_hide(password, secret, authenticator)))
    if message_authenticator != "none":
        attrs.insert(0, (MESSAGE_AUTHENTICATOR, bytes(16)))
    body = encode_attributes(attrs)
    head = struct.pack("!BBH", ACCESS_REQUEST, ident, 20 + len(body)) + authenticator
    if message_authenticator == "none":
        return head + body
    mac = hmac.new(secret, head + body, hashlib.md5).digest()
    if message_authenticator == "bad":
        mac = bytes([mac[0] ^ 0xFF]) + mac[1:]
    return head + body[:2] + mac + body[18:]


def accounting_request(ident: int, secret: bytes, attrs: Attributes) -> bytes:
    """An Accounting-Request signed as RFC 2866 3 says."""
    body = encode_attributes(attrs)
    head = struct.pack("!BBH", ACCOUNTING_REQUEST, ident, 20 + len(body))
    digest = hashlib.md5(head + bytes(16) + body + secret).digest()
    return head + digest + body


def accounting_attributes(
    status: int, session_id: bytes, username: bytes, **fields: bytes | int
) -> list[tuple[int, bytes]]:
    """A router's usual Accounting-Request attributes; ``fields`` add more by the
    names above in lower case (e.g. ``acct_input_gigawords=2**32 - 1``)."""
    attrs = [
        (ACCT_STATUS_TYPE, u32(status)),
        (ACCT_SESSION_ID, session_id),
        (USER_NAME, username),
        (NAS_IP_ADDRESS, bytes([10, 0, 0, 1])),
        (ACCT_DELAY_TIME, u32(0)),
    ]
    for name, value in fields.items():
        kind = globals()[name.upper()]
        attrs.append((kind, u32(value) if isinstance(value, int) else value))
    return attrs


def reply_code(data: bytes) -> int | None:
    return data[0] if len(data) >= 20 else None
