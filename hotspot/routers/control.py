"""How we reach a router to act on its sessions: its incoming RADIUS port, whether
it accepts Disconnect/CoA, its RouterOS API access, and its queues' totals."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy.orm import Session

from ..errors import InvalidInput, Text
from ..models import Router
from ..units import UnitError, parse_rate_limit


def _port(value: int, what: Text) -> int:
    if not 1 <= value <= 65535:
        raise InvalidInput("%(what)s: a port from 1 to 65535", what=what)
    return value


def set_router_control(
    session: Session,
    router: Router,
    *,
    coa_port: int | None = None,
    coa_enabled: bool | None = None,
    api_port: int | None = None,
    api_username: str | None = None,
    api_password: str | None = None,
    bandwidth: str | None = None,
    hotspot_network: str | None = None,
) -> Router:
    """Change what is given (``""`` clears bandwidth and network)."""
    if coa_port is not None:
        router.coa_port = _port(coa_port, Text("incoming RADIUS port"))
    if coa_enabled is not None:
        router.coa_enabled = coa_enabled
    if api_port is not None:
        router.api_port = _port(api_port, Text("API port"))
    if api_username is not None:
        router.api_username = api_username[:64] or None
    if api_password is not None:
        router.api_password = api_password[:128] or None
    if bandwidth is not None:
        try:
            router.bandwidth = parse_rate_limit(bandwidth) if bandwidth else None
        except UnitError as exc:
            raise InvalidInput(exc.text) from exc
    if hotspot_network is not None:
        try:
            network = ipaddress.ip_network(hotspot_network) if hotspot_network else None
        except ValueError as exc:
            raise InvalidInput(
                "not a network: %(network)r", network=hotspot_network
            ) from exc
        router.hotspot_network = str(network) if network else None
    session.flush()
    return router


def control_dict(router: Router) -> dict[str, Any]:
    """What the owner may see (never the API password)."""
    return {
        "nas_id": router.nas_identifier,
        "coa_port": router.coa_port,
        "coa_enabled": router.coa_enabled,
        "api_port": router.api_port,
        "api_username": router.api_username,
        "api_password_set": bool(router.api_password),
        "bandwidth": router.bandwidth,
        "hotspot_network": str(router.hotspot_network)
        if router.hotspot_network
        else None,
    }
