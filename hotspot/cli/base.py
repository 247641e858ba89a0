"""What every command group shares: the context, output and error handling."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from hotspot.errors import DomainError
from hotspot.settings import Settings, SettingsError, with_local_stack


class Context:
    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._factory: Any = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env(with_local_stack())
        return self._settings

    def session_factory(self) -> Any:
        if self._factory is None:
            from hotspot.db import make_engine, make_sessionmaker

            self._factory = make_sessionmaker(make_engine(self.settings.database_url))
        return self._factory

    def gateway_names(self) -> list[str]:
        """Names of the SMS gateways this installation configured."""
        raw = self.settings.sms_providers or "[]"
        try:
            return [str(p.get("name")) for p in json.loads(raw) if isinstance(p, dict)]
        except ValueError as exc:
            raise SettingsError("HOTSPOT_SMS_PROVIDERS is not valid JSON") from exc


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def emit(data: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo(text(data))


def command(group: click.Group, name: str | None = None) -> Callable[..., Any]:
    """A subcommand with ``--json`` that turns domain errors into exit code 1."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        @click.option(
            "--json", "as_json", is_flag=True, help="Machine-readable output."
        )
        @functools.wraps(fn)
        def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> Any:
            try:
                return fn(*args, as_json=as_json, **kwargs)
            except (DomainError, SettingsError) as exc:
                message = getattr(exc, "message", str(exc))
                if as_json:
                    click.echo(
                        json.dumps(
                            {"error": getattr(exc, "key", "error"), "message": message}
                        )
                    )
                else:
                    click.echo(f"Error: {message}", err=True)
                sys.exit(1)
            except OperationalError as exc:
                _database_unreachable(exc, as_json)

        return group.command(name)(wrapper)

    return decorator


def _database_unreachable(exc: Exception, as_json: bool) -> None:
    """A database that does not answer: say which and what to do, no traceback."""
    from sqlalchemy.engine import make_url

    url = make_url(Context().settings.database_url)
    where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"
    message = (
        f"cannot reach the database at {where} ({str(exc.args[0]).strip()[:200]}). "
        "Is the local stack running (`make run`)? Otherwise set HOTSPOT_DATABASE_URL."
    )
    if as_json:
        click.echo(json.dumps({"error": "database_unreachable", "message": message}))
    else:
        click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.group()
def main() -> None:
    """Cloud WiFi hotspot platform for MikroTik networks."""


def write_private(path: str, data: bytes) -> None:
    """Write a file only its owner can read, from the first byte (it holds PINs)."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
