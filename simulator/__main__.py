"""Command line: ``python -m simulator [options]``.

Every option can also be given as an environment variable ``HOTSPOT_SIM_<NAME>``,
named after the long option (``--nas-identifier`` -> ``HOTSPOT_SIM_NAS_IDENTIFIER``);
the command line wins. Boolean variables take 1/true/yes/on or 0/false/no/off.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from .router import RouterConfig
from .server import start_simulator

ENV_PREFIX = "HOTSPOT_SIM_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _env_name(option: str) -> str:
    return ENV_PREFIX + option.lstrip("-").replace("-", "_").upper()


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _int_auto(value: str) -> int:
    return int(value, 0)


def _login_by(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _optional_float(value: str) -> float | None:
    return float(value) if value.strip() else None


def build_parser(environ: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with defaults taken from ``environ`` (os.environ).

    Long because it is one flat list of options.
    """
    env = os.environ if environ is None else environ
    defaults = RouterConfig()
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="A MikroTik-like hotspot router: HTTP login page for guests, "
        "RADIUS authentication and accounting to FreeRADIUS.",
        epilog=f"Each option may be set as an environment variable {ENV_PREFIX}"
        "<OPTION>, e.g. HOTSPOT_SIM_SECRET=demo-router-secret-2026.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )

    def add(
        group: argparse._ArgumentGroup,
        option: str,
        default: Any,
        text: str,
        **kwargs: Any,
    ) -> None:
        name = _env_name(option)
        value = env.get(name)
        group.add_argument(
            option,
            default=default if value is None else value,
            help=f"{text} [{name}]",
            **kwargs,
        )

    def flag(
        group: argparse._ArgumentGroup, option: str, default: bool, text: str
    ) -> None:
        name = _env_name(option)
        value = env.get(name)
        if value is not None:
            if value.strip().lower() not in _TRUE | _FALSE:
                parser.error(f"{name}: not a boolean: {value!r}")
            default = value.strip().lower() in _TRUE
        group.add_argument(
            option,
            default=default,
            help=f"{text} [{name}]",
            action=argparse.BooleanOptionalAction,
        )

    g = parser.add_argument_group("hotspot (HTTP side)")
    add(
        g, "--listen", "127.0.0.1:8081", "HOST:PORT to serve guests on", type=_host_port
    )
    add(g, "--portal-url", defaults.portal_url, "external login page (portal) URL")
    add(
        g,
        "--login-html",
        None,
        "the router's login.html (RouterOS $(variables)), e.g. the one `hotspot "
        "router script` installs; unset: a stock-like page posting to --portal-url",
    )
    add(
        g,
        "--public-url",
        None,
        "router base URL put in links; unset: the Host the guest used",
    )
    add(
        g,
        "--login-by",
        ",".join(defaults.login_by),
        "comma-separated login methods: http-chap, http-pap",
        type=_login_by,
    )
    add(
        g,
        "--server-name",
        defaults.server_name,
        "hotspot server name (Called-Station-Id)",
    )
    add(g, "--interface", defaults.interface, "hotspot interface (NAS-Port-Id)")
    add(g, "--network", defaults.network, "guest address pool (first host: router)")
    add(g, "--default-orig", defaults.default_orig, "link-orig when a guest opens /")

    g = parser.add_argument_group("RADIUS")
    add(g, "--radius-host", defaults.radius_host, "RADIUS server address")
    add(g, "--auth-port", defaults.auth_port, "authentication port", type=int)
    add(g, "--acct-port", defaults.acct_port, "accounting port", type=int)
    add(g, "--secret", defaults.secret, "shared secret")
    add(g, "--nas-identifier", defaults.nas_identifier, "identity (NAS-Identifier)")
    add(g, "--nas-ip", None, "NAS-IP-Address; unset: --bind or 127.0.0.1")
    add(g, "--bind", None, "local source address of RADIUS packets, e.g. 127.0.0.2")
    add(g, "--radius-timeout", defaults.radius_timeout, "seconds per try", type=float)
    add(g, "--radius-retries", defaults.radius_retries, "tries per request", type=int)
    flag(
        g,
        "--require-message-authenticator",
        defaults.require_message_authenticator,
        "drop Access-Accept/Reject without Message-Authenticator (RouterOS 7.15+)",
    )
    flag(g, "--accounting", defaults.accounting, "send RADIUS accounting")
    add(
        g,
        "--coa-port",
        None,
        "incoming RADIUS (Disconnect/CoA) UDP port on --bind; unset: off",
        type=int,
    )
    add(g, "--api-port", None, "RouterOS API TCP port on --bind; unset: off", type=int)
    add(g, "--api-username", defaults.api_username, "RouterOS API user")
    add(g, "--api-password", defaults.api_password, "RouterOS API password")

    g = parser.add_argument_group("sessions")
    add(
        g,
        "--interim",
        defaults.interim,
        "Interim-Update interval in seconds: used when RADIUS sends no "
        "Acct-Interim-Interval, and caps a longer one",
        type=_optional_float,
    )
    add(g, "--rate-down", defaults.rate_down, "synthetic bytes/s to a guest", type=int)
    add(g, "--rate-up", defaults.rate_up, "synthetic bytes/s from a guest", type=int)
    add(
        g,
        "--tick",
        defaults.tick,
        "seconds between accounting/limit checks",
        type=float,
    )
    add(
        g,
        "--session-id-start",
        None,
        "first Acct-Session-Id as a number, e.g. 0x80000001; unset: random",
        type=_int_auto,
    )
    flag(
        g,
        "--stop-sessions-on-exit",
        False,
        "send Accounting-Stop (NAS-Reboot) for active sessions when stopping",
    )
    add(g, "--log-level", "INFO", "DEBUG also logs every HTTP request")
    return parser


def _read_page(path: str | None) -> str | None:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as err:
        raise ValueError(f"--login-html: {err}") from None


def config_from_args(args: argparse.Namespace) -> RouterConfig:
    """Turn parsed options into a :class:`RouterConfig`."""
    return RouterConfig(
        radius_host=args.radius_host,
        auth_port=args.auth_port,
        acct_port=args.acct_port,
        secret=args.secret,
        radius_timeout=args.radius_timeout,
        radius_retries=args.radius_retries,
        bind_address=args.bind,
        require_message_authenticator=args.require_message_authenticator,
        accounting=args.accounting,
        coa_port=args.coa_port,
        api_port=args.api_port,
        api_username=args.api_username,
        api_password=args.api_password,
        nas_identifier=args.nas_identifier,
        nas_ip_address=args.nas_ip,
        server_name=args.server_name,
        interface=args.interface,
        portal_url=args.portal_url,
        login_html=_read_page(args.login_html),
        public_url=args.public_url,
        login_by=args.login_by,
        network=args.network,
        default_orig=args.default_orig,
        interim=args.interim,
        rate_down=args.rate_down,
        rate_up=args.rate_up,
        tick=args.tick,
        session_id_start=args.session_id_start,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator until SIGINT or SIGTERM."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = config_from_args(args)
    except ValueError as err:
        parser.error(str(err))
    host, port = args.listen
    try:
        sim = start_simulator(config, host, port)
    except OSError as err:
        print(f"cannot listen on {host}:{port}: {err}", file=sys.stderr)
        return 1
    print(
        f"hotspot simulator on {sim.url} (identity {config.nas_identifier})", flush=True
    )

    done = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while not done.wait(3600):
        pass
    sim.stop(send_stop=args.stop_sessions_on_exit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
