"""Secrets at rest: PINs encrypted (CHAP needs them in clear), codes hashed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken

#: Alphabets without look-alike characters (no 0/O, 1/I/l).
DIGITS = "0123456789"
SAFE_ALNUM = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class PinCipher:
    """Encrypts voucher PINs with a Fernet key from the settings."""

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("HOTSPOT_PIN_KEY is not set")
        self._fernet = Fernet(key.encode() if isinstance(key, str) else key)

    def encrypt(self, pin: str) -> str:
        return self._fernet.encrypt(pin.encode()).decode()

    def decrypt(self, token: str) -> str | None:
        """The clear PIN, or None if the token was not made with this key."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            return None


def new_fernet_key() -> str:
    return Fernet.generate_key().decode()


def random_string(length: int, alphabet: str = DIGITS) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def ticket_password(secret_key: str, nonce: str) -> str:
    """The one-time password of a login ticket, derived so nothing secret is stored.

    Both the portal (which logs the device in) and the RADIUS module (which needs the
    clear value for CHAP) compute it from the ticket's random nonce.
    """
    mac = hmac.new(secret_key.encode(), b"ticket:" + nonce.encode(), hashlib.sha256)
    return base64.b32encode(mac.digest()[:15]).decode().lower()


def hash_secret(value: str, salt: str | None = None) -> str:
    """Salted SHA-256 for short-lived one-time codes (``salt$hex``)."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256((salt + ":" + value).encode()).hexdigest()
    return f"{salt}${digest}"


def verify_secret(value: str, hashed: str) -> bool:
    salt, _, _ = hashed.partition("$")
    return hmac.compare_digest(hash_secret(value, salt), hashed)


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
