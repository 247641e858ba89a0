"""Ad impressions written in batches: nothing lost (a failed write keeps the rows,
closing writes the rest), and the delay counts a view not written yet."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

from hotspot.db import make_engine, transaction
from hotspot.models.ads import AdBanner, AdEvent
from hotspot.services.access import PortalLogin
from hotspot.services.ad_views import ViewBuffer, pending_view
from hotspot.services.ads import device_key, record
from hotspot.services.guest import AdPending, free_login

from .test_ads import MAC, NOW, _banner, _venue


def _count(factory: sessionmaker[Session], banner_id: int) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).where(AdEvent.banner_id == banner_id)) or 0


def _banner_at_a_venue(factory: sessionmaker[Session]):
    with transaction(factory) as s:
        owner, router = _venue(s, delay=5)
        banner = _banner(s, owner)
    return router, banner


def test_views_are_written_in_one_batch_and_close_writes_the_rest(
    engine, session_factory
):
    router, banner = _banner_at_a_venue(session_factory)
    views = ViewBuffer(engine, interval=3600)  # only explicit writes here
    try:
        for n in range(300):
            views.add(banner.id, router.id, f"{n:032d}", NOW)
        assert _count(session_factory, banner.id) == 0
        assert views.flush() == 300
        assert _count(session_factory, banner.id) == 300
        views.add(banner.id, router.id, "d" * 32, NOW)
    finally:
        views.close()
    assert _count(session_factory, banner.id) == 301


def test_a_failed_write_keeps_the_views_for_the_next(database_url, session_factory):
    router, banner = _banner_at_a_venue(session_factory)
    nowhere = make_url(database_url).set(host="127.0.0.1", port=1)
    gone = make_engine(nowhere, connect_args={"connect_timeout": 1})
    views = ViewBuffer(gone, interval=3600)
    views.add(banner.id, router.id, "e" * 32, NOW)
    assert views.flush() == 0
    assert views.pending(router.id, "e" * 32) == NOW
    views._engine = make_engine(database_url)  # the database is back
    views.close()
    assert _count(session_factory, banner.id) == 1


def test_the_delay_counts_a_view_not_written_yet(engine, session_factory, settings):
    router, banner = _banner_at_a_venue(session_factory)
    device = device_key(settings.secret_key, MAC)
    views = ViewBuffer(engine, interval=3600)
    try:
        with session_factory() as s:
            r = s.merge(router)
            refused = free_login(s, settings, r, MAC, NOW)
            assert isinstance(refused, AdPending) and refused.seconds == -1
            views.add(banner.id, router.id, device, NOW)
            assert pending_view(router.id, device) == NOW
            later = free_login(s, settings, r, MAC, NOW + dt.timedelta(seconds=2))
            assert isinstance(later, AdPending) and later.seconds == 3
            views.flush()
            assert pending_view(router.id, device) is None
            done = free_login(s, settings, r, MAC, NOW + dt.timedelta(seconds=5))
            assert isinstance(done, PortalLogin)
            s.rollback()
    finally:
        views.close()


def test_a_view_written_with_its_request_does_not_wait_for_the_disk(db_session):
    owner, router = _venue(db_session)
    banner = _banner(db_session, owner)
    record(db_session, banner.id, router, "f" * 32, "view", NOW)
    assert db_session.scalar(text("SHOW synchronous_commit")) == "off"


def test_views_of_a_banner_deleted_meanwhile_do_not_block_the_others(
    engine, session_factory
):
    router, banner = _banner_at_a_venue(session_factory)
    _, gone = _banner_at_a_venue(session_factory)
    views = ViewBuffer(engine, interval=3600)
    try:
        views.add(gone.id, router.id, "g" * 32, NOW)
        views.add(banner.id, router.id, "h" * 32, NOW)
        with transaction(session_factory) as s:
            s.delete(s.get(AdBanner, gone.id))
        assert views.flush() == 2
    finally:
        views.close()
    assert _count(session_factory, banner.id) == 1
    assert _count(session_factory, gone.id) == 0


def test_python_m_portal_writes_the_waiting_views_on_sigterm(
    settings, session_factory, tmp_path
):
    """The portal as served (``python -m portal``), its batch an hour long: a stop
    writes the view still waiting."""
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.parse
    import urllib.request
    from http.cookiejar import CookieJar

    from devstack.postgres import free_port
    from hotspot.services.tenancy import set_router_trust

    with transaction(session_factory) as s:
        owner, router = _venue(s, delay=30)
        set_router_trust(s, router, portal_addresses=["127.0.0.1/32"])
        banner = _banner(s, owner)
    port = free_port()
    env = dict(
        os.environ,
        HOTSPOT_DATABASE_URL=settings.database_url,
        HOTSPOT_SECRET_KEY=settings.secret_key,
        HOTSPOT_PIN_KEY=settings.pin_key,
        HOTSPOT_PORTAL_PORT=str(port),
        HOTSPOT_AD_VIEW_INTERVAL_MS="3600000",
    )
    proc = subprocess.Popen([sys.executable, "-m", "portal"], env=env, cwd=tmp_path)
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar())
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                opener.open(f"{base}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        landing = urllib.parse.urlencode({
            "mac": "02:AD:00:00:00:77", "ip": "10.5.50.9",
            "link-login-only": "http://10.5.50.1/login", "link-orig": "",
            "identity": router.nas_identifier,
        }).encode()  # fmt: skip
        opener.open(f"{base}/login", landing, timeout=5)
        page = opener.open(f"{base}/free", timeout=5).read().decode()
        assert f"/ad/{banner.id}/image" in page
        assert _count(session_factory, banner.id) == 0  # waiting in the batch
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _count(session_factory, banner.id) == 1
