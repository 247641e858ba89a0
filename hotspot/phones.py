"""Phone numbers: typed any common way, stored as E.164 digits without '+'."""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers


def normalise_phone(
    text: str, allowed_regions: Iterable[str] = ("UZ",), default_region: str = "UZ"
) -> str | None:
    """``"90 123-45-67"``, ``"+998 (90) 123 45 67"`` -> ``"998901234567"``; None when
    it is not a valid mobile/fixed number of an allowed country."""
    text = (text or "").strip()
    if not text or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    region = phonenumbers.region_code_for_number(number)
    allowed = {r.upper() for r in allowed_regions}
    if "*" not in allowed and region not in allowed:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def mask(phone: str) -> str:
    """For logs: ``998901234567`` -> ``99890*****67``; never the full number."""
    from .sms.base import mask_phone

    return mask_phone(phone)


def display(phone: str) -> str:
    """``998901234567`` -> ``+998 90 123 45 67`` for pages."""
    try:
        number = phonenumbers.parse("+" + phone)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def display_masked(phone: str) -> str:
    """For pages: ``998901234567`` -> ``+998 90 *** ** 67``: the guest recognises
    the number, whoever reads the page cannot learn it."""
    shown = iter(mask(phone))
    return "".join(next(shown, "*") if ch.isdigit() else ch for ch in display(phone))
