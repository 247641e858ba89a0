"""MikroTik hotspot login-page conventions the portal relies on (docs/mikrotik.md)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from urllib.parse import unquote, urlsplit


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


_OCTAL_TEXT = re.compile(r"(\\[0-7]{3})+")


def octal_text(value: str) -> str:
    """``$(chap-id)``/``$(chap-challenge)`` in the form :func:`decode_octal` reads.

    A login.html that builds a GET URL in JavaScript turns the backslash-octal text
    into characters (``'\\371'`` is U+00F9), which arrive UTF-8 encoded: each code
    point then stands for one byte (a backslash among them too), written back as
    octal here. Text that already is backslash-octal (a form post) is returned as it
    is, and so is anything that is not one byte per character (left to the
    checks)."""
    if not value or _OCTAL_TEXT.fullmatch(value) or any(ord(c) > 0xFF for c in value):
        return value
    return "".join(f"\\{ord(c):03o}" for c in value)


def router_context(values: Mapping[str, str], names: Sequence[str]) -> dict[str, str]:
    """The router's servlet variables as the stock templates send them: posted or
    in the query string, by their name or their URL-escaped ``-esc`` variant
    (``$(mac-esc)``, ``$(link-orig-esc)``), with the CHAP fields as octal text."""
    out = {}
    for name in names:
        value = values.get(name)
        if value is None and (escaped := values.get(f"{name}-esc")) is not None:
            value = unquote(escaped)
        value = (value or "")[:512]
        out[name] = octal_text(value) if name.startswith("chap-") else value
    return out
