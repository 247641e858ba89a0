"""The onboarding script downloaded from the cabinet carries the secret
FreeRADIUS now expects from the router: the router that pastes it is served, the
old secret is not (once the client lifetime, 2 s here, is over)."""

from __future__ import annotations

import re
import time

import pytest

from hotspot.db import transaction
from portal import create_app
from simulator.radius import RadiusTimeout
from tests import factories
from tests.portal.cabinet_helpers import log_in, make_account
from tests.radius.conftest import client_for, new_loopback_ip

MAC = "AA:BB:CC:00:21:01"


def test_the_downloaded_secret_is_the_one_freeradius_expects(
    radius, settings, session_factory
):
    ip, old = new_loopback_ip(), "old-secret-" + factories.unique("s")
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner, ip=ip, secret=old)
        v = factories.voucher(s, owner, settings.pin_key, time="10m")
    with client_for(settings, ip=ip, secret=old) as nas:
        assert nas.authenticate(v.code, v.pin, mac=MAC).accepted
    started = time.monotonic()
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, settings=settings)
    try:
        web = app.test_client()
        log_in(web, make_account(session_factory, "owner", owner).email)
        script = web.post(f"/cabinet/routers/{router.id}/script").text
    finally:
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()
    new = re.search(r'/radius add .* secret="([^"]+)"', script)[1]
    assert new != old
    time.sleep(max(0.0, started + 2.2 - time.monotonic()))
    with client_for(settings, ip=ip, secret=new) as nas:
        assert nas.authenticate(v.code, v.pin, mac=MAC).accepted
    with client_for(settings, ip=ip, secret=old, timeout=0.5, retries=1) as nas:
        with pytest.raises(RadiusTimeout):
            nas.authenticate(v.code, v.pin, mac=MAC)
