"""hotspot_accounting with what a hostile or broken router sends: made to fit, kept
as a dead letter when it still cannot be stored, and raised (to be retried) only
for errors that go away by themselves (migrations/sql/0008_functions.sql)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hotspot.models import AccountingDeadLetter
from tests import factories
from tests.integration.test_accounting_sql import ACCOUNTING, acct, sessions

U32 = 2**32 - 1
CAP = 2**62


@pytest.fixture
def venue(db_session, settings):
    owner = factories.owner(db_session)
    return owner, factories.router(db_session, owner)


def raw(session, router, **fields: str) -> str:
    """hotspot_accounting with the texts exactly as given ('' for the rest)."""
    args = dict.fromkeys(
        (
            "status sid user mac ip time in_lo in_gw out_lo out_gw cause now delay"
        ).split(),
        "",
    )
    args.update(router=str(router.id), status="Interim-Update", **fields)
    result = session.scalar(ACCOUNTING, args)
    session.expire_all()
    return result


def test_long_texts_are_shortened_the_same_way_each_time(db_session, venue) -> None:
    _, router = venue
    long_a, long_b = "a" * 70, "a" * 69 + "b"
    for sid in (long_a, long_a, long_b):
        assert acct(db_session, router, "Start", sid, "u" * 300, mac="M" * 40) == "ok"
    rows = sessions(db_session, router)
    assert len(rows) == 2  # one per session id, however long
    for row in rows:
        assert len(row.acct_session_id) == 64 and len(row.username) == 64
        assert row.acct_session_id.startswith("a" * 31 + "~")
        assert row.mac is None
    acct(db_session, router, "Stop", long_a, "u" * 300, cause="x" * 100)
    stopped = [r for r in sessions(db_session, router) if r.stopped_at]
    assert len(stopped) == 1 and stopped[0].terminate_cause == "x" * 32


def test_counters_that_are_no_numbers_count_as_absent(db_session, venue) -> None:
    _, router = venue
    assert (
        raw(
            db_session,
            router,
            sid="s1",
            user="u",
            time="0x0102",
            in_lo="-5",
            in_gw="1e9",
            out_lo="99999999999",
            delay="nan",
            now="soon",
            ip="10.5.50.999",
        )
        == "ok"
    )
    [row] = sessions(db_session, router)
    assert (row.session_time, row.input_octets, row.output_octets) == (0, 0, 0)
    assert row.framed_ip is None


def test_a_32_bit_counter_ends_at_2_to_the_32(db_session, venue) -> None:
    _, router = venue
    raw(db_session, router, sid="t1", user="u", time=str(U32))
    raw(db_session, router, sid="t2", user="u", time=str(U32 + 1))
    times = {r.acct_session_id: r.session_time for r in sessions(db_session, router)}
    assert times == {"t1": U32, "t2": 0}


def test_gigawords_at_their_maximum_are_capped(db_session, settings, venue) -> None:
    owner, router = venue
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    big = str(U32)
    for sid in ("g1", "g2", "g3"):  # three sessions: the card's total stays capped
        assert (
            raw(
                db_session,
                router,
                sid=sid,
                user=v.code,
                in_lo=big,
                in_gw=big,
                out_lo=big,
                out_gw=big,
            )
            == "ok"
        )
    rows = sessions(db_session, router)
    assert {(r.input_octets, r.output_octets) for r in rows} == {(CAP, CAP)}
    db_session.refresh(v)
    assert v.used_bytes == CAP and v.status == "active"


def test_a_record_that_cannot_be_stored_is_a_dead_letter(db_session, venue) -> None:
    _, router = venue
    db_session.execute(
        text(
            "ALTER TABLE radius_sessions ADD CONSTRAINT ck_poison"
            " CHECK (username <> 'poison') NOT VALID"
        )
    )
    assert acct(db_session, router, "Start", "d1", "poison", time=5) == "dead"
    assert sessions(db_session, router) == []
    letter = db_session.scalars(
        select(AccountingDeadLetter).where(AccountingDeadLetter.router_id == router.id)
    ).one()
    assert letter.router == str(router.id)
    assert letter.fields["session_id"] == "d1"
    assert letter.fields["username"] == "poison"
    assert letter.fields["session_time"] == "5"
    assert letter.reason.startswith("23514: ") and "ck_poison" in letter.reason


def test_an_error_that_may_pass_is_raised_to_be_retried(db_session, venue) -> None:
    _, router = venue
    db_session.execute(
        text("""
        CREATE FUNCTION pg_temp.deadlock() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'busy' USING ERRCODE = 'deadlock_detected'; END $$;
        CREATE TRIGGER t_deadlock BEFORE INSERT ON radius_sessions
            FOR EACH ROW EXECUTE FUNCTION pg_temp.deadlock();
        """)
    )
    with pytest.raises(DBAPIError, match="busy"), db_session.begin_nested():
        acct(db_session, router, "Start", "d2", "guest")
    letters = select(AccountingDeadLetter.id).where(
        AccountingDeadLetter.router_id == router.id
    )
    assert db_session.scalar(letters) is None
