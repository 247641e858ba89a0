"""Errors a guest can meet: a message key and its English text.

The key travels (RADIUS Reply-Message carries the English text, the portal looks the
key up in the guest's language); never a traceback.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "router_unknown": "This hotspot is not registered.",
    "router_disabled": "This hotspot is switched off.",
    "unknown_user": "Unknown voucher code.",
    "wrong_venue": "This voucher is not valid at this venue.",
    "wrong_pin": "Wrong PIN.",
    "voucher_revoked": "This voucher has been revoked.",
    "voucher_expired": "This voucher has expired.",
    "time_used": "No time is left on this voucher.",
    "data_used": "No data is left on this voucher.",
    "balance_used": "The balance of this card is used up.",
    "device_limit": "This voucher is already in use on another device.",
    "pin_locked": "Too many wrong PINs. Please try again in 15 minutes.",
    # Card numbers or PINs guessed at this router: the same words as for a card.
    "guess_locked": "Too many wrong PINs. Please try again in 15 minutes.",
    "ticket_expired": "Your login has expired, please start again.",
    "identification_expired": "Please confirm your phone number again.",
    "phone_blocked": "Sorry, access from this phone number is not available here.",
    "phone_invalid": "Please enter a valid mobile phone number.",
    "code_wrong": "Wrong code, please try again.",
    "code_expired": "The code has expired, please request a new one.",
    "code_attempts": "Too many wrong codes, please request a new one.",
    "sms_cooldown": "Please wait before requesting another code.",
    "sms_limit": "Too many codes requested, please try again later.",
    "sms_failed": "The SMS could not be sent, please try again.",
    "document_not_found": "We could not find this registration, please check it.",
    "documents_disabled": "Login by documents is not available here.",
    "document_attempts": "Too many attempts, please try again later.",
    "service_unavailable": "The service is temporarily unavailable, please try again.",
    "bad_request": "The request could not be understood.",
    "guest_off": "Free access is not offered here.",
    "identification_required": (
        "Please identify yourself first, with your phone number or a document."
    ),
    "guest_used_up": "Your free access is used up.",
    "ad_pending": "Please watch the ad first.",
}


def message(key: str) -> str:
    return MESSAGES.get(key, key)


#: Reply-Message text -> key, so the portal can translate what the router relays.
KEY_BY_MESSAGE: dict[str, str] = {text: key for key, text in MESSAGES.items()}
