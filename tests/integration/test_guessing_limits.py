"""Limits that must hold against guessing and against parallel requests: document
logins (room or ticket + surname) and SMS codes, on the real database."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.models import DocumentAttempt, OtpChallenge, Router, SmsMessage
from hotspot.policy import Reject
from hotspot.services.access import PortalLogin
from hotspot.services.identification import (
    CodeSent,
    identify_by_document,
    import_registrations,
    request_code,
)
from hotspot.settings import Settings
from tests import factories

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
CSV = "12,Karimov,2026-02-28T12:00:00,2026-03-03T12:00:00\n"


def hotel(db_session: Session, **policy: int):
    owner = factories.owner(db_session)
    owner.policy = {"documents": ["hotel"], **policy}
    import_registrations(db_session, owner, "hotel", CSV)
    return factories.router(db_session, owner)


def guess(db, settings, router, room, surname, ip="203.0.113.5", t=T0, n=1):
    mac = f"02:00:00:00:{n // 256:02X}:{n % 256:02X}"
    return identify_by_document(
        db, settings, router, "hotel", room, surname, mac, t, client_ip=ip
    )


def test_surnames_of_one_room_cannot_be_guessed(db_session, settings: Settings):
    router = hotel(db_session)
    for n in range(5):  # other devices, other addresses: the room is what counts
        assert guess(
            db_session, settings, router, "12", f"Nobody{n}", f"198.51.100.{n}", n=n
        ) == Reject("document_not_found")
    # Now even the right surname is refused, for an hour.
    assert guess(db_session, settings, router, "12", "Karimov") == Reject(
        "document_attempts"
    )
    later = T0 + dt.timedelta(hours=1, seconds=1)
    assert isinstance(
        guess(db_session, settings, router, "12", "Karimov", t=later), PortalLogin
    )


def test_one_address_cannot_walk_through_the_rooms(db_session, settings: Settings):
    router = hotel(db_session, document_attempts_per_ip=3)
    for room in ("1", "2", "3"):
        assert guess(db_session, settings, router, room, "Karimov") == Reject(
            "document_not_found"
        )
    assert guess(db_session, settings, router, "12", "Karimov") == Reject(
        "document_attempts"
    )
    # Another address at the venue is not held up by it.
    assert isinstance(
        guess(db_session, settings, router, "12", "Karimov", "203.0.113.6"),
        PortalLogin,
    )


def test_a_router_has_a_ceiling_of_misses(db_session, settings: Settings):
    router = hotel(db_session, document_attempts_per_router=4)
    for n in range(4):
        assert guess(
            db_session, settings, router, str(100 + n), "X", f"198.51.100.{n}", n=n
        ) == Reject("document_not_found")
    assert guess(db_session, settings, router, "12", "Karimov", "192.0.2.1") == (
        Reject("document_attempts")
    )
    # The same room at another venue of the operator is another room.
    other = hotel(db_session)
    assert isinstance(guess(db_session, settings, other, "12", "Karimov"), PortalLogin)


def test_old_misses_are_purged(db_session, settings: Settings):
    from hotspot.services.identification import purge_document_attempts
    from scheduler.jobs import JOBS

    router = hotel(db_session)
    guess(db_session, settings, router, "12", "Old", t=T0 - dt.timedelta(minutes=61))
    guess(db_session, settings, router, "12", "New", t=T0 - dt.timedelta(minutes=59))
    assert any(j.name == "purge-document-attempts" for j in JOBS)
    assert purge_document_attempts(db_session, T0) == 1
    kept = db_session.scalars(
        select(DocumentAttempt.created_at).where(DocumentAttempt.router_id == router.id)
    ).all()
    assert kept == [T0 - dt.timedelta(minutes=59)]


def test_parallel_code_requests_for_one_phone_send_one_sms(database_url: str):
    """20 requests at once for one phone (each its own connection and transaction):
    the cooldown and the hourly limits are counted one request at a time."""
    engine = make_engine(database_url, pool_size=20)
    try:
        parallel_requests(make_sessionmaker(engine))
    finally:
        engine.dispose()


def parallel_requests(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
    now = dt.datetime.now(dt.UTC)
    gate = threading.Barrier(20)
    results: list[object] = []

    def send(session, message, text):
        time.sleep(0.05)  # a gateway takes a while: the window for a race
        message.status = "sent"
        return True

    def one(n: int) -> None:
        with transaction(session_factory) as s:
            r = s.get(Router, router.id)
            s.connection()  # each its own connection before they all go
            gate.wait(10)
            mac = f"02:00:00:00:07:{n:02X}"
            results.append(
                request_code(s, r, "+998 90 765 00 01", mac, now, send, client_ip=None)
            )

    threads = [threading.Thread(target=one, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 20
    assert sum(isinstance(r, CodeSent) for r in results) == 1
    assert all(r == Reject("sms_cooldown") for r in results if isinstance(r, Reject))
    with transaction(session_factory) as s:
        assert (
            s.scalar(
                select(func.count(OtpChallenge.id)).where(
                    OtpChallenge.router_id == router.id
                )
            )
            == 1
        )
        assert (
            s.scalar(
                select(func.count(SmsMessage.id)).where(
                    SmsMessage.router_id == router.id
                )
            )
            == 1
        )
