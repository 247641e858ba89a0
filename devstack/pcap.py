"""A small pcap writer: IPv4 TCP/UDP packets with chosen times, so softflowd can
replay them as NetFlow v9 or IPFIX (``softflowd -r file.pcap``) into the collector.

Used by the flow tests and the flow benchmark: they know each packet's client,
destination and time, and so which session each exported flow belongs to.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: pcap global header: magic, v2.4, GMT offset 0, accuracy 0, snaplen, Ethernet.
_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
_ETHERNET = bytes.fromhex("0200000000020200000000010800")
TCP, UDP = 6, 17


@dataclass(frozen=True)
class Packet:
    at: dt.datetime
    src: str
    dst: str
    sport: int
    dport: int
    proto: int = TCP
    payload: int = 40


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _frame(p: Packet) -> bytes:
    if p.proto == TCP:
        # ACK|PSH: softflowd keeps such flows open until they expire.
        l4 = struct.pack(
            "!HHIIBBHHH", p.sport, p.dport, 1, 1, 5 << 4, 0x18, 65535, 0, 0
        )
    else:
        l4 = struct.pack("!HHHH", p.sport, p.dport, 8 + p.payload, 0)
    body = l4 + b"x" * p.payload
    src = ipaddress.IPv4Address(p.src).packed
    dst = ipaddress.IPv4Address(p.dst).packed
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64, p.proto, 0, src, dst
    )
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return _ETHERNET + ip + body


def write_pcap(path: Path | str, packets: Iterable[Packet]) -> int:
    """Write the packets (in time order) to a pcap file; returns how many."""
    count = 0
    with open(path, "wb") as out:
        out.write(_HEADER)
        for p in packets:
            frame = _frame(p)
            stamp = p.at.timestamp()
            seconds = int(stamp)
            micros = round((stamp - seconds) * 1_000_000)
            out.write(struct.pack("<IIII", seconds, micros, len(frame), len(frame)))
            out.write(frame)
            count += 1
    return count
