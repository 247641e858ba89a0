"""/api/v1: an owner's integration manages tariffs, vouchers and cards with its own
token, and never sees another owner's data."""

from __future__ import annotations

import csv
import io

import pytest

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.services.tenancy import create_api_token
from tests import factories


@pytest.fixture
def two_owners(session_factory):
    with transaction(session_factory) as s:
        a, b = factories.owner(s), factories.owner(s)
        _, token_a = create_api_token(s, a, "shop", utcnow())
        _, token_b = create_api_token(s, b, "shop", utcnow())
    return {
        "a": {"Authorization": f"Bearer {token_a}"},
        "b": {"Authorization": f"Bearer {token_b}"},
    }


def test_a_token_is_required(client):
    assert client.get("/api/v1/tariffs").status_code == 401
    r = client.get("/api/v1/tariffs", headers={"Authorization": "Bearer hs_forged"})
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"


def test_owner_sells_cards_through_the_api(client, two_owners):
    a = two_owners["a"]
    r = client.post(
        "/api/v1/tariffs",
        headers=a,
        json={
            "name": "day",
            "time": "1d",
            "data": "2GB",
            "rate": "2M/4M 4M/8M 1M/2M 10/10",
            "price": "15000",
        },
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["rate_limit"] == "2M/4M 4M/8M 1M/2M 10/10"
    r = client.post("/api/v1/vouchers", headers=a, json={"tariff": "day", "count": 3})
    assert r.status_code == 201
    batch, cards = r.get_json()["batch"], r.get_json()["vouchers"]
    assert len(cards) == 3 and all(c["pin"] for c in cards)

    listed = client.get(f"/api/v1/vouchers?batch={batch}", headers=a).get_json()
    assert {v["code"] for v in listed} == {c["code"] for c in cards}
    assert all("pin" not in v for v in listed)

    export = client.get(f"/api/v1/batches/{batch}/export.csv", headers=a)
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert {(r["code"], r["pin"]) for r in rows} == {
        (c["code"], c["pin"]) for c in cards
    }
    assert export.headers["Cache-Control"] == "no-store"

    sheet = client.get(f"/api/v1/batches/{batch}/cards.html", headers=a)
    assert sheet.status_code == 200 and cards[0]["code"] in sheet.get_data(as_text=True)
    pdf = client.get(f"/api/v1/batches/{batch}/cards.pdf", headers=a)
    assert pdf.data.startswith(b"%PDF")

    r = client.post(f"/api/v1/vouchers/{cards[0]['code']}/revoke", headers=a)
    assert r.get_json()["status"] == "revoked"

    # A tariff with vouchers is archived, not deleted.
    r = client.delete("/api/v1/tariffs/day", headers=a)
    assert r.status_code == 400 and r.get_json()["error"] == "tariff_in_use"
    assert client.post("/api/v1/tariffs/day/archive", headers=a).get_json()["archived"]
    r = client.post("/api/v1/vouchers", headers=a, json={"tariff": "day", "count": 1})
    assert r.status_code == 400 and "archived" in r.get_json()["message"]


def test_owners_never_see_each_other(client, two_owners):
    a, b = two_owners["a"], two_owners["b"]
    client.post("/api/v1/tariffs", headers=a, json={"name": "hour", "time": "1h"})
    made = client.post(
        "/api/v1/vouchers", headers=a, json={"tariff": "hour", "count": 1}
    )
    batch = made.get_json()["batch"]
    code = made.get_json()["vouchers"][0]["code"]
    assert client.get("/api/v1/tariffs", headers=b).get_json() == []
    assert client.get("/api/v1/vouchers", headers=b).get_json() == []
    assert client.post(f"/api/v1/vouchers/{code}/revoke", headers=b).status_code == 404
    assert (
        client.get(f"/api/v1/batches/{batch}/export.csv", headers=b).status_code == 404
    )
    assert (
        client.get(f"/api/v1/batches/{batch}/cards.pdf", headers=b).status_code == 404
    )
    assert (
        client.post("/api/v1/vouchers", headers=b, json={"tariff": "hour"}).status_code
        == 404
    )
    assert client.post("/api/v1/tariffs/hour/archive", headers=b).status_code == 404
    # B's own tariff of the same name is B's.
    assert (
        client.post("/api/v1/tariffs", headers=b, json={"name": "hour"}).status_code
        == 201
    )


def test_bad_input_gets_a_clear_error(client, two_owners):
    a = two_owners["a"]
    r = client.post(
        "/api/v1/tariffs", headers=a, data="not json", content_type="application/json"
    )
    assert r.status_code == 400 and r.get_json()["error"] == "bad_request"
    r = client.post(
        "/api/v1/tariffs", headers=a, json={"name": "x", "time": "5 parsecs"}
    )
    assert r.status_code == 400 and "duration" in r.get_json()["message"]
    r = client.post(
        "/api/v1/vouchers", headers=a, json={"tariff": "x", "count": "many"}
    )
    assert r.status_code in (400, 404)
    client.post("/api/v1/tariffs", headers=a, json={"name": "dup"})
    assert (
        client.post("/api/v1/tariffs", headers=a, json={"name": "dup"}).status_code
        == 409
    )
