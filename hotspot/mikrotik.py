"""The login-page helpers now live in :mod:`hotspot.routers.login`; this name stays
importable for code written against it."""

from .routers.login import (
    DEFAULT_HOTSPOT_HOSTS,
    chap_password_for,
    decode_chap_id,
    decode_octal,
    is_chap_challenge,
    is_hotspot_link,
    is_router_link,
    link_host,
)

__all__ = [
    "DEFAULT_HOTSPOT_HOSTS",
    "chap_password_for",
    "decode_chap_id",
    "decode_octal",
    "is_chap_challenge",
    "is_hotspot_link",
    "is_router_link",
    "link_host",
]
