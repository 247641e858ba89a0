"""Owners never see flow data (the secrecy of communications): no URL of the owner
API serves it, whatever its parameters."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.services.tenancy import create_api_token

MARKER = "198.51.100.77"
#: In the stored flow only (a URL echoed in an error page holds MARKER).
CLIENT, BYTES = "10.77.77.77", "987654321"


@pytest.fixture
def owner_with_flows(session_factory, place):
    """An owner whose own router exported a flow to MARKER."""
    with transaction(session_factory) as s:
        _, token = create_api_token(s, place.owner, "no-flows", utcnow())
        s.execute(
            text(
                "INSERT INTO flows (peer_ip_src, ip_src, ip_dst, timestamp_start,"
                " timestamp_end, bytes) VALUES (:r, :c, :d, now(), now(), :b)"
            ),
            {"r": str(place.router.ip_address), "c": CLIENT, "d": MARKER, "b": BYTES},
        )
    yield {"Authorization": f"Bearer {token}"}
    with transaction(session_factory) as s:
        s.execute(text("DELETE FROM flows WHERE ip_dst = :d"), {"d": MARKER})


def _urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and "GET" in rule.methods:
            urls.append(re.sub(r"<(?:\w+:)?(\w+)>", "flows", rule.rule))
    return urls


def test_no_owner_url_serves_flows(app, client, owner_with_flows):
    urls = _urls(app)
    assert len(urls) >= 5, urls
    for url in urls:
        for query in ("", f"?dst={MARKER}&ip={MARKER}&q={MARKER}"):
            r = client.get(url + query, headers=owner_with_flows)
            body = r.get_data(as_text=True)
            assert CLIENT not in body and BYTES not in body, url
            assert "ip_dst" not in body and "dst_port" not in body, url
    for url in (
        "/api/v1/flows",
        "/api/v1/flows/report",
        "/api/v1/flows.csv",
        "/api/v1/evidence",
        "/api/v1/audit",
    ):
        assert client.get(url, headers=owner_with_flows).status_code == 404, url


def test_no_cabinet_url_serves_flows(app, session_factory, place, owner_with_flows):
    """The owner's cabinet likewise, logged in as the owner: every GET rule shows
    none of the flow, and the operator's flow page is refused."""
    from .cabinet_helpers import log_in, make_account

    browser = app.test_client()
    log_in(browser, make_account(session_factory, "owner", place.owner).email)
    urls = [
        re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/cabinet")
        and "GET" in rule.methods
        and "logout" not in rule.rule
    ]
    assert len(urls) >= 5, urls
    for url in urls:
        for query in ("", f"?dst={MARKER}&ip={MARKER}&q={MARKER}&format=csv"):
            body = browser.get(url + query).get_data(as_text=True)
            assert CLIENT not in body and BYTES not in body, url
    assert browser.get("/admin/flows").status_code == 403
    assert browser.post("/admin/flows", data={"reason": "x"}).status_code == 403
