"""Per-venue settings: what an owner may change about their venues, validated.

The one home of per-venue settings: stored as ``owners.policy`` (JSON) and
``owners.guest_tariff_id``, read back through :class:`OwnerPolicy`, which clamps
whatever is stored to safe bounds, and the owner's choice of SMS gateways
(:func:`sms_gateways`). Changing them goes through :func:`update_settings`, which
refuses (with the setting's name and the reason) what reading would clamp, so an
owner is never surprised by a value silently changed. The CLI (``hotspot owner
set``) and the API (``PATCH /api/v1/settings``) both call it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from .errors import InvalidInput, Text
from .models import Owner, Tariff
from .services.tariffs import get_tariff

Parser = Callable[[Any], Any]
T = TypeVar("T")


#: Never more, whatever an owner sets: the law says at most 10 minutes.
MAX_CODE_TTL = 600
#: Never more: an identification lasts at most 24 hours.
MAX_IDENTIFICATION_HOURS = 24
#: Where the venues are, unless an owner says otherwise.
DEFAULT_TIMEZONE = "Asia/Tashkent"
#: The portal's default colour, and the languages of the guest pages
#: (portal.i18n.LOCALES).
DEFAULT_ACCENT = "#0a66c2"
GUEST_LANGUAGES = ("uz", "uz_Cyrl", "ru", "en")
MAX_WELCOME, MAX_TERMS = 500, 5000
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Where an Owner instance keeps its parsed policy (OwnerPolicy.of).
_MEMO = "_hotspot_policy"
#: Parsed policies by their stored mapping (kept alive here, so an id is never
#: reused while it is a key).
_PARSED: dict[int, tuple[Any, OwnerPolicy]] = {}


def is_color(value: object) -> bool:
    """A colour the portal's style sheet may carry: ``#rrggbb``."""
    return isinstance(value, str) and bool(_COLOR.match(value))


def is_timezone(name: object) -> bool:
    """An IANA time zone name this system knows (``Asia/Tashkent``)."""
    if not isinstance(name, str) or not 0 < len(name) <= 64 or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class OwnerPolicy:
    """Per-owner guest rules; safe defaults, bounded overrides (owners.policy)."""

    otp_length: int = 6
    otp_ttl: int = 300
    otp_max_attempts: int = 5
    sms_cooldown: int = 60
    sms_per_phone_hour: int = 3
    sms_per_mac_hour: int = 5
    sms_per_router_hour: int = 100
    #: Per portal client address: a venue's guests share one, a script does too.
    sms_per_ip_hour: int = 30
    sms_router_daily_budget: int = 500
    phone_regions: tuple[str, ...] = ("UZ",)
    documents: tuple[str, ...] = ()
    ticket_pattern: str = r"^[A-Z0-9]{5,16}$"
    identification_hours: int = 24
    #: Document logins that matched nothing, per hour: per room or ticket number
    #: (one guest mistyping), per portal client address, per router.
    document_attempts_per_reference: int = 5
    document_attempts_per_ip: int = 20
    document_attempts_per_router: int = 60
    #: The portal's "Free" button (hotspot.services.guest), with the guest tariff.
    guest_access: bool = False
    #: The legal mode: a guest identifies (phone or document) before "Free".
    guest_identification: bool = True
    #: Seconds the Free button waits after an ad is shown (hotspot.services.ads).
    ad_delay: int = 5
    #: The venue's time zone (IANA name): times shown to guests.
    timezone: str = DEFAULT_TIMEZONE
    #: The venue's look on the portal: its colour, a welcome text, terms of use
    #: (accepted before Free access when ``terms_required``), the languages offered.
    accent_color: str = DEFAULT_ACCENT
    welcome_text: str = ""
    terms_text: str = ""
    terms_required: bool = False
    languages: tuple[str, ...] = GUEST_LANGUAGES

    @classmethod
    def of(cls, owner: Owner) -> OwnerPolicy:
        """The owner's policy; kept on the instance while ``owner.policy`` is the
        same object (a change assigns a new one: :func:`update_settings`)."""
        stored = owner.policy
        for memo in (owner.__dict__.get(_MEMO), _PARSED.get(id(stored))):
            if memo is not None and memo[0] is stored:
                return memo[1]  # type: ignore[no-any-return]
        policy = cls.from_mapping(stored or {})
        owner.__dict__[_MEMO] = (stored, policy)
        if len(_PARSED) >= 1000:
            _PARSED.clear()
        # Each request's copy of a cached owner shares the cached one's mapping.
        _PARSED[id(stored)] = (stored, policy)
        return policy

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> OwnerPolicy:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            values[key] = tuple(value) if isinstance(value, list) else value
        p = cls(**values)
        # Clamp to what the law and the product allow.
        return cls(
            otp_length=min(max(int(p.otp_length), 4), 6),
            otp_ttl=min(max(int(p.otp_ttl), 60), MAX_CODE_TTL),
            otp_max_attempts=min(max(int(p.otp_max_attempts), 1), 10),
            sms_cooldown=min(max(int(p.sms_cooldown), 15), 3600),
            sms_per_phone_hour=max(int(p.sms_per_phone_hour), 1),
            sms_per_mac_hour=max(int(p.sms_per_mac_hour), 1),
            sms_per_router_hour=max(int(p.sms_per_router_hour), 1),
            sms_per_ip_hour=max(int(p.sms_per_ip_hour), 1),
            sms_router_daily_budget=max(int(p.sms_router_daily_budget), 1),
            phone_regions=tuple(p.phone_regions) or ("UZ",),
            documents=tuple(d for d in p.documents if d in ("hotel", "ticket")),
            ticket_pattern=p.ticket_pattern,
            identification_hours=min(
                max(int(p.identification_hours), 1), MAX_IDENTIFICATION_HOURS
            ),
            document_attempts_per_reference=min(
                max(int(p.document_attempts_per_reference), 1), 20
            ),
            document_attempts_per_ip=max(int(p.document_attempts_per_ip), 1),
            document_attempts_per_router=max(int(p.document_attempts_per_router), 1),
            guest_access=p.guest_access is True,
            guest_identification=p.guest_identification is not False,
            ad_delay=min(max(int(p.ad_delay), 0), 120),
            timezone=p.timezone if is_timezone(p.timezone) else DEFAULT_TIMEZONE,
            accent_color=p.accent_color if is_color(p.accent_color) else DEFAULT_ACCENT,
            welcome_text=str(p.welcome_text)[:MAX_WELCOME],
            terms_text=str(p.terms_text)[:MAX_TERMS],
            terms_required=p.terms_required is True and bool(p.terms_text),
            languages=tuple(x for x in p.languages if x in GUEST_LANGUAGES)
            or GUEST_LANGUAGES,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def sms_gateways(owner: Owner | None, chain: Sequence[T]) -> list[T]:
    """The SMS gateways an owner uses, in the owner's order (setting
    ``sms_providers``: gateway names); all configured ones when unset."""
    names = (owner.policy or {}).get("sms_providers") if owner else None
    if not names:
        return list(chain)
    by_name = {getattr(p, "name", None): p for p in chain}
    return [by_name[n] for n in names if n in by_name]


@dataclass(frozen=True)
class Setting:
    name: str
    #: What it is, in words (the cabinet shows it translated).
    help: Text
    parse: Parser


#: What each parser accepts, in words (a settings error says it; the portal
#: translates it).
_EXPECTED: dict[Parser, Text] = {}


def _expects(text: Text) -> Callable[[Parser], Parser]:
    """Decorator: ``parse`` accepts ``text`` (also its docstring, in English)."""

    def register(parse: Parser) -> Parser:
        parse.__doc__ = str(text)
        _EXPECTED[parse] = text
        return parse

    return register


def expected(parse: Parser) -> Text:
    """What ``parse`` accepts, in words."""
    return _EXPECTED.get(parse) or Text(parse.__doc__ or "a valid value")


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

    return _expects(
        Text("a whole number from %(low)s to %(high)s", low=low, high=high)
    )(parse)


def _names(check: Callable[[str], bool], what: Text, allow_empty: bool) -> Parser:
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

    return _expects(what)(parse)


@_expects(Text("a regular expression of at most 200 characters"))
def _pattern(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 200:
        raise ValueError
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError from exc
    return value


@_expects(Text("on or off"))
def _switch(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("on", "yes", "true", "1"):
            return True
        if word in ("off", "no", "false", "0"):
            return False
    raise ValueError


@_expects(Text("a time zone name like Asia/Tashkent"))
def _timezone(value: Any) -> str:
    if isinstance(value, str) and is_timezone(value.strip()):
        return value.strip()
    raise ValueError


@_expects(Text("a colour like #0a66c2"))
def _color(value: Any) -> str:
    if isinstance(value, str) and is_color(value.strip()):
        return value.strip().lower()
    raise ValueError


def _text(limit: int) -> Parser:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or len(value.strip()) > limit:
            raise ValueError
        if any(not c.isprintable() and c not in "\n\t" for c in value):
            raise ValueError
        return value.strip()

    return _expects(Text("a text of at most %(limit)s characters", limit=limit))(parse)


_REGION = re.compile(r"^(\*|[A-Z]{2})$")

#: What an owner may set, with the bounds the law and the product allow (the same
#: bounds OwnerPolicy clamps stored values to).
SETTINGS: tuple[Setting, ...] = (
    Setting("otp_length", Text("digits of the SMS code"), _whole(4, 6)),
    Setting("otp_ttl", Text("seconds an SMS code is valid"), _whole(60, MAX_CODE_TTL)),
    Setting(
        "otp_max_attempts",
        Text("wrong codes before a new one is needed"),
        _whole(1, 10),
    ),
    Setting("sms_cooldown", Text("seconds before 'send again'"), _whole(15, 3600)),
    Setting("sms_per_phone_hour", Text("SMS per phone an hour"), _whole(1, 100)),
    Setting("sms_per_mac_hour", Text("SMS per device an hour"), _whole(1, 100)),
    Setting("sms_per_router_hour", Text("SMS per router an hour"), _whole(1, 100_000)),
    Setting(
        "sms_per_ip_hour", Text("SMS per client address an hour"), _whole(1, 100_000)
    ),
    Setting(
        "sms_router_daily_budget", Text("SMS per router a day"), _whole(1, 1_000_000)
    ),
    Setting(
        "phone_regions",
        Text("regions whose phone numbers are accepted"),
        _names(
            lambda r: bool(_REGION.match(r)),
            Text("region codes like UZ,KZ, or * for any"),
            False,
        ),
    ),
    Setting(
        "documents",
        Text("document logins offered"),
        _names(lambda d: d in ("hotel", "ticket"), Text("hotel and/or ticket"), True),
    ),
    Setting("ticket_pattern", Text("what a travel ticket number looks like"), _pattern),
    Setting(
        "document_attempts_per_reference",
        Text("document logins an hour per room or ticket number that match nothing"),
        _whole(1, 20),
    ),
    Setting(
        "document_attempts_per_ip",
        Text("document logins an hour per client address that match nothing"),
        _whole(1, 100_000),
    ),
    Setting(
        "document_attempts_per_router",
        Text("document logins an hour per router that match nothing"),
        _whole(1, 100_000),
    ),
    Setting(
        "identification_hours",
        Text("hours an identification lasts"),
        _whole(1, MAX_IDENTIFICATION_HOURS),
    ),
    Setting(
        "guest_access", Text("the portal's Free button (with guest_tariff)"), _switch
    ),
    Setting(
        "guest_identification",
        Text("guests identify (phone or document) before Free access"),
        _switch,
    ),
    Setting(
        "ad_delay", Text("seconds an ad is shown before Free access"), _whole(0, 120)
    ),
    Setting("accent_color", Text("the portal's colour"), _color),
    Setting("welcome_text", Text("a welcome shown to guests"), _text(MAX_WELCOME)),
    Setting("terms_text", Text("the terms of use shown to guests"), _text(MAX_TERMS)),
    Setting(
        "terms_required", Text("guests accept the terms before Free access"), _switch
    ),
    Setting(
        "languages",
        Text("the languages the portal offers"),
        _names(
            lambda x: x in GUEST_LANGUAGES, Text("uz, uz_Cyrl, ru and/or en"), False
        ),
    ),
    Setting(
        "timezone", Text("the venue's time zone, for times shown to guests"), _timezone
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}
#: Settings stored outside owners.policy.
OTHER = ("guest_tariff", "display_name", "sms_providers")


def owner_timezone(owner: Owner) -> str:
    """The IANA time zone of the owner's venues: statistics and guest pages."""
    return OwnerPolicy.of(owner).timezone


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
    return values


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """``name=value`` words (the CLI's form) as a mapping."""
    changes: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput("expected name=value, got %(pair)r", pair=pair)
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
                "unknown setting %(name)r; settings: %(known)s",
                name=name,
                known=", ".join(known),
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
                    "%(name)s: expected %(expected)s, got %(value)r",
                    name=name,
                    expected=expected(setting.parse),
                    value=value,
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
    _check_guest_access(session, owner, policy)
    owner.policy = policy
    session.flush()
    return venue_settings(session, owner)


def _check_guest_access(session: Session, owner: Owner, policy: dict[str, Any]) -> None:
    """Free access needs a guest tariff (``hotspot tariff add --guest``)."""
    if policy.get("guest_access") is not True:
        return
    tariff = (
        session.get(Tariff, owner.guest_tariff_id) if owner.guest_tariff_id else None
    )
    if tariff is None or not tariff.guest or tariff.archived:
        raise InvalidInput(
            "guest_access: set guest_tariff to a guest tariff first "
            "(hotspot tariff add ... --guest)"
        )


def _set_gateways(
    policy: dict[str, Any], value: Any, gateways: list[str]
) -> dict[str, Any]:
    if value is None or value == "" or value == []:
        policy.pop("sms_providers", None)
        return policy
    parse = _names(
        lambda n: n in gateways, Text("names of configured SMS gateways"), False
    )
    try:
        policy["sms_providers"] = parse(value)
    except ValueError:
        raise InvalidInput(
            "sms_providers: expected names of configured SMS gateways "
            "(%(gateways)s), got %(value)r",
            gateways=", ".join(gateways) or Text("none configured"),
            value=value,
        ) from None
    return policy
