"""Free guest access: the portal's "Free" button and personal guest vouchers.

An owner marks a tariff as guest (hotspot.services.tariffs) and turns guest access
on (venue settings ``guest_access=on guest_tariff=NAME``). The first time a guest
presses "Free" a personal voucher of that tariff is made behind the scenes for the
guest's identity and reused afterwards; every press logs the device in with it
through a one-time ticket, checked by the same policy as RADIUS.

The identity is whom the allowance follows: the phone or the document of the
device's identification at this owner, so a new (random) MAC with the same phone
finds the same voucher; only where the venue does not require identification is it
the MAC (``mac:...``), and then a device that changes its MAC starts afresh.

Modes (tariffs.guest_mode):

- regular: the tariff's time/data, then the guest is refused until the period that
  began with the first login ends (``vouchers.guest_reset_at``); then the usage
  resets (:func:`reset_guest_usage`, or at the next press when the job has not run).
- no_pause: every login gets a session of the tariff's time (Session-Timeout = the
  time) during the voucher's validity; the guest comes back through the portal for
  the next one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ..cache import cached_get
from ..crypto import SAFE_ALNUM, PinCipher, random_string
from ..db import affected
from ..models import GuestMode, Owner, Router, Tariff, Voucher
from ..policy import Reject
from ..settings import Settings
from ..venues import OwnerPolicy
from .access import PortalLogin, decide, issue_ticket
from .ads import ad_wait, device_key
from .identification import current_identification

#: Refusals that mean "this period's allowance is spent".
USED_UP = frozenset({"time_used", "data_used", "voucher_expired", "balance_used"})
#: A guest voucher never used is deleted after this long (it is made again at once
#: on the next press: nothing is lost).
UNUSED_KEPT = dt.timedelta(days=1)


@dataclass(frozen=True)
class GuestOffer:
    """What the "Free" tab offers at a venue: the guest tariff and the rules."""

    tariff: Tariff
    policy: OwnerPolicy


@dataclass(slots=True)
class AdPending(Reject):
    """An ad runs here and this device has not watched it long enough: ``seconds``
    still to wait, or -1 when it has not been shown one since its last login."""

    seconds: int = -1


@dataclass(slots=True)
class UsedUp(Reject):
    """The allowance is spent; it comes back at ``back_at`` (UTC)."""

    back_at: dt.datetime | None = None


def guest_offer(session: Session, owner: Owner) -> GuestOffer | None:
    """The venue's Free access, or None where it is off (or has no guest tariff)."""
    policy = OwnerPolicy.of(owner)
    if not policy.guest_access or owner.guest_tariff_id is None:
        return None
    tariff = cached_get(session, Tariff, owner.guest_tariff_id)
    if tariff is None or not tariff.guest or tariff.archived:
        return None
    return GuestOffer(tariff, policy)


def guest_identity(
    session: Session, owner_id: int, mac: str, now: dt.datetime, required: bool
) -> str | None:
    """Whom this device's allowance belongs to: its current identification at this
    owner (``sms:<phone>``, ``hotel:<registration>``...), else its MAC where
    identification is not required, else None (identify first)."""
    ident = current_identification(session, owner_id, mac, now)
    if ident is not None:
        return f"{ident.method}:{ident.subject}"[:120]
    return None if required else f"mac:{mac}"


def guest_voucher(
    session: Session,
    settings: Settings,
    owner: Owner,
    tariff: Tariff,
    identity: str,
    now: dt.datetime,
) -> Voucher:
    """The identity's personal voucher of the guest tariff, made on first use (two
    presses at once make one: the unique index decides)."""
    found = _find_voucher(session, tariff, identity)
    if found is not None:
        return found
    cipher = PinCipher(settings.pin_key)
    expires = None
    if tariff.validity_from == "creation" and tariff.validity_seconds:
        expires = now + dt.timedelta(seconds=tariff.validity_seconds)
    session.execute(
        insert(Voucher)
        .values(
            owner_id=owner.id,
            tariff_id=tariff.id,
            code="G" + random_string(19, SAFE_ALNUM),
            pin_encrypted=cipher.encrypt(random_string(16, SAFE_ALNUM)),
            status="new",
            time_limit=tariff.time_limit,
            data_limit=tariff.data_limit,
            rate_limit=tariff.rate_limit,
            idle_timeout=tariff.idle_timeout,
            validity_seconds=(
                tariff.validity_seconds if tariff.validity_from == "first_use" else None
            ),
            expires_at=expires,
            max_devices=tariff.max_devices,
            used_seconds=0,
            used_bytes=0,
            guest_identity=identity,
            created_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["tariff_id", "guest_identity"],
            index_where=text("guest_identity IS NOT NULL"),
        )
    )
    voucher = _find_voucher(session, tariff, identity)
    assert voucher is not None  # inserted, or inserted by the other press
    return voucher


def _find_voucher(session: Session, tariff: Tariff, identity: str) -> Voucher | None:
    return session.scalar(
        select(Voucher)
        .where(Voucher.tariff_id == tariff.id, Voucher.guest_identity == identity)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def renew(voucher: Voucher, tariff: Tariff, now: dt.datetime) -> None:
    """The guest is "clean" again: no usage, validity counted afresh."""
    voucher.used_seconds = 0
    voucher.used_bytes = 0
    voucher.status = "new"
    voucher.activated_at = None
    voucher.guest_reset_at = None
    voucher.expires_at = (
        now + dt.timedelta(seconds=tariff.validity_seconds)
        if tariff.validity_from == "creation" and tariff.validity_seconds
        else None
    )


def free_login(
    session: Session, settings: Settings, router: Router, mac: str, now: dt.datetime
) -> PortalLogin | Reject:
    """The "Free" button: a one-time ticket for the identity's guest voucher, or
    why not (:class:`UsedUp` with the time the allowance comes back)."""
    offer = guest_offer(session, router.owner)
    if offer is None:
        return Reject("guest_off")
    identity = guest_identity(
        session, router.owner_id, mac, now, offer.policy.guest_identification
    )
    if identity is None:
        return Reject("identification_required")
    device = device_key(settings.secret_key, mac)
    delay = offer.policy.ad_delay
    wait = ad_wait(session, router, mac, device, now, delay, settings.ticket_ttl)
    if wait:  # None: no ad runs; 0: watched long enough
        return AdPending("ad_pending", wait)
    tariff = offer.tariff
    voucher = _ready_voucher(session, settings, router.owner, tariff, identity, now)
    _, decision = decide(
        session, settings, router.id, voucher.code, mac, now, ignore_ticket=True
    )
    if (
        isinstance(decision, Reject)
        and decision.reason == "voucher_expired"
        and voucher.guest_reset_at is None
    ):
        # Validity over and no period running: what the purge job would delete.
        session.delete(voucher)
        session.flush()
        voucher = _ready_voucher(session, settings, router.owner, tariff, identity, now)
        _, decision = decide(
            session, settings, router.id, voucher.code, mac, now, ignore_ticket=True
        )
    if isinstance(decision, Reject):
        if decision.reason in USED_UP:
            return UsedUp("guest_used_up", voucher.guest_reset_at)
        return decision
    if voucher.guest_reset_at is None and tariff.reset_period:
        voucher.guest_reset_at = now + dt.timedelta(seconds=tariff.reset_period)
    ticket, password = issue_ticket(
        session, settings, router, voucher.code, mac, "guest", now, voucher.id
    )
    return PortalLogin(voucher.code, password, ticket, decision)


def _ready_voucher(
    session: Session,
    settings: Settings,
    owner: Owner,
    tariff: Tariff,
    identity: str,
    now: dt.datetime,
) -> Voucher:
    """The identity's voucher, renewed when its period is over (the job has not run
    yet), and with a fresh session's allowance in no-pause mode."""
    voucher = guest_voucher(session, settings, owner, tariff, identity, now)
    if voucher.guest_reset_at is not None and voucher.guest_reset_at <= now:
        renew(voucher, tariff, now)
    if tariff.guest_mode == GuestMode.NO_PAUSE:
        # Every login is a new session of the tariff's time, within the validity.
        voucher.used_seconds = 0
        voucher.used_bytes = 0
    session.flush()
    return voucher


#: Guest vouchers whose period has ended, of guest tariffs only.
_RESET = """
UPDATE vouchers v SET used_seconds = 0, used_bytes = 0, status = 'new',
       activated_at = NULL, guest_reset_at = NULL,
       expires_at = CASE WHEN t.validity_from = 'creation' AND t.validity_seconds > 0
                         THEN :now + make_interval(secs => t.validity_seconds) END
  FROM tariffs t
 WHERE t.id = v.tariff_id AND t.guest AND v.guest_identity IS NOT NULL
   AND v.guest_reset_at <= :now
"""

#: Expired guest vouchers of guest tariffs, used or not, whose period is over (a
#: period still running keeps its voucher: deleting it would give a fresh
#: allowance), and guest vouchers never used for a day.
_PURGE = """
DELETE FROM vouchers v USING tariffs t
 WHERE t.id = v.tariff_id AND t.guest AND v.guest_identity IS NOT NULL
   AND (v.guest_reset_at IS NULL OR v.guest_reset_at <= :now)
   AND (v.status IN ('expired', 'revoked')
        OR v.expires_at <= :now
        OR v.activated_at + make_interval(secs => v.validity_seconds) <= :now
        OR (v.activated_at IS NULL AND v.created_at < :unused))
"""


def reset_guest_usage(session: Session, now: dt.datetime) -> int:
    """The scheduler's job: every guest whose period has ended gets the allowance
    back. Other tariffs' vouchers are never touched."""
    return affected(session.execute(text(_RESET), {"now": now}))


def purge_guest_vouchers(session: Session, now: dt.datetime) -> int:
    """The scheduler's job: delete expired guest vouchers of guest tariffs (used
    and unused); they are made again when their guest comes back."""
    result = session.execute(text(_PURGE), {"now": now, "unused": now - UNUSED_KEPT})
    return affected(result)
