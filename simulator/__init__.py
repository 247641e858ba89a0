"""A MikroTik-like hotspot router ("NAS") for the demo stack, tests and benchmarks.

It speaks the real wire protocols: HTTP to the guest's browser (a login page that
posts to the external portal, then ``/login``, ``/status``, ``/logout``) and RADIUS
through pyrad to FreeRADIUS (Access-Request with PAP or CHAP, accounting Start,
Interim-Update and Stop), RFC 5176 Disconnect/CoA from the server, and the
RouterOS API.

Modules:

- :mod:`simulator.radius`: the RADIUS dictionary and a MikroTik-like RADIUS client.
- :mod:`simulator.router`: :class:`Router`, its config, devices and sessions.
- :mod:`simulator.hotspot`: the guest-facing WSGI app.
- :mod:`simulator.coa`: incoming RADIUS (Disconnect/CoA, RFC 5176).
- :mod:`simulator.routeros`: the RouterOS API server (TCP, the real protocol).
- :mod:`simulator.server`: :func:`start_simulator`, which runs it all in threads.
- ``python -m simulator``: the command line.
"""

from .hotspot import HotspotApp, create_app
from .radius import (
    AuthResult,
    ChapCredentials,
    NasIdentity,
    RadiusClient,
    RadiusError,
    RadiusReply,
    RadiusTimeout,
    authenticate,
    chap_response,
    format_mac,
    join_octets,
    load_dictionary,
    split_octets,
)
from .router import Device, LoginResult, Router, RouterConfig, Session, random_mac
from .server import RunningSimulator, start_simulator

__all__ = [
    "AuthResult",
    "ChapCredentials",
    "Device",
    "HotspotApp",
    "LoginResult",
    "NasIdentity",
    "RadiusClient",
    "RadiusError",
    "RadiusReply",
    "RadiusTimeout",
    "Router",
    "RouterConfig",
    "RunningSimulator",
    "Session",
    "authenticate",
    "chap_response",
    "create_app",
    "format_mac",
    "join_octets",
    "load_dictionary",
    "random_mac",
    "split_octets",
    "start_simulator",
]
