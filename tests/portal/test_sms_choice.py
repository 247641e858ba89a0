"""Each owner chooses which of the installation's SMS gateways send its codes."""

from __future__ import annotations

import json

from hotspot.db import transaction
from hotspot.models import Owner
from hotspot.sms.providers.outbox import read_outbox
from portal import create_app
from tests import factories
from tests.portal.conftest import behind, router_post


def test_owner_picks_the_gateway(settings, session_factory, tmp_path):
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    gateways = [
        {"type": "outbox", "name": "first", "path": str(first)},
        {"type": "outbox", "name": "second", "path": str(second)},
    ]
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False},
        settings=settings.with_(sms_providers=json.dumps(gateways)),
    )
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        owner.policy = {"sms_providers": ["second"]}
        router = factories.router(s, owner)
        other = factories.router(s, factories.owner(s))

    client = behind(app.test_client(), router)
    client.post("/login", data=router_post(router))
    r = client.post("/login/phone", data={"phone": "+998 90 555 44 33"})
    assert r.status_code == 302
    assert [m["to"] for m in read_outbox(second)] == ["998905554433"]
    assert not first.exists() or read_outbox(first) == []

    # An owner without a choice uses the installation's order: the first gateway.
    client = behind(app.test_client(), other)
    client.post("/login", data=router_post(other))
    client.post("/login/phone", data={"phone": "+998 90 555 44 34"})
    assert [m["to"] for m in read_outbox(first)] == ["998905554434"]

    # A choice naming no configured gateway: the guest is told sending failed.
    with transaction(session_factory) as s:
        s.get(Owner, owner.id).policy = {"sms_providers": ["gone"]}
    client = behind(app.test_client(), router)
    client.post("/login", data=router_post(router))
    r = client.post("/login/phone", data={"phone": "+998 90 555 44 35"})
    assert r.status_code == 422
    assert "could not be sent" in r.get_data(as_text=True)
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()
