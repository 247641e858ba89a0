"""MikroTik hotspot login-page conventions the portal relies on (docs/mikrotik.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
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


#: The address RouterOS's hotspot setup gives the hotspot (``$(link-login-only)``
#: is then ``http://10.5.50.1/login``): a router's default allowed hotspot host.
DEFAULT_HOTSPOT_HOSTS = ("10.5.50.1",)


def link_host(url: str) -> str | None:
    """The host of a link-login-only URL we may post to (lower case), or None."""
    if not is_router_link(url):
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def is_hotspot_link(url: str, hotspot_hosts: Sequence[str]) -> bool:
    """``link-login-only`` points at one of the router's own hotspot hosts
    (``hotspot_hosts``; empty: :data:`DEFAULT_HOTSPOT_HOSTS`)."""
    host = link_host(url)
    allowed = {h.lower() for h in hotspot_hosts or DEFAULT_HOTSPOT_HOSTS}
    return host is not None and host in allowed


def decode_chap_id(chap_id: str) -> bytes | None:
    """The one-byte CHAP identifier ``$(chap-id)`` stands for, or None when it is not
    one (then no CHAP response can be made from it)."""
    try:
        raw = decode_octal(chap_id)
    except (UnicodeError, ValueError):
        return None
    return raw if len(raw) == 1 else None


def is_chap_challenge(chap_challenge: str) -> bool:
    try:
        decode_octal(chap_challenge)
    except (UnicodeError, ValueError):
        return False
    return True
