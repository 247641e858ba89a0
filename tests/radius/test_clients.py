"""Which routers FreeRADIUS answers: routers come from the database (dynamic clients),
Message-Authenticator is enforced per router (Blast-RADIUS), and anything else is
dropped."""

from __future__ import annotations

import subprocess
import time

import pytest
from pyrad import client as pyrad_client
from pyrad import packet as pyrad_packet

from hotspot.db import transaction
from hotspot.models import Router
from simulator.radius import RadiusTimeout, load_dictionary
from tests import factories
from tests.radius.conftest import client_for, new_loopback_ip, wait_until

MAC = "AA:BB:CC:00:20:01"


def radclient(settings, secret: str, attrs: str) -> subprocess.CompletedProcess[str]:
    """FreeRADIUS's own radclient (from 127.0.0.1: router A), one try, 0.5 s."""
    return subprocess.run(
        [
            "radclient",
            "-x",
            "-r",
            "1",
            "-t",
            "0.5",
            f"{settings.radius_host}:{settings.radius_auth_port}",
            "auth",
            secret,
        ],
        input=attrs,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


def test_router_a_requires_message_authenticator(
    radius, settings, venues, make_voucher
):
    v = make_voucher("a", time="1h")
    attrs = (
        f'User-Name = "{v.code}"\nUser-Password = "{v.pin}"\n'
        f'Calling-Station-Id = "{MAC}"\n'
    )
    # A forged or old-style request without it: no answer at all.
    bare = radclient(settings, venues["a"].secret, attrs)
    assert bare.returncode != 0
    assert "No reply from server" in bare.stdout + bare.stderr
    assert "Received" not in bare.stdout
    # radclient fills in a real Message-Authenticator for "0x00": answered.
    signed = radclient(
        settings, venues["a"].secret, attrs + "Message-Authenticator = 0x00\n"
    )
    assert signed.returncode == 0, signed.stdout + signed.stderr
    assert "Received Access-Accept" in signed.stdout
    assert "Session-Timeout = 3600" in signed.stdout
    assert "Message-Authenticator = 0x" in signed.stdout.split("Received", 1)[1]


def _bare_pap(
    settings,
    venue,
    user: str,
    password: str,
    secret: str | None = None,
    timeout: float = 2.0,
):
    """An Access-Request with no Message-Authenticator, as older RouterOS sends."""
    cl = pyrad_client.Client(
        server=settings.radius_host,
        authport=settings.radius_auth_port,
        secret=(secret or venue.secret).encode(),
        dict=load_dictionary(),
        retries=1,
        timeout=timeout,
    )
    cl.bind((venue.ip, 0))
    try:
        pkt = cl.CreateAuthPacket(code=pyrad_packet.AccessRequest, User_Name=user)
        pkt["User-Password"] = pkt.PwCrypt(password)
        pkt["Calling-Station-Id"] = MAC
        assert 80 not in pkt  # no Message-Authenticator
        return cl.SendPacket(pkt)
    finally:
        cl._CloseSocket()


def test_router_b_does_not_require_message_authenticator(
    radius, settings, venues, make_voucher
):
    v = make_voucher("b", time="30m")
    reply = _bare_pap(settings, venues["b"], v.code, v.pin)
    assert reply.code == pyrad_packet.AccessAccept
    assert reply["Session-Timeout"] == [1800]
    # The reply is signed all the same.
    assert 80 in reply


def test_a_router_added_while_running_is_served_at_once(
    radius, settings, session_factory, radius_log
):
    ip, secret = new_loopback_ip(), "fresh-secret-" + factories.unique("s")
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        factories.router(s, owner, ip=ip, secret=secret)
        v = factories.voucher(s, owner, settings.pin_key, time="10m")
    with client_for(settings, ip=ip, secret=secret) as nas:
        r = nas.authenticate(v.code, v.pin, mac=MAC)
    assert r.accepted, r.reply_message
    assert r.first("Session-Timeout") == 600
    radius_log.wait_for(f"Adding client {ip}/32")


def test_an_unregistered_address_gets_no_answer_and_is_logged(
    radius, settings, make_voucher, radius_log
):
    v = make_voucher("a")
    expected = (
        f"Ignoring request to auth address {settings.radius_host} port "
        f"{settings.radius_auth_port} bound to server hotspot from unknown "
        "client 127.0.0.2 port "
    )
    with client_for(
        settings, ip="127.0.0.2", secret="testing123", timeout=0.5, retries=1
    ) as nas:
        with pytest.raises(RadiusTimeout):
            nas.accounting_start(username=v.code, session_id="82000001", mac=MAC)

        def dropped_and_logged() -> str | None:
            with pytest.raises(RadiusTimeout):
                nas.authenticate(v.code, v.pin, mac=MAC)
            return next(
                (ln for ln in radius_log.text().splitlines() if expected in ln), None
            )

        # FreeRADIUS prints that line at most once a second (server-wide), so an
        # earlier test's line may hide the first try's.
        wait_until(dropped_and_logged, timeout=4, interval=0.3)
    radius_log.wait_for(
        'Cannot add client 127.0.0.2: Required attribute "FreeRADIUS-Client-Secret" '
        "is missing"
    )


def test_wrong_shared_secret_gets_no_valid_answer(
    radius, settings, venues, make_voucher
):
    v = make_voucher("b")
    # Router A (signed requests): FreeRADIUS drops a request it cannot verify.
    with client_for(
        settings, venues["a"], secret="not-the-secret", timeout=0.5, retries=1
    ) as nas:
        with pytest.raises(RadiusTimeout):
            nas.authenticate(v.code, v.pin, mac=MAC)
    # Router B, unsigned PAP: whatever comes back does not verify with the wrong
    # secret, so the router ignores it.
    with pytest.raises(pyrad_client.Timeout):
        _bare_pap(
            settings, venues["b"], v.code, v.pin, secret="not-the-secret", timeout=0.5
        )
    # Accounting with the wrong secret is not recorded either: no answer.
    with client_for(
        settings, venues["b"], secret="not-the-secret", timeout=0.5, retries=1
    ) as nas:
        with pytest.raises(RadiusTimeout):
            nas.accounting_start(username=v.code, session_id="82000002", mac=MAC)


def test_disabling_a_router_or_changing_its_secret_takes_effect(
    radius, settings, session_factory
):
    """A disabled router is told it is off, within the client lifetime (2 s here)
    and after it; a new secret is the only one once the lifetime is over."""
    ip_x, ip_y = new_loopback_ip(), new_loopback_ip()
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        x = factories.router(s, owner, ip=ip_x, secret="old-secret-of-router-x")
        y = factories.router(s, owner, ip=ip_y, secret="secret-of-router-y")
        v = factories.voucher(s, owner, settings.pin_key)
    started = time.monotonic()
    with (
        client_for(settings, ip=ip_x, secret="old-secret-of-router-x") as nas_x,
        client_for(settings, ip=ip_y, secret="secret-of-router-y") as nas_y,
    ):
        assert nas_x.authenticate(v.code, v.pin, mac=MAC).accepted
        assert nas_y.authenticate(v.code, v.pin, mac=MAC).accepted
    with transaction(session_factory) as s:
        s.get(Router, y.id).enabled = False
        s.get(Router, x.id).radius_secret = "new-secret-of-router-x"

    with client_for(
        settings, ip=ip_y, secret="secret-of-router-y", timeout=0.5, retries=1
    ) as nas_y:
        sent_after = time.monotonic() - started
        r = nas_y.authenticate(v.code, v.pin, mac=MAC)
        assert r.attributes == {"Reply-Message": ["This hotspot is switched off."]}, (
            f"sent {sent_after:.1f}s after the client was added (lifetime 2s)"
        )

        time.sleep(max(0.0, started + 2.2 - time.monotonic()))
        r = nas_y.authenticate(v.code, v.pin, mac=MAC)
        assert r.attributes == {"Reply-Message": ["This hotspot is switched off."]}

    with client_for(settings, ip=ip_x, secret="new-secret-of-router-x") as nas_x:
        assert nas_x.authenticate(v.code, v.pin, mac=MAC).accepted
    with client_for(
        settings, ip=ip_x, secret="old-secret-of-router-x", timeout=0.5, retries=1
    ) as nas_x:
        with pytest.raises(RadiusTimeout):
            nas_x.authenticate(v.code, v.pin, mac=MAC)
