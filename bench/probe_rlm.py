"""A measuring wrapper around freeradius_module.rlm_hotspot, for the bench only.

Loaded by rlm_python3 instead of rlm_hotspot when ``--probe`` is given: a copy of
raddb/ in the bench's work directory
points ``python3 { module = ... }`` here. It times every ``authorize`` call (the part
of a request that runs inside rlm_python3's global mutex), in wall-clock and in the
thread's CPU time, and logs a summary for every ``BENCH_PROBE_WINDOW`` seconds:

    bench-probe: authorize n=3400 mean=214.0us cpu=61.0us p50=... p99=...
                 calls/s=1700 python-busy=0.36

``python-busy`` is the share of the time the mutex was held by a Python call: near
1.0, Python is the bottleneck. ``mean`` well above ``cpu`` means the thread holding
the mutex was preempted (2 cores shared by radiusd, PostgreSQL and the load).
"""

from __future__ import annotations

import os
import time

from freeradius_module import rlm_hotspot as _m

WINDOW = float(os.environ.get("BENCH_PROBE_WINDOW", "2.0"))
_wall: list[float] = []
_cpu: list[float] = []
_window_start = 0.0


def instantiate(p: object = None) -> int:
    rc = _m.instantiate(p)
    if rc == 0:
        try:
            _selftest()
        except Exception as exc:  # noqa: BLE001 - a probe must never stop the server
            _m._log(_m.L_WARN, f"bench-probe: self-test failed: {exc!r}")
    return rc


def sample_request() -> tuple:
    """A typical Access-Request as rlm_python3 passes it, with a state document
    like hotspot_auth_state's for an active voucher and a PIN made with the
    configured key."""
    from hotspot.crypto import PinCipher
    from hotspot.policy import STATE_FIELDS
    from hotspot.settings import Settings

    now = time.time()
    fields = {
        "router_id": 1,
        "router_owner": 1,
        "router_enabled": "true",
        "voucher_id": 7920,
        "voucher_owner": 1,
        "status": "active",
        "pin": PinCipher(Settings.from_env().pin_key).encrypt("123456"),
        "time_limit": 2592000,
        "data_limit": 10737418240,
        "rate_limit": "2M/4M",
        "idle_timeout": 600,
        "validity": 2592000,
        "activated_at": now - 3600,
        "used_seconds": 43200,
        "used_bytes": 920000000,
        "max_devices": 1,
    }
    state = "|".join(str(fields.get(name, "")) for name in STATE_FIELDS)
    return (
        ("User-Name", "9131227120"),
        ("User-Password", "123456"),
        ("Calling-Station-Id", "02:AA:BB:CC:DD:EE"),
        ("NAS-IP-Address", "127.0.0.1"),
        ("NAS-Identifier", "bench-nas"),
        ("NAS-Port", "2164260865"),
        ("NAS-Port-Type", "Ethernet"),
        ("NAS-Port-Id", "bridge-hotspot"),
        ("Called-Station-Id", "hotspot1"),
        ("Service-Type", "Login-User"),
        ("Framed-IP-Address", "10.5.50.1"),
        ("Mikrotik-Host-IP", "10.5.50.1"),
        ("Message-Authenticator", "0x00"),
        ("Tmp-String-0", state),
    )


def _selftest(n: int = 3000) -> None:
    """The Python call alone, n times in a row in this process: compare with the
    same loop under the venv's python (``python -m bench.probe_rlm``)."""
    request = sample_request()
    if _m.authorize(request)[0] != _m.RLM_MODULE_UPDATED:
        raise RuntimeError("the sample request was not accepted")
    t0, c0 = time.perf_counter(), time.thread_time()
    for _ in range(n):
        _m.authorize(request)
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    _m._log(
        _m.L_INFO,
        f"bench-probe: self-test {wall / n * 1e6:.1f}us/call "
        f"({cpu / n * 1e6:.1f}us CPU) over {n} calls",
    )


def authorize(p: tuple) -> object:
    global _window_start
    t0 = time.perf_counter()
    c0 = time.thread_time()
    try:
        return _m.authorize(p)
    finally:
        c1 = time.thread_time()
        t1 = time.perf_counter()
        _wall.append(t1 - t0)
        _cpu.append(c1 - c0)
        if t1 - _window_start >= WINDOW:
            if len(_wall) >= 50 and _window_start:
                _report(t1 - _window_start)
            _wall.clear()
            _cpu.clear()
            _window_start = t1


def _report(window: float) -> None:
    values = sorted(_wall)
    n = len(values)
    busy = sum(values)
    _m._log(
        _m.L_INFO,
        f"bench-probe: authorize n={n} mean={busy / n * 1e6:.1f}us "
        f"cpu={sum(_cpu) / n * 1e6:.1f}us "
        f"p50={values[n // 2] * 1e6:.1f}us p99={values[int(n * 0.99)] * 1e6:.1f}us "
        f"calls/s={n / window:.0f} python-busy={busy / window:.2f}",
    )


def detach(p: object = None) -> int:
    return _m.detach(p)


if __name__ == "__main__":
    # The same self-test outside FreeRADIUS (needs HOTSPOT_PIN_KEY/SECRET_KEY).
    if "HOTSPOT_PIN_KEY" not in os.environ:
        from hotspot.crypto import new_fernet_key

        os.environ["HOTSPOT_PIN_KEY"] = new_fernet_key()
        os.environ.setdefault("HOTSPOT_SECRET_KEY", "bench-" + "x" * 26)
    raise SystemExit(instantiate())
