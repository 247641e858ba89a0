"""Devices online at once, through the real FreeRADIUS: a card admits as many as its
tariff says, every limit up to the tariffs' maximum, and refuses one more."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotspot.models import RadiusSession
from hotspot.policy import MAX_DEVICES
from tests.radius.conftest import wait_until
from tests.radius.test_tariffs import IN_USE, issue, session


def _online(session_factory, voucher_id: int, count: int) -> None:
    def probe() -> bool:
        with session_factory() as s:
            return count == s.scalar(
                select(func.count())
                .select_from(RadiusSession)
                .where(
                    RadiusSession.voucher_id == voucher_id,
                    RadiusSession.stopped_at.is_(None),
                )
            )

    probe.__doc__ = f"{count} sessions of the card online"
    wait_until(probe, timeout=10)


@pytest.mark.parametrize("limit", [1, 8, 9, MAX_DEVICES])
def test_a_card_admits_its_device_limit_and_refuses_one_more(
    nas_a, settings, venues, session_factory, limit: int
) -> None:
    card = issue(session_factory, settings, venues["a"], time="2h", max_devices=limit)
    macs = [f"02:7B:{limit:02X}:00:00:{n:02X}" for n in range(limit + 1)]
    for n, mac in enumerate(macs[:-1]):
        # The Nth device is admitted while the N-1 before it are online...
        r = nas_a.authenticate(card.code, card.pin, mac=mac)
        assert r.accepted, (n, r.reply_message)
        nas_a.accounting_start(**session(nas_a, card, f"8B{limit:02X}{n:04X}", mac))
        _online(session_factory, card.voucher.id, n + 1)
    # ... one more is not; one of those online may log in again.
    assert nas_a.authenticate(card.code, card.pin, mac=macs[-1]).attributes == IN_USE
    assert nas_a.authenticate(card.code, card.pin, mac=macs[0]).accepted
