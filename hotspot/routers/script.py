"""The onboarding script: RouterOS commands an owner pastes into the router's
terminal to connect it to us (docs/mikrotik.md).

It sets the identity (our NAS-Identifier), the RADIUS client with the secret and
``require-message-auth``, the hotspot profile (RADIUS with interim updates, login by
http-chap and http-pap), the walled garden for the portal, incoming RADIUS with a
firewall rule letting only our server in, an API user that may do only what the
scheduler needs, the router's ``login.html`` that sends the guest to the portal, and
the flow log's two feeds: Traffic-Flow (IPFIX) of the hotspot interface to our
collector (nfacctd) and the DNS log by remote syslog to our receiver (hotspot.dnslog).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..crypto import SAFE_ALNUM, random_string

if TYPE_CHECKING:
    from ..models import Router
    from ..settings import Settings

#: The servlet variables login.html hands the portal (hotspot.routers.login).
LOGIN_FIELDS = (
    "mac",
    "ip",
    "link-login-only",
    "link-orig",
    "chap-id",
    "chap-challenge",
    "error",
    "identity",
    "server-name",
)
API_GROUP = "hotspot-api"


@dataclass(frozen=True)
class Onboarding:
    nas_identifier: str
    secret: str
    radius_address: str
    portal_url: str
    coa_port: int = 3799
    auth_port: int = 1812
    acct_port: int = 1813
    interim: int = 60
    api_username: str = "hotspot-api"
    api_password: str = ""
    api_port: int = 8728
    #: Where our scheduler connects to the API from (default: radius_address).
    api_from: str = ""
    #: Where the router sends Traffic-Flow (IPFIX) and its DNS log
    #: (default: radius_address).
    flow_address: str = ""
    flow_port: int = 2055
    dnslog_address: str = ""
    dnslog_port: int = 5514
    #: Seconds after which a long flow is exported so far (RouterOS default 30m).
    active_flow_timeout: int = 60


def public_address(configured: str, bind_host: str, fallback: str) -> str:
    """Where a router sends to: the configured public address, else the bind
    host, unless that is a wildcard or loopback address no router can reach:
    then ``fallback`` (the RADIUS address of the script)."""
    if configured:
        return configured
    try:
        bound = ipaddress.ip_address(bind_host.strip("[]"))
    except ValueError:
        return bind_host or fallback  # a host name
    return fallback if bound.is_unspecified or bound.is_loopback else bind_host


def onboarding_for(
    router: Router,
    settings: Settings,
    radius_address: str | None = None,
    portal_url: str | None = None,
    new_api_password: bool = False,
) -> Onboarding:
    """What the script of ``router`` carries. The router gets an API user of its
    own on first use (or a new password with ``new_api_password``); the caller
    flushes the change."""
    if new_api_password or not router.api_password:
        router.api_username = router.api_username or "hotspot-api"
        router.api_password = random_string(24, SAFE_ALNUM)
        router.api_port = router.api_port or 8728
    radius_address = radius_address or settings.radius_host
    return Onboarding(
        nas_identifier=router.nas_identifier,
        secret=router.radius_secret,
        radius_address=radius_address,
        portal_url=portal_url or settings.portal_url,
        coa_port=router.coa_port,
        auth_port=settings.radius_auth_port,
        acct_port=settings.radius_acct_port,
        interim=settings.acct_interim_interval,
        api_username=router.api_username or "hotspot-api",
        api_password=router.api_password or "",
        api_port=router.api_port or 8728,
        flow_address=public_address(
            settings.flow_address, settings.flow_host, radius_address
        ),
        flow_port=settings.flow_port,
        dnslog_address=public_address(
            settings.dnslog_address, settings.dnslog_host, radius_address
        ),
        dnslog_port=settings.dnslog_port,
    )


def quote(text: str) -> str:
    """A RouterOS script string: backslash, quote, ``$`` (variables) and ``?`` (the
    terminal's help key) escaped, line breaks as ``\\n``."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("$", "\\$").replace("?", "\\?")
    return (
        '"' + out.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t") + '"'
    )


def login_html(portal_url: str) -> str:
    """The router's login.html: posts its servlet variables to the portal."""
    action = portal_url.rstrip("/") + "/login"
    inputs = "\n".join(
        f'<input type="hidden" name="{name}" value="$({name})">'
        for name in LOGIN_FIELDS
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta http-equiv="pragma" content="no-cache">'
        "<title>WiFi</title></head>\n"
        '<body onload="document.forms[0].submit()">\n'
        f'<form method="post" action="{action}">\n{inputs}\n'
        '<noscript><input type="submit" value="Continue"></noscript>\n'
        "</form>\n</body></html>\n"
    )


def render(o: Onboarding) -> str:
    """The whole script, one command per line."""
    portal_host = urlsplit(o.portal_url).hostname or o.portal_url
    api_from = o.api_from or o.radius_address
    lines = [
        f"# Hotspot onboarding of {o.nas_identifier}: paste into the terminal.",
        f"/system identity set name={quote(o.nas_identifier)}",
        '/radius remove [find comment="hotspot"]',
        f"/radius add service=hotspot address={o.radius_address} "
        f"secret={quote(o.secret)} authentication-port={o.auth_port} "
        f"accounting-port={o.acct_port} timeout=3s "
        'require-message-auth=yes-for-request-resp comment="hotspot"',
        f"/radius incoming set accept=yes port={o.coa_port}",
        f"/ip firewall filter add chain=input protocol=udp dst-port={o.coa_port} "
        f"src-address={o.radius_address} action=accept place-before=0 "
        'comment="hotspot: incoming RADIUS (Disconnect/CoA)"',
        "/ip hotspot profile set [find default=yes] use-radius=yes "
        "radius-accounting=yes radius-interim-update=received "
        "login-by=http-chap,http-pap html-directory=hotspot",
        f"/ip hotspot walled-garden add dst-host={quote(portal_host)} "
        'comment="hotspot portal"',
        f"/ip hotspot walled-garden ip add dst-host={quote(portal_host)} "
        'action=accept comment="hotspot portal"',
        # Only what the scheduler does: read sessions, remove them, set queues.
        f"/user group add name={API_GROUP} policy=api,read,write,"
        "!local,!telnet,!ssh,!ftp,!reboot,!policy,!test,!winbox,!password,!web,"
        "!sniff,!sensitive,!romon,!rest-api",
        f"/user add name={quote(o.api_username)} group={API_GROUP} "
        f"password={quote(o.api_password)} address={api_from}/32",
        f"/ip service set api disabled=no port={o.api_port} address={api_from}/32",
        f"/file add name=hotspot/login.html contents={quote(login_html(o.portal_url))}",
        *flow_log_lines(o),
    ]
    return "\n".join(lines) + "\n"


def flow_log_lines(o: Onboarding) -> list[str]:
    """Traffic-Flow of the hotspot interface as IPFIX to the collector, and the DNS
    log to the receiver; what an earlier run added is removed first."""
    flow_to = o.flow_address or o.radius_address
    dns_to = o.dnslog_address or o.radius_address
    return [
        "# The flow log: the hotspot's flows (IPFIX) and its DNS names (syslog).",
        "/ip traffic-flow set enabled=yes "
        "interfaces=[/ip hotspot get [find disabled=no] interface] "
        f"active-flow-timeout={o.active_flow_timeout}s",
        f"/ip traffic-flow target remove [find dst-address={flow_to}]",
        f"/ip traffic-flow target add dst-address={flow_to} port={o.flow_port} "
        "version=ipfix",
        '/system logging remove [find action="hotspotdns"]',
        '/system logging action remove [find name="hotspotdns"]',
        f"/system logging action add name=hotspotdns target=remote remote={dns_to} "
        f"remote-port={o.dnslog_port}",
        "/system logging add topics=dns action=hotspotdns",
    ]
