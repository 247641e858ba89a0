"""Our small adapter over the RouterOS API client library.

The library is librouteros (GPL-2.0-or-later). Why it and not routeros-api (MIT):
this project is AGPL-3.0-or-later, and GPL-2.0-or-later code may be combined with it
(the "or later" allows GPLv3, which AGPLv3 section 13 lets us link with), so the
licence does not decide; librouteros is maintained (4.x releases in 2025-26), typed,
logs in the modern plain way by default (routeros-api defaults to the login removed
in RouterOS 6.45.1), and reads until ``!done`` so the ``!empty`` of RouterOS 7.18 is
harmless. Nothing outside this module imports it: swapping it for another client
means rewriting only :class:`RouterApi`.

Values come back as the router sent them, as strings (librouteros turns numbers and
yes/no into int/bool; we undo that so callers compare like with like).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import librouteros
from librouteros.exceptions import LibRouterosError
from librouteros.query import Key

Row = dict[str, str]


class RouterApiError(Exception):
    """The API could not be reached, refused us, or refused a command."""


@dataclass(frozen=True)
class ApiAccess:
    host: str
    port: int
    username: str
    password: str
    timeout: float = 5.0


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class RouterApi:
    """One API connection (not to be shared between threads)."""

    def __init__(self, access: ApiAccess) -> None:
        try:
            self._api = librouteros.connect(
                access.host,
                access.username,
                access.password,
                port=access.port,
                timeout=access.timeout,
                encoding="utf-8",
            )
        except (LibRouterosError, OSError) as exc:
            raise RouterApiError(f"RouterOS API at {access.host}: {exc}") from exc

    def close(self) -> None:
        try:
            self._api.close()
        except (LibRouterosError, OSError):
            pass

    def __enter__(self) -> RouterApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, *path: str, **where: str) -> list[Row]:
        menu = self._api.path(*path)
        try:
            if where:
                conditions = [Key(k) == v for k, v in where.items()]
                items = menu.select().where(*conditions)
            else:
                items = menu
            return [{k: _text(v) for k, v in row.items()} for row in items]
        except (LibRouterosError, OSError) as exc:
            raise RouterApiError(f"/{'/'.join(path)}/print: {exc}") from exc

    def _call(self, verb: str, *path: str, **attrs: str) -> str:
        """``add``/``set``/``remove``; ``max_limit=`` is sent as ``max-limit``."""
        menu = self._api.path(*path)
        attrs = {k.replace("_", "-"): v for k, v in attrs.items()}
        try:
            if verb == "add":
                return menu.add(**attrs)
            if verb == "set":
                menu.update(**attrs)
            else:
                menu.remove(*attrs[".id"].split(","))
            return ""
        except (LibRouterosError, OSError) as exc:
            raise RouterApiError(f"/{'/'.join(path)}/{verb}: {exc}") from exc

    def identity(self) -> str:
        return self._rows("system", "identity")[0]["name"]

    def active(self, **where: str) -> list[Row]:
        """``/ip/hotspot/active`` entries (``user=``, ``address=`` filter)."""
        return self._rows("ip", "hotspot", "active", **where)

    def hosts(self, **where: str) -> list[Row]:
        """``/ip/hotspot/host`` entries: the devices the hotspot sees, logged in
        or not (``mac-address=`` filter)."""
        return self._rows("ip", "hotspot", "host", **where)

    def remove_active(self, user: str, address: str | None = None) -> int:
        """Log a guest out, and remove its devices' cookies so that they are not
        logged straight back in. Returns how many sessions were removed."""
        rows = [r for r in self.active(user=user) if address in (None, r["address"])]
        if rows:
            self._call("remove", "ip", "hotspot", "active", **{".id": _ids(rows)})
        for mac in {r.get("mac-address", "") for r in rows} - {""}:
            self.remove_cookies(mac)
        return len(rows)

    def remove_cookies(self, mac: str) -> int:
        rows = self._rows("ip", "hotspot", "cookie", **{"mac-address": mac})
        if rows:
            self._call("remove", "ip", "hotspot", "cookie", **{".id": _ids(rows)})
        return len(rows)

    def queues(self) -> list[Row]:
        return self._rows("queue", "simple")

    def add_queue(self, **attrs: str) -> str:
        return self._call("add", "queue", "simple", **attrs)

    def set_queue(self, queue_id: str, **attrs: str) -> None:
        self._call("set", "queue", "simple", **{".id": queue_id, **attrs})

    def remove_queue(self, queue_id: str) -> None:
        self._call("remove", "queue", "simple", **{".id": queue_id})


def _ids(rows: list[Row]) -> str:
    return ",".join(r[".id"] for r in rows)
