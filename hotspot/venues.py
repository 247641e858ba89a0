"""Per-venue settings: what an owner may change about their venues, validated.

Stored as ``owners.policy`` (JSON) and ``owners.guest_tariff_id``; read back through
:class:`~hotspot.services.identification.OwnerPolicy`, which clamps whatever is
stored to safe bounds. Changing them goes through :func:`update_settings`, which
refuses (with the setting's name and the reason) what reading would clamp, so an
owner is never surprised by a value silently changed. The CLI (``hotspot owner
set``) and the API (``PATCH /api/v1/settings``) both call it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from .errors import InvalidInput
from .models import Owner, Tariff
from .services.identification import (
    MAX_CODE_TTL,
    MAX_IDENTIFICATION_HOURS,
    OwnerPolicy,
)
from .services.tariffs import get_tariff

Parser = Callable[[Any], Any]


@dataclass(frozen=True)
class Setting:
    name: str
    help: str
    parse: Parser


def _whole(low: int, high: int) -> Parser:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, str):
            value = value.strip()
            if not re.fullmatch(r"-?[0-9]{1,9}", value):
                raise ValueError
        if not isinstance(value, int | str):
            raise ValueError
        number = int(value)
        if not low <= number <= high:
            raise ValueError
        return number

    parse.__doc__ = f"a whole number from {low} to {high}"
    return parse


def _names(check: Callable[[str], bool], what: str, allow_empty: bool) -> Parser:
    def parse(value: Any) -> list[str]:
        if isinstance(value, str):
            items = [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = [v.strip() for v in value]
        else:
            raise ValueError
        if (not items and not allow_empty) or not all(check(i) for i in items):
            raise ValueError
        return list(dict.fromkeys(items))

    parse.__doc__ = what
    return parse


def _pattern(value: Any) -> str:
    """a regular expression of at most 200 characters"""
    if not isinstance(value, str) or not 0 < len(value) <= 200:
        raise ValueError
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError from exc
    return value


_REGION = re.compile(r"^(\*|[A-Z]{2})$")

#: What an owner may set, with the bounds the law and the product allow (the same
#: bounds OwnerPolicy clamps stored values to).
SETTINGS: tuple[Setting, ...] = (
    Setting("otp_length", "digits of the SMS code", _whole(4, 6)),
    Setting("otp_ttl", "seconds an SMS code is valid", _whole(60, MAX_CODE_TTL)),
    Setting(
        "otp_max_attempts", "wrong codes before a new one is needed", _whole(1, 10)
    ),
    Setting("sms_cooldown", "seconds before 'send again'", _whole(15, 3600)),
    Setting("sms_per_phone_hour", "SMS per phone an hour", _whole(1, 100)),
    Setting("sms_per_mac_hour", "SMS per device an hour", _whole(1, 100)),
    Setting("sms_per_router_hour", "SMS per router an hour", _whole(1, 100_000)),
    Setting("sms_per_ip_hour", "SMS per client address an hour", _whole(1, 100_000)),
    Setting("sms_router_daily_budget", "SMS per router a day", _whole(1, 1_000_000)),
    Setting(
        "phone_regions",
        "regions whose phone numbers are accepted",
        _names(
            lambda r: bool(_REGION.match(r)),
            "region codes like UZ,KZ, or * for any",
            False,
        ),
    ),
    Setting(
        "documents",
        "document logins offered",
        _names(lambda d: d in ("hotel", "ticket"), "hotel and/or ticket", True),
    ),
    Setting("ticket_pattern", "what a travel ticket number looks like", _pattern),
    Setting(
        "document_attempts_per_reference",
        "document logins an hour per room or ticket number that match nothing",
        _whole(1, 20),
    ),
    Setting(
        "document_attempts_per_ip",
        "document logins an hour per client address that match nothing",
        _whole(1, 100_000),
    ),
    Setting(
        "document_attempts_per_router",
        "document logins an hour per router that match nothing",
        _whole(1, 100_000),
    ),
    Setting(
        "identification_hours",
        "hours an identification lasts",
        _whole(1, MAX_IDENTIFICATION_HOURS),
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}
#: Settings stored outside owners.policy.
OTHER = ("guest_tariff", "display_name", "sms_providers", "timezone")
#: The time zone of a venue's statistics when the owner has set none.
DEFAULT_TIMEZONE = "Asia/Tashkent"


def owner_timezone(owner: Owner) -> str:
    """The IANA time zone the owner's statistics are shown in."""
    zone = (owner.policy or {}).get("timezone")
    return zone if isinstance(zone, str) and _is_zone(zone) else DEFAULT_TIMEZONE


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return False
    return "/" in name or name == "UTC"


def venue_settings(session: Session, owner: Owner) -> dict[str, Any]:
    """Every setting's value in force (defaults included)."""
    policy = OwnerPolicy.of(owner)
    values: dict[str, Any] = {s.name: getattr(policy, s.name) for s in SETTINGS}
    for name, value in values.items():
        if isinstance(value, tuple):
            values[name] = list(value)
    values["sms_providers"] = list((owner.policy or {}).get("sms_providers") or [])
    guest = (
        session.get(Tariff, owner.guest_tariff_id) if owner.guest_tariff_id else None
    )
    values["guest_tariff"] = guest.name if guest else None
    values["display_name"] = owner.display_name
    values["timezone"] = owner_timezone(owner)
    return values


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """``name=value`` words (the CLI's form) as a mapping."""
    changes: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"expected name=value, got {pair!r}")
        changes[name.strip()] = value
    return changes


def update_settings(
    session: Session,
    owner: Owner,
    changes: Mapping[str, Any],
    gateways: Iterable[str] = (),
) -> dict[str, Any]:
    """Apply ``changes`` (all or nothing) and return the settings in force.

    ``gateways``: the names of the SMS gateways the installation has configured
    (what ``sms_providers`` may name). A value of None or "" resets a policy
    setting to its default."""
    known = sorted([*BY_NAME, *OTHER])
    policy = dict(owner.policy or {})
    for name, value in changes.items():
        if name not in BY_NAME and name not in OTHER:
            raise InvalidInput(
                f"unknown setting {name!r}; settings: {', '.join(known)}"
            )
        if name in BY_NAME:
            if value is None or value == "":
                policy.pop(name, None)
                continue
            setting = BY_NAME[name]
            try:
                policy[name] = setting.parse(value)
            except ValueError:
                raise InvalidInput(
                    f"{name}: expected {setting.parse.__doc__}, got {value!r}"
                ) from None
    if "sms_providers" in changes:
        policy = _set_gateways(policy, changes["sms_providers"], list(gateways))
    if "guest_tariff" in changes:
        tariff = changes["guest_tariff"]
        if tariff not in (None, "") and not isinstance(tariff, str):
            raise InvalidInput("guest_tariff: expected a tariff name")
        owner.guest_tariff_id = (
            get_tariff(session, owner, tariff).id if tariff else None
        )
    if "display_name" in changes:
        name = changes["display_name"]
        if not isinstance(name, str) or not 0 < len(name.strip()) <= 200:
            raise InvalidInput("display_name: expected 1 to 200 characters")
        owner.display_name = name.strip()
    if "timezone" in changes:
        policy = _set_timezone(policy, changes["timezone"])
    owner.policy = policy
    session.flush()
    return venue_settings(session, owner)


def _set_timezone(policy: dict[str, Any], value: Any) -> dict[str, Any]:
    if value is None or value == "":
        policy.pop("timezone", None)
    elif isinstance(value, str) and _is_zone(value.strip()):
        policy["timezone"] = value.strip()
    else:
        raise InvalidInput(
            f"timezone: expected a time zone like Asia/Tashkent, got {value!r}"
        )
    return policy


def _set_gateways(
    policy: dict[str, Any], value: Any, gateways: list[str]
) -> dict[str, Any]:
    if value is None or value == "" or value == []:
        policy.pop("sms_providers", None)
        return policy
    parse = _names(lambda n: n in gateways, "names of configured SMS gateways", False)
    try:
        policy["sms_providers"] = parse(value)
    except ValueError:
        raise InvalidInput(
            f"sms_providers: expected names of configured SMS gateways "
            f"({', '.join(gateways) or 'none configured'}), got {value!r}"
        ) from None
    return policy
