"""Closed-loop RADIUS load generator: stdlib only, UDP on 127.0.0.1.

Keeps exactly N requests in flight (one connected UDP socket per slot: a slot sends
its next request only when the previous one was answered or timed out), with every
packet built before the clock starts:

- Access-Request: Message-Authenticator first (HMAC-MD5), User-Name, User-Password
  (RFC 2865 5.2 encryption with the packet's own random Request Authenticator),
  Calling-Station-Id and the attributes a MikroTik hotspot sends.
- Accounting-Request (Interim-Update): counters that grow by a fixed step per packet
  and per session, so the final state in the database is known in advance.

Every reply is checked: same id, a valid Response Authenticator (MD5 over the reply
with the request's authenticator and the secret) and, for Access replies, a valid
Message-Authenticator. Stale or forged replies are counted, never taken as answers.

FreeRADIUS treats a packet with the same (source port, id, authenticator) as the one
it answered less than ``cleanup_delay`` seconds ago as a duplicate and replays the
cached answer. So a slot never resends a packet on the same socket: when its
pre-built Access-Requests run out it moves to a fresh socket (a new source port) and
starts over; Accounting-Requests carry new counters anyway and are built ahead of
time in batches (``prebuild``), with any extra batch built in the loop counted in
``inloop_built`` (0 when the estimate was right).

Use it as a library (:func:`run`) or as ``python -m bench.loadgen < spec.json``,
which prints the result as JSON. Only 127.0.0.1 is allowed as the target.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import select
import socket
import struct
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

ACCESS_REQUEST = 1
ACCESS_ACCEPT = 2
ACCESS_REJECT = 3
ACCOUNTING_REQUEST = 4
ACCOUNTING_RESPONSE = 5

# RFC 2865/2866/2869 attribute numbers
USER_NAME = 1
USER_PASSWORD = 2
NAS_IP_ADDRESS = 4
NAS_PORT = 5
SERVICE_TYPE = 6
FRAMED_IP_ADDRESS = 8
VENDOR_SPECIFIC = 26
CALLED_STATION_ID = 30
CALLING_STATION_ID = 31
NAS_IDENTIFIER = 32
ACCT_STATUS_TYPE = 40
ACCT_DELAY_TIME = 41
ACCT_INPUT_OCTETS = 42
ACCT_OUTPUT_OCTETS = 43
ACCT_SESSION_ID = 44
ACCT_AUTHENTIC = 45
ACCT_SESSION_TIME = 46
ACCT_INPUT_PACKETS = 47
ACCT_OUTPUT_PACKETS = 48
ACCT_INPUT_GIGAWORDS = 52
ACCT_OUTPUT_GIGAWORDS = 53
NAS_PORT_TYPE = 61
NAS_PORT_ID = 87
MESSAGE_AUTHENTICATOR = 80
MIKROTIK = 14988
MIKROTIK_HOST_IP = 10
INTERIM_UPDATE = 3
ETHERNET = 15  # NAS-Port-Type of a MikroTik hotspot on a bridge

_ZERO16 = bytes(16)
_U32 = 0xFFFFFFFF
MAX_SLOTS = 1024
#: Sockets a slot has left stay open this long (FreeRADIUS cleanup_delay is 5 s).
RETIRE_SECONDS = 6.0
#: Access-Requests built in all before the clock starts (at least one per user).
AUTH_POOL = 16384


# -- encoding --------------------------------------------------------------------
def attr(kind: int, value: bytes) -> bytes:
    if not 0 < len(value) <= 253:
        raise ValueError(f"attribute {kind}: length {len(value)}")
    return bytes((kind, len(value) + 2)) + value


def attr_str(kind: int, value: str) -> bytes:
    return attr(kind, value.encode())


def attr_int(kind: int, value: int) -> bytes:
    return attr(kind, struct.pack("!I", value & _U32))


def attr_ip(kind: int, value: str) -> bytes:
    return attr(kind, socket.inet_aton(value))


def vsa(vendor: int, kind: int, value: bytes) -> bytes:
    return attr(VENDOR_SPECIFIC, struct.pack("!I", vendor) + attr(kind, value))


def pap_encrypt(password: bytes, secret: bytes, authenticator: bytes) -> bytes:
    """User-Password hiding (RFC 2865 5.2)."""
    if len(password) > 128:
        raise ValueError("password longer than 128 octets")
    pad = -len(password) % 16 if password else 16
    padded = password + bytes(pad)
    out = bytearray()
    last = authenticator
    for i in range(0, len(padded), 16):
        key = hashlib.md5(secret + last).digest()
        block = bytes(a ^ b for a, b in zip(padded[i : i + 16], key, strict=True))
        out += block
        last = block
    return bytes(out)


def access_request(
    ident: int,
    secret: bytes,
    user: str,
    password: str,
    extra: bytes = b"",
    authenticator: bytes | None = None,
) -> tuple[bytes, bytes]:
    """A signed Access-Request (Message-Authenticator first) and its authenticator."""
    auth = authenticator or os.urandom(16)
    body = (
        attr(MESSAGE_AUTHENTICATOR, _ZERO16)
        + attr_str(USER_NAME, user)
        + attr(USER_PASSWORD, pap_encrypt(password.encode(), secret, auth))
        + extra
    )
    header = struct.pack("!BBH", ACCESS_REQUEST, ident & 0xFF, 20 + len(body)) + auth
    packet = header + body
    mac = hmac.digest(secret, packet, "md5")
    # Message-Authenticator is the first attribute: value at offset 22.
    return packet[:22] + mac + packet[38:], auth


def accounting_request(ident: int, secret: bytes, attrs: bytes) -> tuple[bytes, bytes]:
    """An Accounting-Request and its Request Authenticator (RFC 2866 3)."""
    header = struct.pack("!BBH", ACCOUNTING_REQUEST, ident & 0xFF, 20 + len(attrs))
    auth = hashlib.md5(header + _ZERO16 + attrs + secret).digest()
    return header + auth + attrs, auth


def response_ok(reply: bytes, req_auth: bytes, secret: bytes) -> bool:
    """Response Authenticator = MD5(Code+ID+Length+RequestAuth+Attributes+Secret)."""
    return (
        hashlib.md5(reply[:4] + req_auth + reply[20:] + secret).digest() == reply[4:20]
    )


def message_authenticator_ok(
    reply: bytes, req_auth: bytes, secret: bytes
) -> bool | None:
    """True/False for a valid/invalid Message-Authenticator, None if absent."""
    pos, end = 20, len(reply)
    while pos + 2 <= end:
        kind, length = reply[pos], reply[pos + 1]
        if length < 2:
            return False
        if kind == MESSAGE_AUTHENTICATOR and length == 18:
            zeroed = (
                reply[:4] + req_auth + reply[20 : pos + 2] + _ZERO16 + reply[pos + 18 :]
            )
            return hmac.compare_digest(
                hmac.digest(secret, zeroed, "md5"), reply[pos + 2 : pos + 18]
            )
        pos += length
    return None


# -- workloads ---------------------------------------------------------------------
@dataclass
class AuthUser:
    user: str
    password: str
    mac: str


@dataclass
class AcctSession:
    user: str
    session_id: str
    mac: str
    framed_ip: str
    nas_port: int
    #: Counters already reported for this session; the next packet adds one step.
    session_time: int = 0
    input_octets: int = 0
    output_octets: int = 0


@dataclass
class Workload:
    kind: str  # "auth" or "acct"
    port: int
    secret: str
    inflight: int
    duration: float
    warmup: float = 1.0
    timeout: float = 2.0
    host: str = "127.0.0.1"
    nas_identifier: str = "bench-nas"
    called_station_id: str = "hotspot1"
    nas_ip: str = "127.0.0.1"
    users: list[AuthUser] = field(default_factory=list)
    sessions: list[AcctSession] = field(default_factory=list)
    #: Accounting: what each Interim-Update adds to a session's counters.
    step_time: int = 60
    step_input: int = 1_000_000
    step_output: int = 5_000_000
    #: Accounting-Requests built per slot before the clock starts; more are built
    #: in the loop if needed (counted in ``inloop_built``). Access-Requests come
    #: from a pool of AUTH_POOL packets reused on fresh sockets.
    prebuild: int = 2048
    #: Return the latencies (seconds) of the measured window too.
    keep_latencies: bool = False
    #: Process trees whose CPU use over the measured window is reported, by name.
    watch: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Workload:
        data = dict(data)
        data["users"] = [AuthUser(**u) for u in data.get("users", [])]
        data["sessions"] = [AcctSession(**s) for s in data.get("sessions", [])]
        return cls(**data)


class _Slot:
    __slots__ = (
        "index",
        "sock",
        "fd",
        "packets",
        "pos",
        "t0",
        "cur",
        "ident",
        "sessions",
        "counts",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.sock: socket.socket | None = None
        self.fd = -1
        self.packets: list[tuple[bytes, bytes, int]] = []
        self.pos = 0
        self.t0 = 0.0
        self.cur: tuple[bytes, bytes, int] = (b"", b"", -1)
        self.ident = index & 0xFF
        self.sessions: list[int] = []  # acct: indices into workload.sessions
        self.counts: list[int] = []  # acct: packets built per own session


class _Builder:
    """Builds the packets of one slot."""

    def __init__(self, w: Workload) -> None:
        self.w = w
        self.secret = w.secret.encode()
        common = (
            attr_str(NAS_IDENTIFIER, w.nas_identifier)
            + attr_ip(NAS_IP_ADDRESS, w.nas_ip)
            + attr_int(NAS_PORT_TYPE, ETHERNET)
            + attr_str(NAS_PORT_ID, "bridge-hotspot")
            + attr_str(CALLED_STATION_ID, w.called_station_id)
        )
        self.common = common

    def auth_packets(self, slot: _Slot, users: Sequence[AuthUser], count: int) -> None:
        out = []
        for i in range(count):
            u = users[i % len(users)]
            ip = f"10.5.50.{i % 250 + 1}"
            extra = (
                attr_str(CALLING_STATION_ID, u.mac)
                + attr_int(SERVICE_TYPE, 1)
                + attr_ip(FRAMED_IP_ADDRESS, ip)
                + self.common
                + attr_int(NAS_PORT, 0x81000000 + i)
                + vsa(MIKROTIK, MIKROTIK_HOST_IP, socket.inet_aton(ip))
            )
            ident = (slot.index + i) & 0xFF
            packet, auth = access_request(ident, self.secret, u.user, u.password, extra)
            out.append((packet, auth, -1))
        slot.packets = out
        slot.pos = 0

    def acct_packets(self, slot: _Slot, count: int) -> list[tuple[bytes, bytes, int]]:
        """The next ``count`` Interim-Updates of this slot's sessions, in order."""
        w = self.w
        out = []
        n = len(slot.sessions)
        built = sum(slot.counts)
        for k in range(count):
            j = (built + k) % n
            idx = slot.sessions[j]
            s = w.sessions[idx]
            slot.counts[j] += 1
            step = slot.counts[j]
            t = s.session_time + step * w.step_time
            i_oct = s.input_octets + step * w.step_input
            o_oct = s.output_octets + step * w.step_output
            attrs = (
                attr_int(ACCT_STATUS_TYPE, INTERIM_UPDATE)
                + attr_str(USER_NAME, s.user)
                + attr_str(ACCT_SESSION_ID, s.session_id)
                + attr_str(CALLING_STATION_ID, s.mac)
                + attr_ip(FRAMED_IP_ADDRESS, s.framed_ip)
                + attr_int(NAS_PORT, s.nas_port)
                + self.common
                + attr_int(ACCT_AUTHENTIC, 1)
                + attr_int(ACCT_DELAY_TIME, 0)
                + attr_int(ACCT_SESSION_TIME, t)
                + attr_int(ACCT_INPUT_OCTETS, i_oct & _U32)
                + attr_int(ACCT_INPUT_GIGAWORDS, i_oct >> 32)
                + attr_int(ACCT_OUTPUT_OCTETS, o_oct & _U32)
                + attr_int(ACCT_OUTPUT_GIGAWORDS, o_oct >> 32)
                + attr_int(ACCT_INPUT_PACKETS, step * 900)
                + attr_int(ACCT_OUTPUT_PACKETS, step * 4000)
                + vsa(MIKROTIK, MIKROTIK_HOST_IP, socket.inet_aton(s.framed_ip))
            )
            ident = (slot.index + built + k) & 0xFF
            packet, auth = accounting_request(ident, self.secret, attrs)
            out.append((packet, auth, idx))
        return out


# -- CPU use of the processes under test ----------------------------------------------
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[bytes] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    return stat[stat.rindex(b")") + 2 :].split()


def process_tree(pid: int) -> list[int]:
    """``pid`` and its direct children (a postmaster and its backends)."""
    out = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and int(fields[1]) == pid:
                out.append(int(entry))
    return out


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """user+system CPU seconds of each process (all its threads)."""
    out = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            out[pid] = (int(fields[11]) + int(fields[12])) / _CLK_TCK
    return out


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat; not idle, iowait)."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / _CLK_TCK


def machine_busy(interval: float = 0.5) -> float:
    """Cores busy over the next ``interval`` seconds."""
    before = machine_busy_seconds()
    time.sleep(interval)
    return (machine_busy_seconds() - before) / interval


class CpuWatch:
    """CPU used by named process trees over an interval, in cores (1.0 = one core),
    and by the whole machine (``machine``)."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots
        self.before: dict[str, dict[int, float]] = {}
        self.t0 = 0.0
        self.machine0 = 0.0

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.machine0 = machine_busy_seconds()
        self.before = {n: cpu_seconds(process_tree(p)) for n, p in self.roots.items()}

    def stop(self) -> dict[str, float]:
        seconds = time.perf_counter() - self.t0
        out = {"machine": (machine_busy_seconds() - self.machine0) / seconds}
        for name, root in self.roots.items():
            after = cpu_seconds(process_tree(root))
            before = self.before.get(name, {})
            # A process that started in between counts from zero; one that ended
            # is lost (pooled connections do not end during a run).
            used = sum(v - before.get(pid, 0.0) for pid, v in after.items())
            out[name] = used / seconds if seconds > 0 else 0.0
        return out


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def run(w: Workload) -> dict[str, Any]:
    """Run one closed-loop measurement and return its figures.

    Long because it is the measured loop: its locals stay in fast local variables, and a
    call per packet would cost more than what is measured.
    """
    if w.host != "127.0.0.1":
        raise ValueError("the load generator only targets 127.0.0.1")
    if not 1 <= w.inflight <= MAX_SLOTS:
        raise ValueError(f"inflight: 1 to {MAX_SLOTS}")
    if not 0 < w.duration <= 600 or not 0 <= w.warmup <= 600:
        raise ValueError("duration 0-600 s, warm-up 0-600 s")
    if w.kind == "auth" and not w.users:
        raise ValueError("auth needs users")
    if w.kind == "acct" and len(w.sessions) < w.inflight:
        raise ValueError("acct needs at least one session per slot")
    secret = w.secret.encode()
    builder = _Builder(w)
    is_auth = w.kind == "auth"
    n = w.inflight

    t_build = time.perf_counter()
    slots = [_Slot(i) for i in range(n)]
    for s in slots:
        if is_auth:
            own = w.users[s.index :: n] or [w.users[s.index % len(w.users)]]
            per_slot = max(-(-max(AUTH_POOL, len(w.users)) // n), 256, len(own))
            builder.auth_packets(s, own, per_slot)
        else:
            s.sessions = list(range(s.index, len(w.sessions), n))
            s.counts = [0] * len(s.sessions)
            s.packets = builder.acct_packets(s, max(w.prebuild, 1))
    build_seconds = time.perf_counter() - t_build

    ep = select.epoll()
    by_fd: dict[int, _Slot] = {}
    retired: deque[tuple[float, socket.socket]] = deque()
    addr = (w.host, w.port)

    def new_socket(s: _Slot) -> None:
        if s.sock is not None:
            ep.unregister(s.fd)
            del by_fd[s.fd]
            # Keep it open for longer than cleanup_delay (5 s) so the kernel cannot
            # hand its port to a new socket while FreeRADIUS still remembers it.
            retired.append((time.perf_counter() + RETIRE_SECONDS, s.sock))
            while retired and retired[0][0] < time.perf_counter():
                retired.popleft()[1].close()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
        sock.bind(("127.0.0.1", 0))
        sock.connect(addr)
        sock.setblocking(False)
        s.sock, s.fd = sock, sock.fileno()
        by_fd[s.fd] = s
        ep.register(s.fd, select.EPOLLIN)

    for s in slots:
        new_socket(s)

    inloop_built = 0
    sockets_opened = n
    sent_total = 0

    def send_next(s: _Slot, now: float) -> None:
        nonlocal inloop_built, sockets_opened, sent_total
        if s.pos >= len(s.packets):
            if is_auth:
                new_socket(s)
                sockets_opened += 1
                s.pos = 0
            else:
                batch = max(256, w.prebuild // 4)
                s.packets = builder.acct_packets(s, batch)
                inloop_built += batch
                s.pos = 0
                now = time.perf_counter()
        s.cur = s.packets[s.pos]
        s.pos += 1
        s.t0 = now
        s.sock.send(s.cur[0])  # type: ignore[union-attr]
        sent_total += 1

    latencies: list[float] = []
    lat_append = latencies.append
    accepts = rejects = responses = other = 0
    timeouts = bad_auth = stale = ma_missing = ma_bad = 0
    sent_in_window = 0
    cpu0 = time.process_time()
    start = time.perf_counter()
    measure_from = start + w.warmup
    end = measure_from + w.duration
    cpu_window = None
    watch = CpuWatch(w.watch)
    sent_before = 0
    t_first_send = time.time()
    for s in slots:
        send_next(s, time.perf_counter())
    next_scan = start + 0.05
    poll = ep.poll
    perf = time.perf_counter
    md5 = hashlib.md5
    in_window = False
    while True:
        now = perf()
        if now >= end:
            break
        if not in_window and now >= measure_from:
            in_window = True
            watch.start()
            cpu_window = time.process_time()
            sent_before = sent_total
        for fd, _ev in poll(0.02):
            s = by_fd.get(fd)
            if s is None:
                continue
            try:
                data = s.sock.recv(4096)  # type: ignore[union-attr]
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionRefusedError:
                other += 1
                continue
            now = perf()
            packet, req_auth, _ = s.cur
            if (
                len(data) < 20
                or data[1] != packet[1]
                or md5(data[:4] + req_auth + data[20:] + secret).digest() != data[4:20]
            ):
                # An answer to an earlier request (after a timeout) or a forgery.
                if len(data) >= 20 and data[1] == packet[1]:
                    bad_auth += 1
                else:
                    stale += 1
                continue
            code = data[0]
            if is_auth:
                ok = message_authenticator_ok(data, req_auth, secret)
                if ok is None:
                    ma_missing += 1
                elif not ok:
                    ma_bad += 1
            if now >= measure_from:
                lat_append(now - s.t0)
                if code == ACCESS_ACCEPT:
                    accepts += 1
                elif code == ACCESS_REJECT:
                    rejects += 1
                elif code == ACCOUNTING_RESPONSE:
                    responses += 1
                else:
                    other += 1
            send_next(s, now)
        if now >= next_scan:
            next_scan = now + 0.05
            limit = now - w.timeout
            for s in slots:
                if s.t0 < limit:
                    if now >= measure_from:
                        timeouts += 1
                    if is_auth:
                        new_socket(s)  # a late answer must not be taken for the next
                        sockets_opened += 1
                    send_next(s, now)
    window = perf() - measure_from
    t_last_send = time.time()
    cpu_end = time.process_time()
    server_cpu = watch.stop() if in_window else {}
    sent_in_window = sent_total - sent_before if in_window else 0

    # Let the requests still in flight finish (not counted), so the server is idle
    # when the next measurement starts and every Interim-Update sent was answered.
    pending = {s.fd: s for s in slots}
    drain_deadline = perf() + w.timeout
    unanswered = 0
    while pending and perf() < drain_deadline:
        for fd, _ev in poll(0.05):
            s = pending.get(fd)
            if s is None:
                continue
            try:
                data = s.sock.recv(4096)  # type: ignore[union-attr]
            except (BlockingIOError, InterruptedError, ConnectionRefusedError):
                continue
            if (
                len(data) >= 20
                and data[1] == s.cur[0][1]
                and response_ok(data, s.cur[1], secret)
            ):
                del pending[fd]
    unanswered = len(pending)
    for _, sock in retired:
        sock.close()
    for s in slots:
        if s.sock is not None:
            s.sock.close()
    ep.close()

    latencies.sort()
    completed = len(latencies)
    result: dict[str, Any] = {
        "kind": w.kind,
        "inflight": n,
        "duration": window,
        "completed": completed,
        "rate": completed / window if window > 0 else 0.0,
        "accepts": accepts,
        "rejects": rejects,
        "responses": responses,
        "other": other,
        "timeouts": timeouts,
        "bad_authenticator": bad_auth,
        "stale": stale,
        "ma_missing": ma_missing,
        "ma_bad": ma_bad,
        "sent_in_window": sent_in_window,
        "sent_total": sent_total,
        "unanswered_at_end": unanswered,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p90_ms": _percentile(latencies, 0.90) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else float("nan"),
        "client_cpu": (cpu_end - cpu_window) / window if cpu_window and window else 0.0,
        "cpu": server_cpu,
        "t_first_send": t_first_send,
        "t_last_send": t_last_send,
        "build_seconds": build_seconds,
        "inloop_built": inloop_built,
        "sockets_opened": sockets_opened,
        "cpu_total_seconds": cpu_end - cpu0,
    }
    if not is_auth:
        # Interim-Updates sent per session (the server got all of them unless
        # there were timeouts); the caller advances its counters by these.
        sent = [0] * len(w.sessions)
        for s in slots:
            built_not_sent = len(s.packets) - s.pos
            for j, idx in enumerate(s.sessions):
                sent[idx] += s.counts[j]
            # Packets built but never sent: take them back, newest first.
            for packet in s.packets[s.pos :][::-1] if built_not_sent else []:
                sent[packet[2]] -= 1
        result["sent_per_session"] = sent
    if w.keep_latencies:
        result["latencies"] = latencies
    return result


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", help="workload JSON file (default: stdin)")
    args = parser.parse_args(argv)
    if args.spec:
        with open(args.spec) as fh:
            spec = json.load(fh)
    else:
        spec = json.load(sys.stdin)
    result = run(Workload.from_dict(spec))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
