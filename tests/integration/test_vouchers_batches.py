"""Voucher batches as an operator makes, sells, exports and revokes them; each test in
a rolled-back transaction, with the time injected. What RADIUS would decide is asked
of the very SQL function rlm_sql calls (``hotspot_auth_state``) and the policy."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotspot.crypto import PinCipher
from hotspot.errors import InvalidInput, NotFound
from hotspot.models import Owner, Voucher, VoucherBatch
from hotspot.policy import Accept, AccessRequest, Reject, authorize
from hotspot.services.access import load_state, policy_config
from hotspot.services.tariffs import (
    add_tariff,
    archive_tariff,
    delete_tariff,
    get_tariff,
    list_tariffs,
)
from hotspot.services.vouchers import (
    batch_sheet,
    export_batch_csv,
    generate_vouchers,
    get_batch,
    get_voucher,
    list_vouchers,
    revoke_voucher,
)
from hotspot.settings import Settings
from tests import factories

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
MAC = "AA:BB:CC:DD:EE:51"
LOOK_ALIKES = set("0O1IL")


def radius_decision(
    session: Session, settings: Settings, owner: Owner, code: str, now: dt.datetime
) -> Accept | Reject:
    """What FreeRADIUS answers for this card at one of the owner's routers at
    ``now``: the state from hotspot_auth_state, the decision from the policy."""
    router = factories.router(session, owner)
    session.flush()
    state = load_state(session, router.id, code, MAC, now)
    return authorize(
        AccessRequest(code, MAC, router.id),
        state,
        now.timestamp(),
        policy_config(settings),
    )


@pytest.fixture
def cipher(settings: Settings) -> PinCipher:
    return PinCipher(settings.pin_key)


def test_a_batch_records_what_was_printed(db_session: Session, cipher) -> None:
    owner = factories.owner(db_session)
    tariff = factories.tariff(db_session, owner, time="2h", price="5000")
    issued = generate_vouchers(
        db_session,
        owner,
        tariff,
        200,
        cipher,
        prefix="CF",
        code_length=12,
        face_value="5000",
        note="March, cafe till",
        now=T0,
    )
    batch = get_batch(db_session, owner, issued[0].voucher.batch_id)
    assert (batch.count, batch.prefix, batch.face_value, batch.tariff_id) == (
        200,
        "CF",
        Decimal("5000.00"),
        tariff.id,
    )
    assert (batch.note, batch.created_at) == ("March, cafe till", T0)
    assert {i.voucher.batch_id for i in issued} == {batch.id}
    listed = list_vouchers(db_session, owner, batch_id=batch.id)
    assert {v.code for v in listed} == {i.code for i in issued} and len(listed) == 200

    codes = [i.code for i in issued]
    assert len(set(codes)) == 200
    for code in codes:
        assert len(code) == 12 and code.startswith("CF")
        assert code[2:].isdigit() and code[2] != "0"
    # Nobody can guess the next card from the one they bought: not in the order
    # printed, nor among all the card numbers.
    numbers = [int(c[2:]) for c in codes]
    assert all(abs(b - a) > 1 for a, b in zip(numbers, numbers[1:], strict=False))
    ordered = sorted(numbers)
    assert all(b - a > 1 for a, b in zip(ordered, ordered[1:], strict=False))
    assert numbers != ordered and numbers != ordered[::-1]


def test_alphanumeric_pins_have_no_look_alikes_and_never_sit_in_clear(
    db_session: Session, cipher
) -> None:
    owner = factories.owner(db_session)
    tariff = factories.tariff(db_session, owner, time="1h")
    issued = generate_vouchers(
        db_session,
        owner,
        tariff,
        200,
        cipher,
        pin_alphabet="alnum",
        pin_length=8,
        now=T0,
    )
    used = set()
    for item in issued:
        assert len(item.pin) == 8
        assert item.pin.isalnum() and item.pin == item.pin.upper()
        assert not set(item.pin) & LOOK_ALIKES, item.pin
        used |= set(item.pin)
        # What the card says is what RADIUS will check.
        assert cipher.decrypt(item.voucher.pin_encrypted) == item.pin
    # Letters and digits both appear: it is not just the digit alphabet.
    assert any(c.isalpha() for c in used) and any(c.isdigit() for c in used)

    rows = dict(
        db_session.execute(
            text("SELECT id, to_jsonb(v)::text FROM vouchers v WHERE owner_id = :o"),
            {"o": owner.id},
        ).all()
    )
    for item in issued:
        assert item.pin not in rows[item.voucher.id]


@pytest.mark.parametrize("bad", ["digits1", "hex", ""])
def test_unknown_pin_alphabets_are_refused(db_session, cipher, bad) -> None:
    owner = factories.owner(db_session)
    tariff = factories.tariff(db_session, owner, time="1h")
    with pytest.raises(InvalidInput, match="PIN alphabet"):
        generate_vouchers(db_session, owner, tariff, 1, cipher, pin_alphabet=bad)


def test_validity_from_creation_is_fixed_at_generation(
    db_session: Session, settings: Settings, cipher
) -> None:
    owner = factories.owner(db_session)
    from_creation = factories.tariff(
        db_session, owner, time="10h", validity="7d", validity_from="creation"
    )
    from_first_use = factories.tariff(db_session, owner, time="10h", validity="7d")
    [made] = generate_vouchers(db_session, owner, from_creation, 1, cipher, now=T0)
    [kept] = generate_vouchers(db_session, owner, from_first_use, 1, cipher, now=T0)

    assert made.voucher.expires_at == T0 + 7 * DAY
    assert made.voucher.validity_seconds is None
    assert kept.voucher.expires_at is None
    assert kept.voucher.validity_seconds == 7 * 86400

    # Sold eight days later: the first card is already over, the second starts now.
    later = T0 + 8 * DAY
    assert radius_decision(db_session, settings, owner, made.code, later) == Reject(
        "voucher_expired"
    )
    decision = radius_decision(db_session, settings, owner, kept.code, later)
    assert isinstance(decision, Accept) and decision.session_timeout == 36000
    # Sold two hours before the week is over: two hours, not the ten on the card.
    sold = T0 + 7 * DAY - dt.timedelta(hours=2)
    decision = radius_decision(db_session, settings, owner, made.code, sold)
    assert isinstance(decision, Accept) and decision.session_timeout == 7200


def test_unsold_cards_expire(db_session: Session, settings: Settings, cipher) -> None:
    owner = factories.owner(db_session)
    tariff = factories.tariff(db_session, owner, time="1h", validity="30d")
    [card] = generate_vouchers(
        db_session, owner, tariff, 1, cipher, unsold_expiry=180 * 86400, now=T0
    )
    # Unsold stock expires on its sell-by date; a card in use follows its validity.
    assert card.voucher.sell_by == T0 + 180 * DAY and card.voucher.expires_at is None
    assert card.voucher.validity_seconds == 30 * 86400
    decision = radius_decision(db_session, settings, owner, card.code, T0 + 179 * DAY)
    assert isinstance(decision, Accept) and decision.session_timeout == 3600
    assert radius_decision(
        db_session, settings, owner, card.code, T0 + 181 * DAY
    ) == Reject("voucher_expired")

    # With validity from creation too, the earlier end wins.
    week = factories.tariff(db_session, owner, validity="7d", validity_from="creation")
    [short] = generate_vouchers(
        db_session, owner, week, 1, cipher, unsold_expiry=180 * 86400, now=T0
    )
    assert short.voucher.expires_at == T0 + 7 * DAY
    with pytest.raises(InvalidInput, match="expiry"):
        generate_vouchers(db_session, owner, tariff, 1, cipher, unsold_expiry=0)


def test_metered_cards_need_a_face_value(db_session: Session, cipher) -> None:
    owner = factories.owner(db_session)
    metered = add_tariff(
        db_session,
        owner,
        "per MB",
        kind="metered",
        price_per_mb="50",
        price_per_minute="10",
    )
    with pytest.raises(InvalidInput, match="face value"):
        generate_vouchers(db_session, owner, metered, 5, cipher)
    with pytest.raises(InvalidInput, match="positive"):
        generate_vouchers(db_session, owner, metered, 5, cipher, face_value="0")
    issued = generate_vouchers(db_session, owner, metered, 5, cipher, face_value="5000")
    for item in issued:
        v = item.voucher
        assert (v.face_value, v.price_per_mb, v.price_per_minute) == (
            Decimal("5000.00"),
            Decimal("50.0000"),
            Decimal("10.0000"),
        )
    with pytest.raises(InvalidInput, match="price per MB"):
        add_tariff(db_session, owner, "no price", kind="metered")


def test_changing_a_tariff_does_not_change_sold_vouchers(
    db_session: Session, settings: Settings, cipher
) -> None:
    owner = factories.owner(db_session)
    tariff = factories.tariff(db_session, owner, time="1h", data="500MB", rate="2M/4M")
    [sold] = generate_vouchers(db_session, owner, tariff, 1, cipher, now=T0)
    tariff.time_limit, tariff.data_limit, tariff.rate_limit = 60, 1_000, "64k/64k"
    tariff.max_devices = 5
    db_session.flush()
    db_session.expire_all()

    v = get_voucher(db_session, owner, sold.code)
    assert (v.time_limit, v.data_limit, v.rate_limit, v.max_devices) == (
        3600,
        500_000_000,
        "2M/4M",
        1,
    )
    decision = radius_decision(db_session, settings, owner, sold.code, T0 + DAY)
    assert isinstance(decision, Accept)
    reply = {name: value for name, _, value in decision.reply}
    assert (reply["Session-Timeout"], reply["Mikrotik-Total-Limit"]) == (
        "3600",
        "500000000",
    )
    assert reply["Mikrotik-Rate-Limit"] == "2M/4M"


def test_a_tariff_in_use_is_archived_not_deleted(
    db_session: Session, settings: Settings, cipher
) -> None:
    owner = factories.owner(db_session)
    add_tariff(db_session, owner, "Day", time="1d")
    add_tariff(db_session, owner, "Unsold", time="1h")
    [sold] = generate_vouchers(
        db_session, owner, get_tariff(db_session, owner, "Day"), 1, cipher, now=T0
    )

    with pytest.raises(InvalidInput) as err:
        delete_tariff(db_session, owner, "Day")
    assert err.value.key == "tariff_in_use"
    assert "archive" in err.value.message
    delete_tariff(db_session, owner, "Unsold")  # nobody bought it: it goes
    with pytest.raises(NotFound):
        get_tariff(db_session, owner, "Unsold")

    archive_tariff(db_session, owner, "Day")
    assert [t.name for t in list_tariffs(db_session, owner)] == []
    assert [(t.name, t.archived) for t in list_tariffs(db_session, owner, True)] == [
        ("Day", True)
    ]
    with pytest.raises(InvalidInput, match="archived"):
        generate_vouchers(
            db_session, owner, get_tariff(db_session, owner, "Day"), 1, cipher
        )
    # The card already sold still works.
    assert isinstance(
        radius_decision(db_session, settings, owner, sold.code, T0 + DAY), Accept
    )


def test_revoking_a_card(db_session: Session, settings: Settings, cipher) -> None:
    owner = factories.owner(db_session)
    tariff = factories.tariff(db_session, owner, time="1h")
    [lost, kept] = generate_vouchers(db_session, owner, tariff, 2, cipher, now=T0)
    v = revoke_voucher(db_session, owner, lost.code, T0 + DAY)
    assert (v.status, v.revoked_at) == ("revoked", T0 + DAY)
    # Revoking again changes nothing (the first time is kept).
    assert revoke_voucher(db_session, owner, lost.code, T0 + 2 * DAY).revoked_at == (
        T0 + DAY
    )
    decision = radius_decision(db_session, settings, owner, lost.code, T0 + DAY)
    assert decision == Reject("voucher_revoked")
    assert decision.message == "This voucher has been revoked."
    assert isinstance(
        radius_decision(db_session, settings, owner, kept.code, T0 + DAY), Accept
    )
    assert [x.code for x in list_vouchers(db_session, owner, status="revoked")] == [
        lost.code
    ]


def test_export_lists_every_card_with_its_pin(db_session: Session, cipher) -> None:
    owner = factories.owner(db_session)
    tariff = add_tariff(db_session, owner, "Evening 3h", time="3h", price="12000")
    issued = generate_vouchers(
        db_session,
        owner,
        tariff,
        25,
        cipher,
        face_value="12000",
        unsold_expiry=90 * 86400,
        now=T0,
    )
    revoke_voucher(db_session, owner, issued[3].code, T0)
    out = export_batch_csv(db_session, owner, issued[0].voucher.batch_id, cipher)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "code",
        "pin",
        "tariff",
        "status",
        "expires_at",
        "sell_by",
        "face_value",
    ]
    body = rows[1:]
    assert len(body) == 25
    assert {(r[0], r[1]) for r in body} == {(i.code, i.pin) for i in issued}
    assert {r[2] for r in body} == {"Evening 3h"}
    assert {r[0]: r[3] for r in body}[issued[3].code] == "revoked"
    assert {r[4] for r in body} == {""}
    assert {r[5] for r in body} == {(T0 + 90 * DAY).isoformat()}
    assert {Decimal(r[6]) for r in body} == {Decimal(12000)}


def test_another_owner_sees_none_of_it(db_session: Session, cipher) -> None:
    a, b = factories.owner(db_session), factories.owner(db_session)
    tariff = factories.tariff(db_session, a, time="1h")
    [card] = generate_vouchers(db_session, a, tariff, 1, cipher, now=T0)
    batch_id = card.voucher.batch_id
    factories.tariff(db_session, b, time="1h")

    with pytest.raises(NotFound):
        get_voucher(db_session, b, card.code)
    with pytest.raises(NotFound):
        revoke_voucher(db_session, b, card.code, T0)
    with pytest.raises(NotFound):
        get_batch(db_session, b, batch_id)
    with pytest.raises(NotFound):
        export_batch_csv(db_session, b, batch_id, cipher)
    with pytest.raises(NotFound):
        batch_sheet(db_session, b, batch_id, cipher, "https://wifi.example")
    assert list_vouchers(db_session, b) == []
    assert list_vouchers(db_session, b, batch_id=batch_id) == []
    # Nothing happened to A's card.
    db_session.expire_all()
    assert db_session.get(Voucher, card.voucher.id).status == "new"
    assert db_session.get(VoucherBatch, batch_id).owner_id == a.id


def test_unsold_expiry_does_not_cut_a_card_in_use(db_session, settings):
    """A card sold late in its shelf life still gets its full validity."""
    import datetime as dt

    from hotspot.crypto import PinCipher
    from hotspot.policy import Accept, AccessRequest, Reject, authorize
    from hotspot.services.access import load_state, policy_config
    from hotspot.services.vouchers import generate_vouchers

    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    tariff = factories.tariff(db_session, owner, time="10h", validity="30d")
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    [card] = generate_vouchers(
        db_session,
        owner,
        tariff,
        1,
        PinCipher(settings.pin_key),
        unsold_expiry=180 * 86400,
        now=t0,
    )
    config = policy_config(settings)

    def decide(when):
        state = load_state(db_session, router.id, card.code, "02:00:00:00:00:01", when)
        return authorize(
            AccessRequest(card.code, "02:00:00:00:00:01", router.id),
            state,
            when.timestamp(),
            config,
        )

    assert decide(t0 + dt.timedelta(days=181)) == Reject("voucher_expired")
    # First used on day 170: activated, it lasts its 30 days, past day 180.
    card.voucher.activated_at = t0 + dt.timedelta(days=170)
    db_session.flush()
    assert isinstance(decide(t0 + dt.timedelta(days=185)), Accept)
    assert decide(t0 + dt.timedelta(days=201)) == Reject("voucher_expired")
