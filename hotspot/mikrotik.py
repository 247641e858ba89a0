"""MikroTik hotspot conventions the portal relies on (docs/mikrotik.md)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit


def decode_octal(text: str) -> bytes:
    """``$(chap-id)``/``$(chap-challenge)`` arrive as backslash-octal text
    (``\\371\\015...``): turn them into the bytes they stand for."""
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def chap_password_for(chap_id: str, password: str, chap_challenge: str) -> str:
    """What the login form sends instead of the password when the router offers
    HTTP-CHAP: ``md5(id + password + challenge)`` in hex."""
    digest = hashlib.md5(  # noqa: S324 - CHAP is MD5 by definition (RFC 1994)
        decode_octal(chap_id) + password.encode() + decode_octal(chap_challenge)
    )
    return digest.hexdigest()


def is_router_link(url: str) -> bool:
    """A link-login-only URL we may post credentials to: plain http(s) only."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
