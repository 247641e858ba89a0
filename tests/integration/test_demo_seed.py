"""`make run` seeds the documented demo venue, and reuses it when run again."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select

from devstack.stack import seed_demo
from hotspot.crypto import PinCipher
from hotspot.db import alembic_config, make_engine, make_sessionmaker
from hotspot.models import Owner, Router, Tariff, Voucher


@pytest.fixture
def demo_settings(pg_cluster, settings):
    """A database of its own: the demo router takes 127.0.0.1, as the RADIUS tests'
    router does in the shared test database."""
    pg_cluster.ensure_database("demo_seed")
    url = pg_cluster.url("demo_seed")
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    yield settings.with_(database_url=url), make_sessionmaker(engine)
    engine.dispose()


def test_demo_venue_is_seeded_once(demo_settings):
    settings, session_factory = demo_settings
    first = seed_demo(settings)
    second = seed_demo(settings)
    assert len(first) == 5 and first == second
    with session_factory() as s:
        owner = s.scalar(select(Owner).where(Owner.name == "demo"))
        router = s.scalar(select(Router).where(Router.nas_identifier == "demo-router"))
        tariff = s.scalar(select(Tariff).where(Tariff.owner_id == owner.id))
        assert router.owner_id == owner.id and str(router.ip_address) == "127.0.0.1"
        assert router.radius_secret == "demo-router-secret-2026"
        # The router simulator's link-login-only is on 127.0.0.1 (`make run`).
        assert router.hotspot_hosts == ["127.0.0.1", "localhost"]
        assert (
            tariff.name,
            tariff.time_limit,
            tariff.data_limit,
            tariff.rate_limit,
        ) == ("demo-1h", 3600, 100_000_000, "2M/2M")
        cipher = PinCipher(settings.pin_key)
        for code, pin in first:
            v = s.scalar(select(Voucher).where(Voucher.code == code))
            assert v.status == "new" and cipher.decrypt(v.pin_encrypted) == pin


def test_demo_owner_gets_a_cabinet_login_once(demo_settings, tmp_path):
    from devstack.stack import seed_demo_account
    from hotspot.clock import utcnow
    from hotspot.models import Account
    from hotspot.services.accounts import authenticate

    settings, session_factory = demo_settings
    seed_demo(settings)
    path = tmp_path / "demo-password"
    password = seed_demo_account(settings, path)
    assert seed_demo_account(settings, path) == password
    assert path.stat().st_mode & 0o077 == 0
    with session_factory() as s:
        account = s.scalar(select(Account).where(Account.email == "demo@example.com"))
        owner = s.scalar(select(Owner).where(Owner.name == "demo"))
        assert (account.role, account.owner_id) == ("owner", owner.id)
        assert authenticate(s, "demo@example.com", password, None, utcnow()) == account
    # The file lost: a new password is set and printed.
    path.unlink()
    again = seed_demo_account(settings, path)
    assert again != password and path.read_text().strip() == again
