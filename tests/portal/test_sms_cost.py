"""SMS cost: the operator's price per gateway (from a time on), and the cost per
period and gateway in the SMS history, at the price in force when a gateway
accepted each message; the owner sees it, a manager does not."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import AuditEntry, SmsMessage, SmsPrice
from portal import create_app
from tests import factories
from tests.portal.cabinet_helpers import log_in, make_account

# Names of their own: the admin's totals span every owner, and other tests'
# messages went through gateways named like the common ones.
MAIN, BACKUP = "costs-main", "costs-backup"
GATEWAYS = [
    {"type": "eskiz", "name": name, "email": "x@example.uz", "password": "p"}
    for name in (MAIN, BACKUP)
]


@pytest.fixture(scope="module")
def priced_app(settings):
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False},
        settings=settings.with_(sms_providers=json.dumps(GATEWAYS)),
    )
    yield app
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


def _sms(s, owner, provider, sent_at, status="sent"):
    s.add(
        SmsMessage(
            owner_id=owner.id,
            phone="998901234567",
            template="otp",
            client_ref=uuid.uuid4().hex,
            provider=provider,
            status=status,
            attempts=1,
            created_at=sent_at or utcnow() - dt.timedelta(hours=1),
            sent_at=sent_at,
        )
    )


def _price(s, gateway, price, since):
    s.add(SmsPrice(provider=gateway, price=price, valid_from=since, set_by="t"))


def test_cost_per_period_and_gateway(priced_app, session_factory):
    now = utcnow()
    with transaction(session_factory) as s:
        owner, other = factories.owner(s), factories.owner(s)
        _sms(s, owner, MAIN, now - dt.timedelta(days=5))  # at 100
        _sms(s, owner, MAIN, now - dt.timedelta(hours=2), "delivered")  # at 120
        _sms(s, owner, MAIN, None, "failed")  # never accepted: free
        _sms(s, owner, BACKUP, now - dt.timedelta(hours=3))  # no price yet
        _sms(s, other, MAIN, now - dt.timedelta(hours=2))  # not this owner's
        # Prices set earlier (the form below sets one from now on).
        _price(s, MAIN, 100, now - dt.timedelta(days=10))
        _price(s, MAIN, 120, now - dt.timedelta(days=1))
    admin = priced_app.test_client()
    log_in(admin, make_account(session_factory, "operator", None).email, "/admin/login")
    prices = admin.get("/admin/sms/prices").text
    assert re.search(rf"<td>{MAIN}</td><td class=\"num\">120\.00</td>", prices)
    assert "no price yet" in prices  # the backup gateway

    client = priced_app.test_client()
    log_in(client, make_account(session_factory, "owner", owner).email)
    page = client.get("/cabinet/sms?cost_by=week")
    assert page.status_code == 200
    assert re.search(rf'id="cost-total-{MAIN}">220\.00<', page.text)
    assert re.search(rf'id="cost-total-{BACKUP}">0\.00<', page.text)
    assert "1 without a price" in page.text
    csv = client.get("/cabinet/sms?format=csv").text.splitlines()
    assert csv[0].endswith(",cost")
    assert sorted(line.rsplit(",", 1)[1] for line in csv[1:]) == [
        "",
        "",
        "100.00",
        "120.00",
    ]
    # Across owners in the admin: the other owner's message too.
    assert re.search(
        rf'id="cost-total-{MAIN}">340\.00<', admin.get("/admin/sms?cost_by=week").text
    )


def test_the_operator_sets_a_price_from_now_on(priced_app, session_factory):
    admin = priced_app.test_client()
    log_in(admin, make_account(session_factory, "operator", None).email, "/admin/login")
    before = utcnow()
    done = admin.post("/admin/sms/prices", data={"provider": BACKUP, "price": "95,5"})
    assert done.status_code == 302
    assert "Price saved." in admin.get("/admin/sms/prices").text
    bad = admin.post("/admin/sms/prices", data={"provider": BACKUP, "price": "-5"})
    assert bad.status_code == 200 and "price: a number" in bad.text
    unknown = admin.post(
        "/admin/sms/prices", data={"provider": "nowhere", "price": "10"}
    )
    assert unknown.status_code == 200
    with session_factory() as s:
        rows = s.scalars(select(SmsPrice).where(SmsPrice.provider == BACKUP)).all()
        assert s.scalar(select(SmsPrice).where(SmsPrice.provider == "nowhere")) is None
        audited = s.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "sms.price")
        ).all()
    assert [str(r.price) for r in rows] == ["95.50"]
    assert rows[0].valid_from >= before and rows[0].set_by.startswith("operator-")
    assert {"gateway": BACKUP, "price": "95.50"} in audited


def test_prices_are_the_operators_and_cost_the_owners(priced_app, session_factory):
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        _sms(s, owner, MAIN, utcnow() - dt.timedelta(hours=1))
    owner_client = priced_app.test_client()
    log_in(owner_client, make_account(session_factory, "owner", owner).email)
    assert owner_client.get("/admin/sms/prices").status_code == 403
    refused = owner_client.post(
        "/admin/sms/prices", data={"provider": MAIN, "price": "1"}
    )
    assert refused.status_code == 403
    manager = priced_app.test_client()
    log_in(manager, make_account(session_factory, "manager", owner).email)
    page = manager.get("/cabinet/sms")
    assert page.status_code == 200 and 'id="sms-costs"' not in page.text
    assert "cost-filters" not in page.text
    csv = manager.get("/cabinet/sms?format=csv").text.splitlines()
    assert all(line.endswith(",") for line in csv[1:])
