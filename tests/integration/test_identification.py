"""Guest identification against the real database, with the time injected: SMS code
limits, the 10-minute code, the 24-hour identification, documents, the blacklist.
SMS go through the real dispatch and the development outbox gateway."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from hotspot.errors import InvalidInput
from hotspot.models import Identification
from hotspot.policy import Reject
from hotspot.services.access import PortalLogin
from hotspot.services.identification import (
    CodeSent,
    blacklist_phone,
    identify_by_document,
    import_registrations,
    request_code,
    returning_device,
    verify_code,
)
from hotspot.sms import build_provider
from hotspot.sms.dispatch import deliver
from hotspot.sms.providers.outbox import read_outbox
from hotspot.venues import OwnerPolicy
from tests import factories

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
PHONE = "998901234567"
MAC = "02:00:00:00:01:01"


@pytest.fixture
def outbox(tmp_path):
    path = tmp_path / "outbox.jsonl"
    provider = build_provider({"type": "outbox", "name": "outbox", "path": str(path)})

    def send(session, message, text):
        deliver(session, message, text, [provider], T0)
        return message.status in ("sent", "delivered")

    send.path = path  # type: ignore[attr-defined]
    return send


@pytest.fixture
def broken_gateway():
    # A real HTTP provider pointed at a closed port: the gateway is unreachable.
    from devstack.postgres import free_port

    provider = build_provider(
        {
            "type": "playmobile",
            "name": "pm",
            "base_url": f"http://127.0.0.1:{free_port()}",
            "login": "x",
            "password": "y",
            "originator": "3700",
        }
    )

    def send(session, message, text):
        deliver(session, message, text, [provider], T0)
        return message.status in ("sent", "delivered")

    return send


def last_code(outbox) -> str:
    return re.search(r"\d{4,6}", read_outbox(outbox.path)[-1]["text"]).group(0)


@pytest.fixture
def venue(db_session):
    owner = factories.owner(db_session)
    return factories.router(db_session, owner)


def test_code_is_sent_hashed_and_logs_the_device_in(
    db_session, settings, venue, outbox
):
    sent = request_code(db_session, venue, "+998 (90) 123-45-67", MAC, T0, outbox)
    assert isinstance(sent, CodeSent) and sent.phone == PHONE
    code = last_code(outbox)
    assert read_outbox(outbox.path)[-1]["to"] == PHONE
    assert code not in sent.challenge.code_hash
    assert sent.challenge.expires_at == T0 + dt.timedelta(seconds=300)
    login = verify_code(
        db_session, settings, venue, PHONE, code, MAC, T0 + dt.timedelta(minutes=1)
    )
    assert isinstance(login, PortalLogin)
    # The router gets the identification's own login name, not the phone.
    ident = db_session.scalar(select(Identification).where(Identification.mac == MAC))
    assert ident.subject == PHONE and login.username == ident.login
    assert re.fullmatch(r"i-[0-9a-f]{24}", login.username)
    assert login.ticket.mac == MAC and login.ticket.method == "sms"
    # Identified for 24 hours from now: the session may not last longer.
    assert login.decision.session_timeout == 24 * 3600


def test_wrong_codes_are_limited_per_code(db_session, settings, venue, outbox):
    request_code(db_session, venue, PHONE, MAC, T0, outbox)
    code = last_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        assert verify_code(
            db_session, settings, venue, PHONE, wrong, MAC, T0
        ) == Reject("code_wrong")
    assert verify_code(db_session, settings, venue, PHONE, wrong, MAC, T0) == Reject(
        "code_attempts"
    )
    # Even the right code is refused now: a new one must be requested.
    assert verify_code(db_session, settings, venue, PHONE, code, MAC, T0) == Reject(
        "code_attempts"
    )


def test_code_expires_and_never_lives_over_ten_minutes(
    db_session, settings, venue, outbox
):
    venue.owner.policy = {"otp_ttl": 3600}  # an owner cannot break the law
    assert OwnerPolicy.of(venue.owner).otp_ttl == 600
    request_code(db_session, venue, PHONE, MAC, T0, outbox)
    code = last_code(outbox)
    late = T0 + dt.timedelta(minutes=10)
    assert verify_code(db_session, settings, venue, PHONE, code, MAC, late) == Reject(
        "code_expired"
    )


def test_resend_cooldown_and_hourly_limits(db_session, venue, outbox):
    assert isinstance(request_code(db_session, venue, PHONE, MAC, T0, outbox), CodeSent)
    assert request_code(
        db_session, venue, PHONE, MAC, T0 + dt.timedelta(seconds=30), outbox
    ) == Reject("sms_cooldown")
    t = T0
    for _ in range(2):
        t += dt.timedelta(seconds=61)
        assert isinstance(
            request_code(db_session, venue, PHONE, MAC, t, outbox), CodeSent
        )
    # Three codes per phone per hour by default.
    t += dt.timedelta(seconds=61)
    assert request_code(db_session, venue, PHONE, MAC, t, outbox) == Reject("sms_limit")
    # Another phone from the same device is limited per MAC (5 per hour)...
    other = "998911112233"
    assert isinstance(
        request_code(
            db_session, venue, other, MAC, t + dt.timedelta(seconds=61), outbox
        ),
        CodeSent,
    )
    assert isinstance(
        request_code(
            db_session, venue, other, MAC, t + dt.timedelta(seconds=122), outbox
        ),
        CodeSent,
    )
    assert request_code(
        db_session, venue, "998933334455", MAC, t + dt.timedelta(seconds=183), outbox
    ) == Reject("sms_limit")
    # ...and an hour later the phone may ask again.
    assert isinstance(
        request_code(
            db_session,
            venue,
            PHONE,
            "02:00:00:00:01:09",
            T0 + dt.timedelta(hours=1, minutes=5),
            outbox,
        ),
        CodeSent,
    )
    assert len(read_outbox(outbox.path)) == 6


def test_router_daily_sms_budget(db_session, venue, outbox):
    venue.owner.policy = {"sms_router_daily_budget": 2, "sms_cooldown": 15}
    for i in range(2):
        phone = f"99890000000{i}"
        mac = f"02:00:00:00:02:0{i}"
        assert isinstance(
            request_code(db_session, venue, phone, mac, T0, outbox), CodeSent
        )
    assert request_code(
        db_session, venue, "998900000009", "02:00:00:00:02:09", T0, outbox
    ) == Reject("sms_limit")


def test_gateway_failure_is_recorded_and_retry_is_allowed(
    db_session, venue, broken_gateway, outbox
):
    from sqlalchemy import select

    from hotspot.models import SmsMessage

    assert request_code(db_session, venue, PHONE, MAC, T0, broken_gateway) == Reject(
        "sms_failed"
    )
    row = db_session.scalar(select(SmsMessage).where(SmsMessage.router_id == venue.id))
    assert row.status == "failed" and row.error
    # No cool-down after a failure: the guest may try again at once.
    assert isinstance(request_code(db_session, venue, PHONE, MAC, T0, outbox), CodeSent)


def test_invalid_and_foreign_phones(db_session, venue, outbox):
    assert request_code(db_session, venue, "12345", MAC, T0, outbox) == Reject(
        "phone_invalid"
    )
    assert request_code(
        db_session, venue, "+7 912 345 67 89", MAC, T0, outbox
    ) == Reject("phone_invalid")
    venue.owner.policy = {"phone_regions": ["UZ", "RU"]}
    assert isinstance(
        request_code(db_session, venue, "+7 912 345 67 89", MAC, T0, outbox), CodeSent
    )


def test_blacklisted_phone_gets_no_sms(db_session, venue, outbox):
    blacklist_phone(db_session, venue.owner, "+998 90 123 45 67", "abuse")
    assert request_code(db_session, venue, PHONE, MAC, T0, outbox) == Reject(
        "phone_blocked"
    )
    other_owner_router = factories.router(db_session, factories.owner(db_session))
    assert isinstance(
        request_code(db_session, other_owner_router, PHONE, MAC, T0, outbox), CodeSent
    )
    blacklist_phone(db_session, None, "998911112233")  # the operator, everywhere
    assert request_code(
        db_session, other_owner_router, "998911112233", "02:00:00:00:03:01", T0, outbox
    ) == Reject("phone_blocked")
    assert not read_outbox(outbox.path) or all(
        m["to"] != "998911112233" for m in read_outbox(outbox.path)
    )


def test_identification_lasts_24_hours(db_session, settings, venue, outbox):
    request_code(db_session, venue, PHONE, MAC, T0, outbox)
    verify_code(db_session, settings, venue, PHONE, last_code(outbox), MAC, T0)
    back = returning_device(
        db_session, settings, venue, MAC, T0 + dt.timedelta(hours=23)
    )
    first = db_session.scalar(
        select(Identification.login).where(
            Identification.router_id == venue.id, Identification.mac == MAC
        )
    )
    assert isinstance(back, PortalLogin) and back.username == first
    assert back.decision.session_timeout <= 3600
    assert (
        returning_device(db_session, settings, venue, MAC, T0 + dt.timedelta(hours=24))
        is None
    )
    assert (
        returning_device(db_session, settings, venue, "02:00:00:00:09:09", T0) is None
    )


HOTEL_CSV = """reference,surname,valid_from,valid_until
12,Karimov,2026-02-28T12:00:00,2026-03-03T12:00:00
 14 ,o'neil,2026-02-28T12:00:00,2026-03-01T12:00:00
"""


def test_hotel_guest_identifies_with_room_and_surname(db_session, settings, venue):
    venue.owner.policy = {"documents": ["hotel"]}
    assert import_registrations(db_session, venue.owner, "hotel", HOTEL_CSV) == 2
    assert identify_by_document(
        db_session, settings, venue, "hotel", "12", "Smith", MAC, T0
    ) == Reject("document_not_found")
    login = identify_by_document(
        db_session, settings, venue, "hotel", "12", " karimov ", MAC, T0
    )
    assert isinstance(login, PortalLogin)
    assert login.ticket.method == "hotel"
    # Check-out on 1 March at noon ends the identification of room 14 then.
    login14 = identify_by_document(
        db_session, settings, venue, "hotel", "14", "O'NEIL", "02:00:00:00:04:01", T0
    )
    assert isinstance(login14, PortalLogin)
    assert login14.decision.session_timeout == 3 * 3600
    assert identify_by_document(
        db_session, settings, venue, "ticket", "AB12345", "X", MAC, T0
    ) == Reject("documents_disabled")


def test_bad_csv_imports_nothing(db_session, venue):
    with pytest.raises(InvalidInput, match="line 3"):
        import_registrations(
            db_session,
            venue.owner,
            "ticket",
            "HY1234,Ivanov,2026-03-01,2026-03-02\nHY9,Petrov,2026-03-01,2026-03-02\nbad,row\n",
        )
    from sqlalchemy import func, select

    from hotspot.models import Registration

    assert (
        db_session.scalar(
            select(func.count(Registration.id)).where(
                Registration.owner_id == venue.owner_id
            )
        )
        == 0
    )


TICKETS_CSV = """ticket,surname,valid_from,valid_until
HY 2041-775,Rahimov,2026-03-01T00:00:00,2026-03-02T00:00:00
"""


def test_traveller_identifies_with_ticket_and_surname(db_session, settings, venue):
    venue.owner.policy = {"documents": ["ticket"], "ticket_pattern": r"^HY[0-9]{7}$"}
    assert import_registrations(db_session, venue.owner, "ticket", TICKETS_CSV) == 1
    # Typed with spaces and a dash, in lower case: the same ticket.
    login = identify_by_document(
        db_session, settings, venue, "ticket", "hy2041 775", "RAHIMOV", MAC, T0
    )
    assert isinstance(login, PortalLogin) and login.ticket.method == "ticket"
    # A number of another format is refused before any lookup.
    assert identify_by_document(
        db_session, settings, venue, "ticket", "ZZ1", "Rahimov", MAC, T0
    ) == Reject("document_not_found")
    # The ticket's validity ends the identification (and the session) early.
    assert login.decision.session_timeout == 15 * 3600
    # Outside its validity the ticket no longer identifies anyone.
    late = T0 + dt.timedelta(days=1)
    assert identify_by_document(
        db_session, settings, venue, "ticket", "HY2041775", "Rahimov", MAC, late
    ) == Reject("document_not_found")


def test_codes_are_limited_per_client_address(db_session, venue, outbox):
    """A script posting fake router contexts with random MACs and phones is stopped
    by the hourly limit of its address."""
    venue.owner.policy = {"sms_per_ip_hour": 3, "sms_per_router_hour": 1000}
    t = T0
    for n in range(3):
        t += dt.timedelta(seconds=61)
        sent = request_code(
            db_session,
            venue,
            f"99890000010{n}",
            f"02:00:00:00:05:0{n}",
            t,
            outbox,
            client_ip="203.0.113.7",
        )
        assert isinstance(sent, CodeSent)
    t += dt.timedelta(seconds=61)
    assert request_code(
        db_session,
        venue,
        "998900000109",
        "02:00:00:00:05:09",
        t,
        outbox,
        client_ip="203.0.113.7",
    ) == Reject("sms_limit")
    # Guests behind another address are not affected.
    assert isinstance(
        request_code(
            db_session,
            venue,
            "998900000108",
            "02:00:00:00:05:08",
            t,
            outbox,
            client_ip="198.51.100.4",
        ),
        CodeSent,
    )
