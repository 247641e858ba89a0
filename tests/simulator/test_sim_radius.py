"""The simulator's RADIUS client and dictionary, checked on the wire."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pyrad import packet
from pyrad.dictionary import Dictionary

from simulator import (
    NasIdentity,
    RadiusClient,
    RadiusError,
    RadiusTimeout,
    chap_response,
    format_mac,
    join_octets,
    load_dictionary,
    split_octets,
)
from simulator import build_dictionary as builder

from .fakes import SECRET, FakeRadius

DEBIAN = Path("/usr/share/freeradius")
MAC = "02:1A:2B:3C:4D:5E"


def client(radius: FakeRadius, **kwargs: Any) -> RadiusClient:
    settings: dict[str, Any] = {
        "nas": NasIdentity(nas_identifier="nas-1", called_station_id="hotspot1"),
        "timeout": 0.5,
        "retries": 2,
    }
    settings.update(kwargs)
    return RadiusClient(
        "127.0.0.1", SECRET, radius.auth_port, radius.acct_port, **settings
    )


# -- dictionary ---------------------------------------------------------------------


def test_dictionary_has_the_hotspot_attributes() -> None:
    d = load_dictionary()
    assert d is load_dictionary()  # cached
    expected = {
        "User-Name": (1, "string", ""),
        "CHAP-Password": (3, "octets", ""),
        "Class": (25, "octets", ""),
        "Acct-Input-Gigawords": (52, "integer", ""),
        "Message-Authenticator": (80, "octets", ""),
        "Acct-Interim-Interval": (85, "integer", ""),
        "Error-Cause": (101, "integer", ""),
        "Mikrotik-Rate-Limit": (8, "string", "Mikrotik"),
        "Mikrotik-Host-IP": (10, "ipaddr", "Mikrotik"),
        "Mikrotik-Total-Limit-Gigawords": (18, "integer", "Mikrotik"),
        "WISPr-Logoff-URL": (3, "string", "WISPr"),
    }
    for name, (code, kind, vendor) in expected.items():
        attr = d.attributes[name]
        assert (attr.code, attr.type, attr.vendor) == (code, kind, vendor), name
    assert d.vendors.GetForward("Mikrotik") == 14988
    assert d.vendors.GetForward("WISPr") == 14122
    causes = d.attributes["Error-Cause"].values
    assert causes.HasForward("Session-Context-Not-Found")
    assert causes.HasForward("Multiple-Session-Selection-Unsupported")  # RFC 5176


@pytest.mark.skipif(not DEBIAN.is_dir(), reason="no Debian FreeRADIUS dictionaries")
def test_dictionary_matches_freeradius_files() -> None:
    ours = load_dictionary()
    theirs = Dictionary(*(str(DEBIAN / name) for name in builder.SOURCE_FILES))
    for name, attr in theirs.attributes.items():
        if name in builder.SKIPPED_ATTRIBUTES:
            continue
        mine = ours.attributes[name]
        assert (mine.code, mine.type, mine.vendor) == (
            attr.code,
            attr.type,
            attr.vendor,
        )
        assert dict(mine.values.forward) == dict(attr.values.forward), name
    assert builder.main(["--check", "--source", str(DEBIAN)]) == 0


# -- helpers --------------------------------------------------------------------------


def test_octet_split_and_mac_format() -> None:
    assert split_octets(5 * 2**32 + 7) == (7, 5)
    assert split_octets(2**32 - 1) == (2**32 - 1, 0)
    assert join_octets(*split_octets(123_456_789_012)) == 123_456_789_012
    with pytest.raises(ValueError):
        split_octets(-1)
    assert format_mac("02-1a-2b-3c-4d-5e") == MAC
    assert format_mac("021a2b3c4d5e") == MAC
    with pytest.raises(ValueError):
        format_mac("02:1a:2b:3c:4d")
    with pytest.raises(ValueError):
        format_mac("ZZ:1a:2b:3c:4d:5e")


# -- authentication -------------------------------------------------------------------


def test_pap_request_looks_like_mikrotik(radius: FakeRadius) -> None:
    with client(radius) as cl:
        result = cl.authenticate(
            "alice",
            "alice-pw",
            mac="02:1a:2b:3c:4d:5e",
            ip="10.5.50.7",
            session_id="80000010",
        )
    assert result.accepted
    assert result.message_authenticator
    assert result.first("Session-Timeout") == 3600
    assert result.first("Class") == b"ticket-42"
    assert result.first("Mikrotik-Rate-Limit") == "2M/8M"
    assert "Message-Authenticator" not in result.attributes

    (req,) = radius.requests("auth")
    assert req.method == "PAP" and req.password == "alice-pw" and req.password_ok
    assert req.message_authenticator
    assert req.raw[20] == 80, "Message-Authenticator must be the first attribute"
    assert req.first("User-Name") == "alice"
    assert req.first("Calling-Station-Id") == MAC
    assert req.first("Called-Station-Id") == "hotspot1"
    assert req.first("NAS-Identifier") == "nas-1"
    assert req.first("NAS-IP-Address") == "127.0.0.1"
    assert req.first("NAS-Port-Type") == "Wireless-802.11"
    assert req.first("NAS-Port-Id") == "bridge-hotspot"
    assert req.first("NAS-Port") == 0x80000010
    assert req.first("Acct-Session-Id") == "80000010"
    assert req.first("Framed-IP-Address") == "10.5.50.7"
    assert req.first("Mikrotik-Host-IP") == "10.5.50.7"
    assert "CHAP-Password" not in req.attrs


def test_chap_request_is_verified_by_the_server(radius: FakeRadius) -> None:
    challenge = bytes(range(16))
    response = chap_response(0xF9, "alice-pw", challenge)
    with client(radius) as cl:
        result = cl.authenticate(
            "alice", chap=(b"\xf9", response, challenge), mac=MAC, ip="10.5.50.8"
        )
    assert result.accepted
    (req,) = radius.requests("auth")
    assert req.method == "CHAP" and req.password_ok
    assert req.first("CHAP-Password") == b"\xf9" + response
    assert req.first("CHAP-Challenge") == challenge
    assert "User-Password" not in req.attrs


def test_reject_carries_reply_message(radius: FakeRadius) -> None:
    with client(radius) as cl:
        result = cl.authenticate("alice", "nope", mac=MAC)
    assert not result.accepted
    assert result.code == packet.AccessReject
    assert result.reply_message == "wrong password"


def test_no_answer_raises_a_clear_timeout(radius: FakeRadius) -> None:
    radius.silent = True
    with (
        client(radius, timeout=0.1, retries=2) as cl,
        pytest.raises(RadiusTimeout, match=r"did not answer Access-Request .*2 tries"),
    ):
        cl.authenticate("alice", "alice-pw")
    assert len(radius.requests("auth")) == 2  # retransmitted


def test_missing_reply_message_authenticator(radius: FakeRadius) -> None:
    radius.reply_message_authenticator = False
    with client(radius) as cl:
        result = cl.authenticate("bob", "bob-pw")
    assert result.accepted and not result.message_authenticator
    with (
        client(
            radius, timeout=0.1, retries=1, require_message_authenticator=True
        ) as cl,
        pytest.raises(RadiusTimeout),
    ):
        cl.authenticate("bob", "bob-pw")


def test_wrong_secret_reply_is_dropped(radius: FakeRadius) -> None:
    radius.hosts["127.0.0.1"].secret = b"other-secret"
    with client(radius, timeout=0.1, retries=1) as cl, pytest.raises(RadiusTimeout):
        cl.authenticate("bob", "bob-pw")


def test_bind_address_plays_another_router(radius: FakeRadius) -> None:
    with client(radius, nas=None, bind_address="127.0.0.2") as cl:
        assert cl.authenticate("bob", "bob-pw").accepted
    (req,) = radius.requests("auth")
    assert req.source[0] == "127.0.0.2"
    assert req.first("NAS-IP-Address") == "127.0.0.2"
    # 127.0.0.3 is not a client of the fake server: the request is dropped
    with (
        client(radius, bind_address="127.0.0.3", timeout=0.1, retries=1) as cl,
        pytest.raises(RadiusTimeout),
    ):
        cl.authenticate("bob", "bob-pw")


def test_unusable_bind_address_is_a_radius_error(radius: FakeRadius) -> None:
    with (
        client(radius, bind_address="192.0.2.1") as cl,  # TEST-NET-1, not ours
        pytest.raises(RadiusError, match="socket error"),
    ):
        cl.authenticate("bob", "bob-pw")


# -- accounting -----------------------------------------------------------------------


def test_accounting_packets(radius: FakeRadius) -> None:
    common: dict[str, Any] = {
        "username": "alice",
        "session_id": "8000002a",
        "mac": MAC,
        "ip": "10.5.50.9",
        "class_values": [b"ticket-42"],
    }
    with client(radius) as cl:
        start = cl.accounting_start(**common)
        cl.accounting_interim(
            **common,
            session_time=61,
            input_octets=5 * 2**32 + 7,
            output_octets=2**32 - 1,
            input_packets=10,
            output_packets=20,
        )
        cl.accounting_stop(**common, session_time=62, input_octets=8, output_octets=9)
    assert start.code == packet.AccountingResponse

    first = radius.requests("Start")[0]
    assert first.first("Acct-Session-Id") == "8000002a"
    assert first.first("User-Name") == "alice"
    assert first.first("Class") == b"ticket-42"
    assert first.first("Acct-Delay-Time") == 0
    assert first.first("NAS-Port") == 0x8000002A
    assert first.first("Calling-Station-Id") == MAC
    assert first.first("Framed-IP-Address") == "10.5.50.9"
    assert "Acct-Input-Octets" not in first.attrs
    assert "Acct-Session-Time" not in first.attrs

    interim = radius.requests("Interim-Update")[0]
    assert interim.first("Acct-Input-Octets") == 7
    assert interim.first("Acct-Input-Gigawords") == 5
    assert interim.first("Acct-Output-Octets") == 2**32 - 1
    assert interim.first("Acct-Output-Gigawords") == 0
    assert interim.first("Acct-Input-Packets") == 10
    assert interim.first("Acct-Output-Packets") == 20
    assert interim.first("Acct-Session-Time") == 61
    assert "Acct-Terminate-Cause" not in interim.attrs

    stop = radius.requests("Stop")[0]
    assert stop.first("Acct-Terminate-Cause") == "User-Request"
    assert stop.first("Acct-Input-Octets") == 8
    assert stop.first("Class") == b"ticket-42"


def test_accounting_timeout(radius: FakeRadius) -> None:
    radius.silent = True
    with (
        client(radius, timeout=0.1, retries=2) as cl,
        pytest.raises(RadiusTimeout, match="Accounting-Request"),
    ):
        cl.accounting_start(username="alice", session_id="80000001")
    sent = radius.requests("Start")
    assert [r.first("Acct-Delay-Time") for r in sent] == [0, 0]  # pyrad adds 0.1 -> 0


def test_module_runs_as_a_script() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert "--nas-identifier" in out.stdout and "HOTSPOT_SIM_" in out.stdout
