"""A slow SMS gateway does not hold a venue's other guests: the code and its SMS row
are reserved under the per-router and per-phone locks and committed before the
gateway is called (insert first), so another phone's request at the same router
reaches the gateway while the first one is still waiting on it."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import select

from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.models import Router, SmsMessage
from hotspot.services.identification import CodeSent, request_code
from hotspot.sms.dispatch import deliver
from tests import factories

from .fakes import GenericFake

STALL = 3.0
PHONES = ("+998 90 765 00 11", "+998 90 765 00 12")


def test_a_slow_gateway_does_not_block_another_phone(
    database_url: str, generic_gw: GenericFake, make_provider
):
    provider = make_provider(
        "generic",
        generic_gw,
        headers={"X-Api-Key": GenericFake.API_KEY},
        read_timeout=STALL + 5,
    )
    generic_gw.stall = STALL
    engine = make_engine(database_url, pool_size=4)
    factory = make_sessionmaker(engine)
    with transaction(factory) as s:
        router_id = factories.router(s, factories.owner(s)).id
    now = dt.datetime.now(dt.UTC)
    results: dict[int, object] = {}

    def send(session, message, text):
        deliver(session, message, text, [provider], now)
        return message.status == "sent"

    def one(n: int) -> None:
        with transaction(factory) as s:
            router = s.get(Router, router_id)
            mac = f"02:00:00:00:08:{n:02X}"
            results[n] = request_code(s, router, PHONES[n], mac, now, send)

    try:
        first = threading.Thread(target=one, args=(0,))
        first.start()
        _wait(lambda: len(generic_gw.received) == 1, 5)
        started = time.monotonic()
        second = threading.Thread(target=one, args=(1,))
        second.start()
        # The second request gets past the limits and calls the gateway while the
        # first is still in the gateway's hands.
        _wait(lambda: len(generic_gw.received) == 2, STALL - 1)
        assert time.monotonic() - started < STALL - 1
        assert first.is_alive()
        first.join(STALL + 10)
        second.join(STALL + 10)
        assert all(isinstance(results[n], CodeSent) for n in (0, 1)), results
        with transaction(factory) as s:
            statuses = s.scalars(
                select(SmsMessage.status).where(SmsMessage.router_id == router_id)
            ).all()
        assert statuses == ["sent", "sent"]
    finally:
        engine.dispose()


def _wait(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
