"""Disconnect and CoA through the outbox: the scheduler's send job talks RFC 5176
(pyrad) to the simulator's incoming RADIUS, which really ends or changes the session;
its Accounting-Stop then closes the session in the database."""

from __future__ import annotations

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.routers import outbox
from hotspot.services.tenancy import get_owner
from hotspot.services.vouchers import revoke_voucher
from tests import factories

from .conftest import actions_of, run_named_job, wait_stopped, wait_stored


def send(factory, venue) -> dict[str, int]:
    """What the send job does, for this venue's router only (other tests leave
    actions for routers of their own)."""
    return outbox.send_due(factory, utcnow(), router_ids=[venue.router.id]).as_dict()


def _voucher(session_factory, settings, venue, **limits):
    with transaction(session_factory) as s:
        return factories.voucher(s, s.merge(venue.owner), settings.pin_key, **limits)


def test_a_revoked_card_is_cut_at_the_router(
    sim_venue, settings, session_factory, scheduler_factory
):
    venue = sim_venue()
    card = _voucher(session_factory, settings, venue, time="1h")
    other = _voucher(session_factory, settings, venue, time="1h")
    online = venue.login(card)
    staying = venue.login(other)
    wait_stored(session_factory, venue.router, online.session_id)
    wait_stored(session_factory, venue.router, staying.session_id)

    with transaction(session_factory) as s:
        revoke_voucher(s, get_owner(s, venue.owner.name), card.code, utcnow())
    [queued] = actions_of(session_factory, venue.router)
    assert (queued.kind, queued.state, queued.reason) == (
        "disconnect",
        "pending",
        "voucher_revoked",
    )

    run_named_job("send-router-actions", scheduler_factory)
    # The router holds only the other guest; the cut one got its Stop.
    assert venue.nas.get_session(online.session_id) is None
    assert venue.nas.get_session(staying.session_id) is not None
    assert online.terminate_cause == "Admin-Reset"
    [request] = venue.sim.coa.received
    assert request.answer == "ack"
    assert request.attributes["User-Name"] == [card.code]
    assert request.attributes["Acct-Session-Id"] == [online.session_id]
    assert request.attributes["Framed-IP-Address"] == [online.ip]
    row = wait_stopped(session_factory, venue.router, online.session_id)
    assert row.terminate_cause == "Admin-Reset"
    [done] = actions_of(session_factory, venue.router)
    assert (done.state, done.result, done.attempts) == ("done", "ack", 1)
    # Nothing left to send: a second run sends nothing.
    assert send(scheduler_factory, venue) == {"claimed": 0}
    interims = online.interims_sent
    venue.nas.tick()
    assert online.interims_sent == interims  # no more accounting for it


def _queue(session_factory, venue, acct_session_id, **kwargs):
    from sqlalchemy import select

    from hotspot.models import RadiusSession
    from hotspot.routers.outbox import queue_action

    with transaction(session_factory) as s:
        rs = s.scalar(
            select(RadiusSession).where(
                RadiusSession.router_id == venue.router.id,
                RadiusSession.acct_session_id == acct_session_id,
            )
        )
        queue_action(s, rs, kwargs.pop("reason", "owner"), utcnow(), **kwargs)


def test_queueing_twice_queues_once_and_a_session_gone_is_done(
    sim_venue, settings, session_factory, scheduler_factory
):
    """The router no longer has the session (its guest left): NAK with
    Session-Context-Not-Found ends the action as "gone", not as a failure."""
    venue = sim_venue(accounting=False)  # the Stop never reaches the database
    card = _voucher(session_factory, settings, venue, time="1h")
    online = venue.login(card)
    # Without accounting the row comes from a Start we send as the router would.
    venue.nas.radius.accounting_start(
        username=card.code, session_id=online.session_id, mac=online.mac, ip=online.ip
    )
    wait_stored(session_factory, venue.router, online.session_id)
    venue.nas.logout(online.mac)
    _queue(session_factory, venue, online.session_id)
    _queue(session_factory, venue, online.session_id)
    assert len(actions_of(session_factory, venue.router)) == 1

    assert send(scheduler_factory, venue) == {
        "claimed": 1,
        "gone": 1,
    }
    [action] = actions_of(session_factory, venue.router)
    assert (action.state, action.result) == ("done", "gone")
    assert "Session-Context-Not-Found" in action.last_error
    assert venue.sim.coa.received[-1].error_cause == 503


def test_a_speed_change_is_a_coa_the_router_applies(
    sim_venue, settings, session_factory, scheduler_factory
):
    venue = sim_venue()
    card = _voucher(session_factory, settings, venue, time="1h", rate="2M/2M")
    online = venue.login(card)
    wait_stored(session_factory, venue.router, online.session_id)
    assert online.rate_limit == "2M/2M"
    _queue(session_factory, venue, online.session_id, rate_limit="512k/1M")
    # A newer speed while the first is pending replaces it.
    _queue(session_factory, venue, online.session_id, rate_limit="256k/4M")
    [action] = actions_of(session_factory, venue.router)
    assert (action.kind, action.rate_limit) == ("coa", "256k/4M")

    assert send(scheduler_factory, venue) == {
        "claimed": 1,
        "ack": 1,
    }
    held = venue.nas.get_session(online.session_id)
    assert held is not None  # still online, at the new speed
    assert (held.rate_limit, held.rx_limit_bps, held.tx_limit_bps) == (
        "256k/4M",
        256_000,
        4_000_000,
    )
    request = venue.sim.coa.received[-1]
    assert request.code == 43  # CoA-Request
    assert request.attributes["Mikrotik-Rate-Limit"] == ["256k/4M"]


def test_the_simulator_answers_like_a_hotspot(sim_venue, settings, session_factory):
    """User-Name alone selects nothing (NAK Missing-Attribute); a wrong secret or a
    missing Message-Authenticator gets no answer at all."""
    from pyrad import client as pyrad_client
    from pyrad import packet as pyrad_packet

    from hotspot.routers import coa

    venue = sim_venue()
    card = _voucher(session_factory, settings, venue, time="1h")
    online = venue.login(card)
    port = venue.sim.coa.port

    def request(secret: str, with_ma: bool = True, **attrs):
        cl = pyrad_client.Client(
            server=str(venue.router.ip_address),
            coaport=port,
            secret=secret.encode(),
            dict=coa.dictionary(),
            retries=1,
            timeout=0.5,
        )
        pkt = pyrad_packet.CoAPacket(
            code=pyrad_packet.DisconnectRequest,
            secret=secret.encode(),
            dict=coa.dictionary(),
        )
        if with_ma:
            pkt.add_message_authenticator()
        for name, value in attrs.items():
            pkt[name.replace("_", "-")] = value
        try:
            return cl.SendPacket(pkt)
        except pyrad_client.Timeout:
            return None
        finally:
            cl._CloseSocket()

    reply = request(venue.secret, User_Name=card.code)
    assert reply.code == pyrad_packet.DisconnectNAK
    assert reply["Error-Cause"] == [402]
    assert (
        request("not-the-secret", User_Name=card.code, Framed_IP_Address=online.ip)
        is None
    )
    assert (
        request(venue.secret, False, User_Name=card.code, Framed_IP_Address=online.ip)
        is None
    )
    assert venue.nas.get_session(online.session_id) is not None
    assert [r.answer for r in venue.sim.coa.received] == ["nak", "dropped", "dropped"]
    # The same with all three keys ends it.
    result = coa.send(
        coa.CoaTarget(str(venue.router.ip_address), port, venue.secret),
        coa.SessionRef(card.code, online.session_id, online.ip),
    )
    assert result.outcome == "ack"
    assert venue.nas.get_session(online.session_id) is None
