"""/api/v1: an owner changes venue settings, switches routers and keeps a phone
blacklist without SQL; bodies are validated field by field (400, never 500), and
every endpoint stays inside the token's owner."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.services.tariffs import add_tariff
from hotspot.services.tenancy import create_api_token
from tests import factories


@pytest.fixture
def venue(session_factory):
    """Two owners with a router and a tariff each; A's token headers."""
    with transaction(session_factory) as s:
        a, b = factories.owner(s), factories.owner(s)
        ra, rb = factories.router(s, a), factories.router(s, b)
        add_tariff(s, a, "guest", time="1h")
        add_tariff(s, b, "theirs", time="1h")
        _, token = create_api_token(s, a, "shop", utcnow())
        _, token_b = create_api_token(s, b, "shop", utcnow())
        data = {
            "a": {"Authorization": f"Bearer {token}"},
            "b": {"Authorization": f"Bearer {token_b}"},
            "router_a": ra.nas_identifier,
            "router_b": rb.nas_identifier,
        }
    return data


def test_owner_changes_settings_and_sees_them(client, venue):
    a = venue["a"]
    before = client.get("/api/v1/settings", headers=a).get_json()
    assert before["otp_length"] == 6 and before["guest_tariff"] is None
    r = client.patch(
        "/api/v1/settings",
        headers=a,
        json={"otp_length": 4, "documents": ["hotel"], "guest_tariff": "guest"},
    )
    assert r.status_code == 200, r.get_json()
    after = client.get("/api/v1/settings", headers=a).get_json()
    assert after["otp_length"] == 4
    assert after["documents"] == ["hotel"]
    assert after["guest_tariff"] == "guest"
    # An empty value restores the default.
    r = client.patch("/api/v1/settings", headers=a, json={"otp_length": ""})
    assert r.get_json()["otp_length"] == 6


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"otp_length": 9}, "otp_length: expected a whole number from 4 to 6"),
        ({"otp_ttl": 3600}, "otp_ttl: expected a whole number from 60 to 600"),
        ({"identification_hours": 48}, "identification_hours"),
        ({"documents": ["passport"]}, "documents: expected hotel and/or ticket"),
        ({"ticket_pattern": "(["}, "ticket_pattern"),
        ({"sms_providers": ["nowhere"]}, "sms_providers"),
        ({"guest_tariff": "theirs"}, "no tariff 'theirs'"),
        ({"colour": "red"}, "unknown setting 'colour'"),
        ({"otp_length": True}, "otp_length"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(client, venue, body, reason):
    r = client.patch("/api/v1/settings", headers=venue["a"], json=body)
    assert r.status_code in (400, 404), r.get_json()
    assert reason in r.get_json()["message"]
    # Nothing was half applied.
    assert (
        client.get("/api/v1/settings", headers=venue["a"]).get_json()["otp_length"] == 6
    )


def test_owner_switches_own_router_off_and_on(client, venue):
    a, nas = venue["a"], venue["router_a"]
    r = client.post(f"/api/v1/routers/{nas}/disable", headers=a)
    assert r.status_code == 200 and r.get_json()["enabled"] is False
    listed = client.get("/api/v1/routers", headers=a).get_json()
    assert [x["nas_id"] for x in listed] == [nas] and "secret" not in listed[0]
    r = client.post(f"/api/v1/routers/{nas}/enable", headers=a)
    assert r.get_json()["enabled"] is True
    r = client.patch(
        f"/api/v1/routers/{nas}",
        headers=a,
        json={"require_message_authenticator": True, "title": "Hall"},
    )
    assert r.get_json()["require_message_authenticator"] is True
    assert r.get_json()["title"] == "Hall"
    r = client.patch(f"/api/v1/routers/{nas}", headers=a, json={"ip": "not-an-ip"})
    assert r.status_code == 400 and "not an IP address" in r.get_json()["message"]


def test_another_owners_router_is_not_found(client, venue):
    a, theirs = venue["a"], venue["router_b"]
    for method, url in (
        ("post", f"/api/v1/routers/{theirs}/disable"),
        ("post", f"/api/v1/routers/{theirs}/enable"),
        ("patch", f"/api/v1/routers/{theirs}"),
    ):
        r = getattr(client, method)(url, headers=a, json={"title": "mine"})
        assert r.status_code == 404, (url, r.get_json())
    mine = client.get("/api/v1/routers", headers=venue["b"]).get_json()
    assert mine[0]["enabled"] is True and mine[0]["title"] != "mine"


def test_owner_keeps_a_phone_blacklist(client, venue):
    a, b = venue["a"], venue["b"]
    r = client.post(
        "/api/v1/blacklist",
        headers=a,
        json={"phone": "+998 90 111 22 33", "reason": "x"},
    )
    assert r.status_code == 201
    entry = r.get_json()
    assert entry["phone"] != "998901112233" and entry["phone"].endswith("33")
    assert len(client.get("/api/v1/blacklist", headers=a).get_json()) == 1
    assert client.get("/api/v1/blacklist", headers=b).get_json() == []
    assert client.delete("/api/v1/blacklist/998901112233", headers=b).status_code == 404
    assert client.delete("/api/v1/blacklist/998901112233", headers=a).status_code == 204
    assert client.get("/api/v1/blacklist", headers=a).get_json() == []
    assert client.delete("/api/v1/blacklist/998901112233", headers=a).status_code == 404


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/tariffs", {"name": "t", "time": 3600}, "time"),
        ("/api/v1/tariffs", {"name": None}, "name"),
        ("/api/v1/tariffs", {"name": "t", "currency": "ABCD"}, "currency"),
        ("/api/v1/tariffs", {"name": "t", "price": "NaN"}, "price"),
        ("/api/v1/tariffs", {"name": "t", "max_devices": "2"}, "max_devices"),
        ("/api/v1/tariffs", {"name": "t", "extra": 1}, "extra"),
        ("/api/v1/vouchers", {"tariff": "guest", "face_value": "NaN"}, "face_value"),
        ("/api/v1/vouchers", {"tariff": "guest", "unsold_expiry": 5}, "unsold_expiry"),
        ("/api/v1/vouchers", {"tariff": "guest", "count": 1e9}, "count"),
    ],
)
def test_wrong_types_are_a_400_naming_the_field(client, venue, url, body, field):
    r = client.post(url, headers=venue["a"], json=body)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert r.get_json()["field"] == field


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    [
        "name",
        "time",
        "data",
        "rate",
        "price",
        "currency",
        "kind",
        "max_devices",
        "tariff",
        "count",
        "face_value",
        "unsold_expiry",
        "prefix",
        "otp_length",
        "documents",
        "guest_tariff",
        "sms_providers",
        "phone",
        "reason",
        "ip",
        "secret",
        "require_message_authenticator",
        "title",
        "display_name",
    ]
)
WRITES = [
    ("post", "/api/v1/tariffs"),
    ("post", "/api/v1/vouchers"),
    ("patch", "/api/v1/settings"),
    ("patch", "/api/v1/routers/{router}"),
    ("post", "/api/v1/blacklist"),
]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    endpoint=st.sampled_from(WRITES),
    body=st.dictionaries(FIELDS, JSON, max_size=5) | JSON,
)
def test_no_body_makes_a_500(client, venue, endpoint, body):
    method, url = endpoint
    r = getattr(client, method)(
        url.format(router=venue["router_a"]), headers=venue["a"], json=body
    )
    assert r.status_code < 500, (url, body, r.get_data(as_text=True))
    if r.status_code >= 400:
        assert r.get_json()["message"]
