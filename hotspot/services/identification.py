"""Guest identification, the legal core: a phone confirmed by a one-time SMS code, or a
document the venue imported; good for at most 24 hours; blacklisted phones refused.

Every function takes ``now`` (injected clock) and a Session; the caller commits, also
when a Reject is returned (attempt counters and the SMS history must be kept).
:func:`request_code` also commits once itself, before it calls the SMS gateway.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, text
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..crypto import hash_secret, random_string, verify_secret
from ..db import affected
from ..errors import InvalidInput, NotFound
from ..models import (
    DocumentAttempt,
    Identification,
    OtpChallenge,
    Owner,
    PhoneBlacklist,
    Registration,
    Router,
    SmsMessage,
)
from ..phones import mask, normalise_phone
from ..policy import Accept, Reject
from ..routers.outbox import queue_for_sessions
from ..settings import Settings
from ..sms.dispatch import queue_sms
from ..venues import OwnerPolicy
from .access import PortalLogin, decide, issue_ticket
from .sessions import subject_sessions

log = logging.getLogger(__name__)


# -- blacklist ---------------------------------------------------------------------
def is_blacklisted(session: Session, owner_id: int, phone: str) -> bool:
    return bool(
        session.scalar(
            select(PhoneBlacklist.id)
            .where(
                PhoneBlacklist.phone == phone,
                or_(
                    PhoneBlacklist.owner_id.is_(None),
                    PhoneBlacklist.owner_id == owner_id,
                ),
            )
            .limit(1)
        )
    )


def blacklist_phone(
    session: Session,
    owner: Owner | None,
    phone_text: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> PhoneBlacklist:
    """Block a phone at one owner's venues, or everywhere (owner None: operator);
    its sessions online there get a Disconnect."""
    phone = normalise_phone(phone_text, ("*",))
    if phone is None:
        raise InvalidInput("not a phone number: %(phone)r", phone=phone_text)
    owner_id = owner.id if owner else None
    existing = session.scalar(
        select(PhoneBlacklist).where(
            PhoneBlacklist.phone == phone,
            PhoneBlacklist.owner_id.is_(None)
            if owner_id is None
            else PhoneBlacklist.owner_id == owner_id,
        )
    )
    if existing is None:
        existing = PhoneBlacklist(owner_id=owner_id, phone=phone, reason=reason[:200])
        session.add(existing)
        session.flush()
    # A guest online with this phone is cut (queued in this transaction).
    online = subject_sessions(session, phone, owner_id)
    queue_for_sessions(session, online, "phone_blocked", now or utcnow())
    return existing


def list_blacklist(
    session: Session, owner: Owner | None, phone_text: str | None = None
) -> list[PhoneBlacklist]:
    """An owner's blocked phones (owner None: the operator's, for every venue)."""
    query = select(PhoneBlacklist).order_by(PhoneBlacklist.id)
    query = query.where(
        PhoneBlacklist.owner_id.is_(None)
        if owner is None
        else PhoneBlacklist.owner_id == owner.id
    )
    if phone_text is not None:
        phone = normalise_phone(phone_text, ("*",))
        if phone is None:
            raise InvalidInput("not a phone number: %(phone)r", phone=phone_text)
        query = query.where(PhoneBlacklist.phone == phone)
    return list(session.scalars(query))


def unblock_phone(session: Session, owner: Owner | None, phone_text: str) -> None:
    """Lift a block set at this scope (an owner cannot lift the operator's)."""
    entries = list_blacklist(session, owner, phone_text)
    if not entries:
        raise NotFound("that phone number is not blocked here")
    for entry in entries:
        session.delete(entry)
    session.flush()


def blacklist_dict(entry: PhoneBlacklist) -> dict[str, Any]:
    return {
        "phone": mask(entry.phone),
        "reason": entry.reason,
        "everywhere": entry.owner_id is None,
        "since": entry.created_at.isoformat() if entry.created_at else None,
    }


# -- SMS codes ---------------------------------------------------------------------
#: Sends the text of an SMS row already queued; True when a gateway accepted it.
SmsSender = Callable[[Session, SmsMessage, str], bool]


@dataclass(frozen=True)
class CodeSent:
    challenge: OtpChallenge
    phone: str
    #: Seconds until "send again" unlocks.
    resend_after: int


def _count_since(session: Session, *conditions: Any) -> int:
    return session.scalar(select(func.count(OtpChallenge.id)).where(*conditions)) or 0


def _serialise(session: Session, *keys: str) -> None:
    """Hold a transaction-scoped lock per key, so that limits counted by one request
    include what a concurrent request for the same key inserts (keys in one fixed
    order: no deadlock)."""
    for key in keys:
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key}
        )


def request_code(
    session: Session,
    router: Router,
    phone_text: str,
    mac: str,
    now: dt.datetime,
    send: SmsSender,
    otp_text: Callable[[str], str] = lambda code: f"WiFi code: {code}",
    client_ip: str | None = None,
) -> CodeSent | Reject:
    """Send a one-time code to a phone, within the owner's limits.

    Insert first: the code and its SMS row are reserved under the per-router and
    per-phone locks and committed, then the gateway is called with no lock held (a
    slow gateway does not make the venue's other guests wait), and the caller
    commits the outcome."""
    reserved = _reserve_code(session, router, phone_text, mac, now, client_ip)
    if isinstance(reserved, Reject):
        return reserved
    challenge, sms, code = reserved
    session.commit()  # the reservation counts for everyone; the locks are released
    if not send(session, sms, otp_text(code)):
        # Sending failed: the guest may retry at once; the SMS row says why.
        session.delete(challenge)
        session.flush()
        return Reject("sms_failed")
    return CodeSent(
        challenge, challenge.phone, OwnerPolicy.of(router.owner).sms_cooldown
    )


def _reserve_code(
    session: Session,
    router: Router,
    phone_text: str,
    mac: str,
    now: dt.datetime,
    client_ip: str | None,
) -> tuple[OtpChallenge, SmsMessage, str] | Reject:
    """Within the limits, a new code's challenge and its queued SMS row (flushed,
    not committed); else why not."""
    owner = router.owner
    policy = OwnerPolicy.of(owner)
    phone = normalise_phone(phone_text, policy.phone_regions)
    if phone is None:
        return Reject("phone_invalid")
    if is_blacklisted(session, owner.id, phone):
        log.info("code refused: blacklisted phone %s", mask(phone))
        return Reject("phone_blocked")
    # One request at a time per router and per phone: the limits below are counted,
    # then a row is added; concurrent requests would all count the same rows.
    _serialise(session, f"otp-router:{router.id}", f"otp-phone:{phone}")
    if resend_wait(session, router, phone, mac, now) > 0:
        return Reject("sms_cooldown")
    if _over_limits(session, router, policy, phone, mac, client_ip, now):
        return Reject("sms_limit")
    code = random_string(policy.otp_length)
    # The row exists before any gateway is called.
    sms = queue_sms(session, owner.id, router.id, phone, "otp", now)
    challenge = OtpChallenge(
        owner_id=owner.id,
        router_id=router.id,
        phone=phone,
        mac=mac,
        client_ip=client_ip,
        code_hash=hash_secret(code),
        expires_at=now + dt.timedelta(seconds=policy.otp_ttl),
        attempts=0,
        sms_id=sms.id,
        created_at=now,
    )
    session.add(challenge)
    session.flush()
    return challenge, sms, code


def _over_limits(
    session: Session,
    router: Router,
    policy: OwnerPolicy,
    phone: str,
    mac: str,
    client_ip: str | None,
    now: dt.datetime,
) -> bool:
    """The hourly limits (phone, device, router, address) or the router's daily SMS
    budget are reached."""
    recent = OtpChallenge.created_at > now - dt.timedelta(hours=1)
    limits = [
        (OtpChallenge.phone == phone, policy.sms_per_phone_hour),
        (OtpChallenge.mac == mac, policy.sms_per_mac_hour),
        (OtpChallenge.router_id == router.id, policy.sms_per_router_hour),
    ]
    if client_ip is not None:
        limits.append((OtpChallenge.client_ip == client_ip, policy.sms_per_ip_hour))
    if any(_count_since(session, who, recent) >= limit for who, limit in limits):
        log.warning(
            "code refused: hourly limit (router %s, phone %s)", router.id, mask(phone)
        )
        return True
    day_sms = session.scalar(
        select(func.count(SmsMessage.id)).where(
            SmsMessage.router_id == router.id,
            SmsMessage.created_at > now - dt.timedelta(days=1),
        )
    )
    if (day_sms or 0) >= policy.sms_router_daily_budget:
        log.warning("code refused: daily SMS budget of router %s spent", router.id)
        return True
    return False


def resend_wait(
    session: Session, router: Router, phone: str, mac: str, now: dt.datetime
) -> int:
    """Seconds (rounded up) the guest must still wait before another code can be
    sent to this phone or from this device at this router."""
    policy = OwnerPolicy.of(router.owner)
    last = session.scalar(
        select(func.max(OtpChallenge.created_at)).where(
            OtpChallenge.router_id == router.id,
            or_(OtpChallenge.phone == phone, OtpChallenge.mac == mac),
        )
    )
    if last is None:
        return 0
    return max(0, math.ceil(policy.sms_cooldown - (now - last).total_seconds()))


def challenge_phone(
    session: Session, router: Router, challenge_id: str, mac: str
) -> str | None:
    """The phone a code was sent to for this device at this router (the portal
    keeps the challenge's id, not the number)."""
    if not challenge_id.isdigit():
        return None
    challenge = session.get(OtpChallenge, int(challenge_id))
    if challenge is None or challenge.router_id != router.id or challenge.mac != mac:
        return None
    return challenge.phone


def verify_code(
    session: Session,
    settings: Settings,
    router: Router,
    phone: str,
    code: str,
    mac: str,
    now: dt.datetime,
) -> PortalLogin | Reject | Identified:
    """Check a code; on success identify the device for 24 hours and issue a ticket."""
    owner = router.owner
    policy = OwnerPolicy.of(owner)
    challenge = session.scalar(
        select(OtpChallenge)
        .where(
            OtpChallenge.router_id == router.id,
            OtpChallenge.phone == phone,
            OtpChallenge.mac == mac,
            OtpChallenge.verified_at.is_(None),
        )
        .order_by(OtpChallenge.created_at.desc(), OtpChallenge.id.desc())
        .limit(1)
        .with_for_update()
    )
    if challenge is None or challenge.expires_at <= now:
        return Reject("code_expired")
    if challenge.attempts >= policy.otp_max_attempts:
        return Reject("code_attempts")
    code = re.sub(r"\s", "", code or "")
    if not code.isdigit() or not verify_secret(code, challenge.code_hash):
        challenge.attempts += 1
        session.flush()
        if challenge.attempts >= policy.otp_max_attempts:
            return Reject("code_attempts")
        return Reject("code_wrong")
    if is_blacklisted(session, owner.id, phone):
        return Reject("phone_blocked")
    challenge.verified_at = now
    ident = _identify(session, router, "sms", phone, phone, mac, now, policy)
    return _login(session, settings, router, ident, now)


def _identify(
    session: Session,
    router: Router,
    method: str,
    subject: str,
    reference: str,
    mac: str,
    now: dt.datetime,
    policy: OwnerPolicy,
    until: dt.datetime | None = None,
) -> Identification:
    expires = now + dt.timedelta(hours=policy.identification_hours)
    if until is not None:
        expires = min(expires, until)
    ident = Identification(
        owner_id=router.owner_id,
        router_id=router.id,
        method=method,
        subject=subject,
        reference=reference[:200],
        mac=mac,
        expires_at=expires,
        created_at=now,
    )
    session.add(ident)
    session.flush()
    log.info("identified %s by %s at router %s", mask(subject), method, router.id)
    return ident


@dataclass(frozen=True)
class Identified:
    """The guest is identified; Free access is next (hotspot.services.guest)."""

    subject: str


def _login(
    session: Session,
    settings: Settings,
    router: Router,
    ident: Identification,
    now: dt.datetime,
) -> PortalLogin | Reject | Identified:
    """Issue a ticket for an identified device, checked by the same policy as RADIUS.
    Where Free access is on, the identified guest presses "Free" next instead
    (:class:`Identified`): the allowance follows the identity."""
    from .guest import guest_offer

    if guest_offer(session, router.owner) is not None:
        return Identified(ident.subject)
    # The router and RADIUS get the identification's opaque login name, never
    # the phone (hotspot_auth_state maps it back).
    ticket, password = issue_ticket(
        session, settings, router, ident.login, ident.mac, ident.method, now
    )
    _, decision = decide(session, settings, router.id, ident.login, ident.mac, now)
    if not isinstance(decision, Accept):
        session.delete(ticket)
        session.flush()
        return decision
    return PortalLogin(ident.login, password, ticket, decision)


#: A device's newest identification at an owner still good after ``after``: the
#: guest pages ask it on every request, so it is built once.
_CURRENT = (
    select(Identification)
    .where(
        Identification.owner_id == bindparam("owner"),
        Identification.mac == bindparam("mac"),
        Identification.expires_at > bindparam("after"),
    )
    .order_by(Identification.expires_at.desc())
    .limit(1)
)


def current_identification(
    session: Session, owner_id: int, mac: str, after: dt.datetime
) -> Identification | None:
    """This device's identification at this owner still good after ``after``."""
    return session.scalar(_CURRENT, {"owner": owner_id, "mac": mac, "after": after})


def returning_device(
    session: Session, settings: Settings, router: Router, mac: str, now: dt.datetime
) -> PortalLogin | None:
    """A device identified at this owner within its 24 hours logs in without a new
    SMS; None when there is no such identification (or it is no longer good)."""
    ident = current_identification(
        session, router.owner_id, mac, now + dt.timedelta(minutes=1)
    )
    if ident is None:
        return None
    result = _login(session, settings, router, ident, now)
    return result if isinstance(result, PortalLogin) else None


# -- documents ---------------------------------------------------------------------
def _norm_reference(text: str) -> str:
    return re.sub(r"[\s\-/]", "", text or "").upper()


def _norm_surname(text: str) -> str:
    return " ".join((text or "").split()).upper()


def identify_by_document(
    session: Session,
    settings: Settings,
    router: Router,
    kind: str,
    reference: str,
    surname: str,
    mac: str,
    now: dt.datetime,
    client_ip: str | None = None,
) -> PortalLogin | Reject | Identified:
    """A hotel guest (room + surname) or a traveller (ticket + surname) matched
    against the registrations the venue imported. Misses are counted: a surname
    is guessed no faster than a code is."""
    policy = OwnerPolicy.of(router.owner)
    if kind not in policy.documents:
        return Reject("documents_disabled")
    ref, name = _norm_reference(reference), _norm_surname(surname)
    if not ref or not name or len(ref) > 40 or len(name) > 100:
        return Reject("document_not_found")
    if kind == "ticket" and not re.match(policy.ticket_pattern, ref):
        return Reject("document_not_found")
    key = f"{router.owner_id}:{kind}:{ref}"
    _serialise(session, f"document-router:{router.id}", f"document:{key}")
    if _documents_limited(session, router, policy, key, client_ip, now):
        log.warning("document login refused: attempt limit (router %s)", router.id)
        return Reject("document_attempts")
    reg = session.scalar(
        select(Registration)
        .where(
            Registration.owner_id == router.owner_id,
            Registration.kind == kind,
            Registration.reference == ref,
            Registration.surname == name,
            Registration.valid_from <= now,
            Registration.valid_until > now,
        )
        .limit(1)
    )
    if reg is None:
        session.add(
            DocumentAttempt(
                router_id=router.id,
                client_ip=client_ip,
                mac=mac,
                reference=key,
                created_at=now,
            )
        )
        session.flush()
        return Reject("document_not_found")
    ident = _identify(
        session,
        router,
        kind,
        f"{kind}-{reg.id}",
        f"{kind} {ref} / {name}",
        mac,
        now,
        policy,
        until=reg.valid_until,
    )
    return _login(session, settings, router, ident, now)


def _documents_limited(
    session: Session,
    router: Router,
    policy: OwnerPolicy,
    key: str,
    client_ip: str | None,
    now: dt.datetime,
) -> bool:
    recent = DocumentAttempt.created_at > now - dt.timedelta(hours=1)
    limits = [
        (DocumentAttempt.reference == key, policy.document_attempts_per_reference),
        (DocumentAttempt.router_id == router.id, policy.document_attempts_per_router),
    ]
    if client_ip is not None:
        limits.append(
            (DocumentAttempt.client_ip == client_ip, policy.document_attempts_per_ip)
        )
    return any(
        (session.scalar(select(func.count(DocumentAttempt.id)).where(who, recent)) or 0)
        >= limit
        for who, limit in limits
    )


def purge_document_attempts(session: Session, now: dt.datetime) -> int:
    """Delete missed document logins older than the hour the limits count."""
    result = session.execute(
        delete(DocumentAttempt).where(
            DocumentAttempt.created_at < now - dt.timedelta(hours=1)
        )
    )
    return affected(result)


def import_registrations(
    session: Session,
    owner: Owner,
    kind: str,
    rows: Iterable[str] | str,
    zone: dt.tzinfo = dt.UTC,
) -> int:
    """Import a CSV (reference,surname,valid_from,valid_until; ISO dates/times, in
    ``zone`` unless an offset is given). All or nothing: a bad line imports none."""
    if kind not in ("hotel", "ticket"):
        raise InvalidInput("kind: hotel or ticket")
    text = rows if isinstance(rows, str) else "".join(rows)
    reader = csv.reader(io.StringIO(text))
    new: list[Registration] = []
    for lineno, row in enumerate(reader, start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if lineno == 1 and row[0].strip().lower() in ("reference", "room", "ticket"):
            continue  # header
        if len(row) != 4:
            raise InvalidInput(
                "line %(line)s: expected 4 columns, found %(found)s",
                line=lineno,
                found=len(row),
            )
        ref, name = _norm_reference(row[0]), _norm_surname(row[1])
        if not ref or not name or len(ref) > 40 or len(name) > 100:
            raise InvalidInput(
                "line %(line)s: reference and surname are required", line=lineno
            )
        try:
            start = _parse_time(row[2], zone)
            end = _parse_time(row[3], zone)
        except ValueError as exc:
            raise InvalidInput(
                "line %(line)s: %(error)s", line=lineno, error=str(exc)
            ) from exc
        if end <= start:
            raise InvalidInput(
                "line %(line)s: valid_until must be after valid_from", line=lineno
            )
        new.append(
            Registration(
                owner_id=owner.id,
                kind=kind,
                reference=ref,
                surname=name,
                valid_from=start,
                valid_until=end,
            )
        )
    session.add_all(new)
    session.flush()
    return len(new)


def _parse_time(text: str, zone: dt.tzinfo = dt.UTC) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value
