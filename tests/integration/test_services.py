"""The operator's use cases behind the ``hotspot`` CLI: owners, routers, tariffs and
voucher batches, with the errors an operator can meet."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hotspot.crypto import PinCipher, new_fernet_key
from hotspot.errors import AlreadyExists, InvalidInput
from hotspot.models import Voucher
from hotspot.services.tariffs import add_tariff
from hotspot.services.tenancy import add_owner, add_router, generate_router_secret
from hotspot.services.vouchers import generate_vouchers
from hotspot.settings import Settings
from tests import factories

# -- owners -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "has space", "-leading-dash", "x" * 65, "émile"])
def test_add_owner_rejects_bad_names(db_session: Session, name: str) -> None:
    with pytest.raises(InvalidInput):
        add_owner(db_session, name)


def test_add_owner_twice(db_session: Session) -> None:
    name = factories.unique("cafe")
    owner = add_owner(db_session, name, "Cafe Bahor")
    assert (owner.name, owner.display_name) == (name, "Cafe Bahor")
    with pytest.raises(AlreadyExists):
        add_owner(db_session, name)


# -- routers ----------------------------------------------------------------------


def test_add_router(db_session: Session) -> None:
    owner = factories.owner(db_session)
    r = add_router(
        db_session,
        owner,
        "cafe-1",
        "192.0.2.10",
        "s3cret!x-16-chars",
        require_message_authenticator=True,
    )
    assert (
        r.nas_identifier,
        str(r.ip_address),
        r.radius_secret,
        r.enabled,
        r.require_message_authenticator,
        r.title,
    ) == ("cafe-1", "192.0.2.10", "s3cret!x-16-chars", True, True, "cafe-1")


def test_two_owners_adding_one_nas_identifier_at_once(session_factory) -> None:
    """The second of two simultaneous adds of a NAS identifier waits on the first
    (its check ran before the first committed) and then gets the same clear
    refusal as a later add; its transaction goes on."""
    import threading
    import time

    from hotspot.db import transaction

    with transaction(session_factory) as s:
        first_owner, second_owner = factories.owner(s), factories.owner(s)
    nas = factories.unique("race")
    first, second = session_factory(), session_factory()
    outcome: list[BaseException | None] = []

    def add_second() -> None:
        try:
            add_router(second, second_owner, nas, "192.0.2.202", "race-secret-16-chars")
            outcome.append(None)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            outcome.append(exc)

    try:
        add_router(first, first_owner, nas, "192.0.2.201", "race-secret-16-chars")
        racer = threading.Thread(target=add_second)
        racer.start()
        with session_factory() as watcher:  # the second insert waits on the first
            for _ in range(100):
                waiting = watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE wait_event_type = 'Lock'"
                        " AND query LIKE 'INSERT INTO routers%'"
                    )
                )
                watcher.rollback()
                if waiting:
                    break
                time.sleep(0.05)
        assert waiting, "the second add did not reach its insert"
        first.commit()
        racer.join(10)
        [error] = outcome
        assert isinstance(error, AlreadyExists), repr(error)
        assert error.message == f"router {nas!r} exists"
        assert second.scalar(select(func.count()).select_from(text("routers"))) >= 1
    finally:
        second.rollback()
        second.close()
        first.close()


@pytest.mark.parametrize(
    ("nas_id", "ip", "secret", "match"),
    [
        ("cafe-1", "300.1.1.1", "s3cret!x-16-chars", "not an IP address"),
        ("cafe-1", "localhost", "s3cret!x-16-chars", "not an IP address"),
        ("cafe-1", "", "s3cret!x-16-chars", "not an IP address"),
        ("cafe-1", "192.0.2.0/24", "s3cret!x-16-chars", "not an IP address"),
        ("cafe 1", "192.0.2.10", "s3cret!x-16-chars", "NAS identifier"),
        ("", "192.0.2.10", "s3cret!x-16-chars", "NAS identifier"),
        ("cafe-1", "192.0.2.10", "short", "too short"),
        ("cafe-1", "192.0.2.10", "s3cret", "too short"),
        ("cafe-1", "192.0.2.10", "fifteen-chars-x", r"too short \(15 characters\)"),
        ("cafe-1", "192.0.2.10", "has space but long", "RADIUS secret"),
        ("cafe-1", "192.0.2.10", "tab\tsecret-long-enough", "RADIUS secret"),
        ("cafe-1", "192.0.2.10", "x" * 129, "RADIUS secret"),
    ],
)
def test_add_router_rejects_bad_input(db_session, nas_id, ip, secret, match) -> None:
    owner = factories.owner(db_session)
    with pytest.raises(InvalidInput, match=match):
        add_router(db_session, owner, nas_id, ip, secret)


def test_generated_router_secrets_are_accepted_and_differ(db_session) -> None:
    first, second = generate_router_secret(), generate_router_secret()
    assert first != second and len(first) >= 16
    r = add_router(
        db_session, factories.owner(db_session), "cafe-g", "192.0.2.30", first
    )
    assert r.radius_secret == first


def test_add_router_rejects_a_duplicate_nas_id_or_address(db_session: Session) -> None:
    a, b = factories.owner(db_session), factories.owner(db_session)
    nas = factories.unique("nas")
    add_router(db_session, a, nas, "192.0.2.20", "s3cret!x-16-chars")
    # Even for another owner: the NAS identifier and the address identify the router.
    with pytest.raises(AlreadyExists, match="exists"):
        add_router(db_session, b, nas, "192.0.2.21", "s3cret!x-16-chars")
    with pytest.raises(AlreadyExists, match="192.0.2.20"):
        add_router(
            db_session, b, factories.unique("nas"), "192.0.2.20", "s3cret!x-16-chars"
        )


# -- tariffs ----------------------------------------------------------------------


def test_add_tariff_parses_what_the_operator_types(db_session: Session) -> None:
    owner = factories.owner(db_session)
    t = add_tariff(
        db_session,
        owner,
        "Day pass",
        time="1h30m",
        data="1.5GB",
        rate="2M/4M  4M/8M",
        validity="30d",
        idle="5m",
        price="5000",
    )
    assert (
        t.time_limit,
        t.data_limit,
        t.rate_limit,
        t.validity_seconds,
        t.idle_timeout,
        t.price,
        t.currency,
    ) == (5400, 1_500_000_000, "2M/4M 4M/8M", 2_592_000, 300, 5000, "UZS")


@pytest.mark.parametrize(
    "limits",
    [
        pytest.param({"time": "90x"}, id="bad-duration"),
        pytest.param({"time": "1.5h"}, id="fractional-duration"),
        pytest.param({"validity": "forever"}, id="bad-validity"),
        pytest.param({"idle": "10 minutes"}, id="bad-idle"),
        pytest.param({"data": "lots"}, id="bad-size"),
        pytest.param({"rate": "fast"}, id="bad-rate"),
        pytest.param({"time": "0s"}, id="zero-time"),
        pytest.param({"data": "0MB"}, id="zero-data"),
        pytest.param({"time": "30000d"}, id="time-too-large"),
        pytest.param({"validity": "100000w"}, id="validity-too-large"),
        pytest.param({"data": "10000000TB"}, id="data-too-large"),
        pytest.param({"price": "cheap"}, id="bad-price"),
    ],
)
def test_add_tariff_rejects_bad_limits(db_session: Session, limits) -> None:
    owner = factories.owner(db_session)
    with pytest.raises(InvalidInput):
        add_tariff(db_session, owner, "Bad", **limits)
    # Nothing half-written, and the session is still usable.
    assert (
        db_session.scalar(
            text("SELECT count(*) FROM tariffs WHERE owner_id = :o"), {"o": owner.id}
        )
        == 0
    )


def test_add_tariff_name_is_unique_per_owner(db_session: Session) -> None:
    a, b = factories.owner(db_session), factories.owner(db_session)
    add_tariff(db_session, a, "Hour", time="1h")
    with pytest.raises(AlreadyExists):
        add_tariff(db_session, a, "Hour", time="2h")
    add_tariff(db_session, b, "Hour", time="1h")  # another owner may use the name


# -- vouchers ---------------------------------------------------------------------


def test_generated_vouchers(db_session: Session, settings: Settings) -> None:
    owner = factories.owner(db_session)
    tariff = factories.tariff(db_session, owner, time="1h", data="500MB", rate="1M/2M")
    cipher = PinCipher(settings.pin_key)
    issued = generate_vouchers(db_session, owner, tariff, 200, cipher, pin_length=8)
    assert len(issued) == 200
    codes = [i.code for i in issued]
    assert len(set(codes)) == 200
    for code in codes:
        assert len(code) == 10 and code.isdigit() and code[0] != "0"
    # Not sequential: neither in the order issued nor as numbers.
    assert codes != sorted(codes)
    numbers = sorted(int(c) for c in codes)
    assert all(b - a > 1 for a, b in zip(numbers, numbers[1:], strict=False))

    for item in issued:
        v = item.voucher
        assert cipher.decrypt(v.pin_encrypted) == item.pin
        assert len(item.pin) == 8 and item.pin.isdigit()
        # The tariff's limits are copied: changing the tariff later changes nothing.
        assert (v.time_limit, v.data_limit, v.rate_limit, v.status, v.owner_id) == (
            3600,
            500_000_000,
            "1M/2M",
            "new",
            owner.id,
        )

    # No PIN is stored in clear anywhere in its row (the card number aside).
    rows = dict(
        db_session.execute(
            text(
                "SELECT id, (to_jsonb(v) - 'code')::text FROM vouchers v"
                " WHERE owner_id = :o"
            ),
            {"o": owner.id},
        ).all()
    )
    for item in issued:
        assert item.pin not in rows[item.voucher.id]
    # ... and the PINs need the key: another key decrypts none.
    other = PinCipher(new_fernet_key())
    assert all(other.decrypt(i.voucher.pin_encrypted) is None for i in issued)


def test_a_batch_is_complete_even_when_codes_collide(
    db_session: Session, settings: Settings
) -> None:
    """A full batch of short codes while many are taken: some draws hit the database,
    their re-draws hit the batch itself, and still exactly ``count`` distinct new
    cards come out."""
    owner = factories.owner(db_session)
    tariff = factories.tariff(db_session, owner, time="1h")
    cipher = PinCipher(settings.pin_key)
    [model] = generate_vouchers(db_session, owner, tariff, 1, cipher, prefix="M")
    # Take 40,000 of the 900,000 possible six-digit codes with prefix "T" (copies of
    # a real voucher row, so the insert keeps up with the schema). A batch of 10,000
    # then hits ~450 taken codes, and about five of their re-draws hit the batch.
    taken = range(100000, 1000000, 22)
    db_session.execute(
        text(
            "INSERT INTO vouchers SELECT r.* FROM vouchers v"
            " CROSS JOIN generate_series(100000, 999999, 22) n"
            " CROSS JOIN LATERAL jsonb_populate_record(v, jsonb_build_object("
            "  'id', nextval(pg_get_serial_sequence('vouchers', 'id')),"
            "  'code', 'T' || n)) r"
            " WHERE v.id = :id"
        ),
        {"id": model.voucher.id},
    )
    issued = generate_vouchers(
        db_session, owner, tariff, 10000, cipher, code_length=6, prefix="T"
    )
    codes = {i.code for i in issued}
    assert len(issued) == len(codes) == 10000
    assert not {int(c[1:]) for c in codes} & set(taken)
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(Voucher)
            .where(Voucher.owner_id == owner.id)
        )
        == 1 + len(taken) + 10000
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"count": 0},
        {"count": 10001},
        {"count": 1, "code_length": 5},
        {"count": 1, "pin_length": 3},
    ],
)
def test_generate_vouchers_rejects_bad_batches(db_session, settings, kwargs) -> None:
    owner = factories.owner(db_session)
    tariff = factories.tariff(db_session, owner, time="1h")
    with pytest.raises(InvalidInput):
        generate_vouchers(
            db_session, owner, tariff, cipher=PinCipher(settings.pin_key), **kwargs
        )


def test_no_vouchers_from_another_owners_or_an_archived_tariff(db_session, settings):
    a, b = factories.owner(db_session), factories.owner(db_session)
    tariff_b = factories.tariff(db_session, b, time="1h")
    cipher = PinCipher(settings.pin_key)
    with pytest.raises(InvalidInput, match="another owner"):
        generate_vouchers(db_session, a, tariff_b, 1, cipher)
    tariff_b.archived = True
    with pytest.raises(InvalidInput, match="archived"):
        generate_vouchers(db_session, b, tariff_b, 1, cipher)
