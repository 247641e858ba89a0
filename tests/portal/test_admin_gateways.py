"""The operator's SMS gateways page: each configured gateway in order, messages
sent and failed per period, its price, its balance where the gateway's API
tells one (asked over HTTP of the gateway doubles), and no secret of the
configuration on the page."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from decimal import Decimal

import pytest

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import SmsMessage, SmsPrice
from portal import create_app
from tests import factories
from tests.portal.cabinet_helpers import log_in, make_account
from tests.sms.conftest import gateway_config
from tests.sms.fakes import EskizFake, GenericFake, PlayMobileFake

SUFFIX = uuid.uuid4().hex[:6]
ESKIZ, PLAY, GENERIC, GONE = (f"{n}-{SUFFIX}" for n in ("esk", "play", "gen", "old"))


@pytest.fixture(scope="module")
def gateway_app(settings):
    with EskizFake() as eskiz, PlayMobileFake() as play, GenericFake() as generic:
        eskiz.balance = Decimal("1500")
        generic.fault = 500  # its balance call fails
        configs = [
            gateway_config("eskiz", eskiz, name=ESKIZ),
            gateway_config("playmobile", play, name=PLAY),
            gateway_config(
                "generic",
                generic,
                name=GENERIC,
                headers={"X-Api-Key": GenericFake.API_KEY},
                balance_url=generic.url + "/api/v1/balance",
                balance_path="account.balance",
            ),
        ]
        app = create_app(
            {"TESTING": True, "WTF_CSRF_ENABLED": False},
            settings=settings.with_(sms_providers=json.dumps(configs)),
        )
        yield app, configs, (eskiz, play, generic)
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()


def _sms(s, owner, provider, age, status):
    s.add(
        SmsMessage(
            owner_id=owner.id,
            phone="998901234567",
            template="otp",
            client_ref=uuid.uuid4().hex,
            provider=provider,
            status=status,
            attempts=1,
            created_at=utcnow() - age,
        )
    )


def _cells(page: str, name: str) -> list[str]:
    """The cells of gateway ``name``'s row (other tests' gateways may be listed
    too, from their messages)."""
    for row in re.findall(r'<tr id="gateway-\d+">(.*?)</tr>', page, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if cells[0] == name:
            return cells
    raise AssertionError(f"no row for {name}")


def test_gateways_with_counts_prices_and_balances(gateway_app, session_factory):
    app, configs, (eskiz, _play, _generic) = gateway_app
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        for age, status in [
            (2 * hour, "delivered"),
            (2 * hour, "sent"),
            (2 * hour, "failed"),
            (3 * day, "sent"),
            (3 * day, "rejected"),
            (20 * day, "sent"),
            (40 * day, "sent"),  # older than every period
            (2 * hour, "queued"),  # neither sent nor failed
        ]:
            _sms(s, owner, ESKIZ, age, status)
        _sms(s, owner, GONE, 2 * hour, "sent")
        s.add(
            SmsPrice(
                provider=ESKIZ,
                price=Decimal("95"),
                valid_from=utcnow() - day,
                set_by="t",
            )
        )
    client = app.test_client()
    log_in(
        client, make_account(session_factory, "operator", None).email, "/admin/login"
    )
    page = client.get("/admin/sms/gateways")
    assert page.status_code == 200
    text = page.text
    # sent/failed: day, week, month; price; balance.
    assert _cells(text, ESKIZ) == [
        ESKIZ,
        "eskiz",
        "2",
        "1",
        "3",
        "2",
        "4",
        "2",
        "95.00",
        "1,500.00",
    ]
    assert _cells(text, PLAY)[:2] == [PLAY, "playmobile"]
    assert _cells(text, PLAY)[-1] == "not reported"
    assert _cells(text, GENERIC)[-1] == "unknown: no answer"
    # In failover order, then those only in the history.
    assert text.index(ESKIZ) < text.index(PLAY) < text.index(GENERIC) < text.index(GONE)
    assert _cells(text, GONE)[:3] == [GONE, "no longer configured", "1"]
    assert eskiz.requests_to("/user/get-limit")
    for config in configs:
        for key in ("password", "email", "login"):
            if key in config:
                assert config[key] not in text, key
    assert GenericFake.API_KEY not in text and "127.0.0.1" not in text
    assert "/admin/sms/gateways" in client.get("/admin/").text


def test_only_the_operator(gateway_app, session_factory):
    app = gateway_app[0]
    with transaction(session_factory) as s:
        owner = factories.owner(s)
    client = app.test_client()
    log_in(client, make_account(session_factory, "owner", owner).email)
    assert client.get("/admin/sms/gateways").status_code == 403


def test_a_hanging_gateway_does_not_hold_the_page(settings, session_factory):
    """The balances are asked all at once and waited for at most BALANCE_WAIT: a
    gateway that does not answer for longer shows as still asking, the others
    with their balance; its late answer is on a later view."""
    import time

    from portal.admin.gateways import BALANCE_WAIT

    stall = BALANCE_WAIT + 3
    name_ok, name_slow = f"esk-ok-{SUFFIX}", f"gen-slow-{SUFFIX}"
    with EskizFake() as eskiz, GenericFake() as slow:
        eskiz.balance = Decimal("700")
        slow.stall = stall
        configs = [
            gateway_config("eskiz", eskiz, name=name_ok),
            gateway_config(
                "generic",
                slow,
                name=name_slow,
                headers={"X-Api-Key": GenericFake.API_KEY},
                balance_url=slow.url + "/api/v1/balance",
                balance_path="account.balance",
                read_timeout=stall + 5,
            ),
        ]
        app = create_app(
            {"TESTING": True, "WTF_CSRF_ENABLED": False},
            settings=settings.with_(sms_providers=json.dumps(configs)),
        )
        client = app.test_client()
        log_in(
            client,
            make_account(session_factory, "operator", None).email,
            "/admin/login",
        )
        started = time.monotonic()
        first = client.get("/admin/sms/gateways").text
        took = time.monotonic() - started
        assert took < BALANCE_WAIT + 1.5, took
        assert _cells(first, name_ok)[-1] == "700.00"
        assert _cells(first, name_slow)[-1] == "asking the gateway…"
        assert len(slow.requests_to("/api/v1/balance")) == 1
        # A view meanwhile waits on the same question rather than asking again.
        again = client.get("/admin/sms/gateways").text
        assert _cells(again, name_slow)[-1] == "asking the gateway…"
        assert len(slow.requests_to("/api/v1/balance")) == 1
        time.sleep(max(0.0, started + stall + 0.5 - time.monotonic()))
        later = client.get("/admin/sms/gateways").text
        assert _cells(later, name_slow)[-1] == "2,500.75"
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()
