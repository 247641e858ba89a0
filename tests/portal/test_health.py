"""/healthz and the guest pages through a database outage: "degraded" while
PostgreSQL is down, "ok" and working pages again once it is back."""

from __future__ import annotations

import os
import time

from hotspot.crypto import new_fernet_key
from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.settings import Settings
from portal import create_app
from tests import factories
from tests.conftest import StoppableDatabase

from .conftest import router_post


def test_health_is_ok_with_the_database(client) -> None:
    r = client.get("/healthz")
    assert (r.status_code, r.json) == (200, {"status": "ok"})


def test_health_and_pages_through_an_outage(stoppable_db: StoppableDatabase) -> None:
    engine = make_engine(stoppable_db.url)
    try:
        with transaction(make_sessionmaker(engine)) as s:
            owner = factories.owner(s)
            owner.display_name = "Outage Cafe"
            router = factories.router(s, owner)
    finally:
        engine.dispose()
    settings = Settings(
        database_url=stoppable_db.url,
        portal_database_url=stoppable_db.component_urls["portal"],
        secret_key=os.urandom(16).hex(),
        pin_key=new_fernet_key(),
    )
    # Not TESTING: errors become the error page, as in production.
    app = create_app({"WTF_CSRF_ENABLED": False}, settings=settings)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = str(router.ip_address)  # through the router

    def login_page() -> tuple[int, str]:
        r = client.post("/login", data=router_post(router))
        return r.status_code, r.get_data(as_text=True)

    assert client.get("/healthz").json == {"status": "ok"}
    status, page = login_page()
    assert status == 200 and "Outage Cafe" in page

    stoppable_db.cluster.stop()
    try:
        t = time.monotonic()
        r = client.get("/healthz")
        assert time.monotonic() - t < 5
        assert (r.status_code, r.json) == (
            503,
            {"status": "degraded", "database": "unreachable"},
        )
        status, page = login_page()
        assert status == 500 and "Outage Cafe" not in page
    finally:
        stoppable_db.cluster.start()

    # The pooled connections died with the server; they are replaced by themselves.
    r = client.get("/healthz")
    assert (r.status_code, r.json) == (200, {"status": "ok"})
    status, page = login_page()
    assert status == 200 and "Outage Cafe" in page
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()
