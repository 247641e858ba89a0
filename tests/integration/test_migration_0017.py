"""Revision 0017 gives every existing identification an opaque login name (unique,
not the phone) that hotspot_auth_state then finds it by; down to 0019 and up again."""

from __future__ import annotations

import re

from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import Session

from hotspot.cli import alembic_config
from tests import factories

IDENT = (
    "INSERT INTO identifications (owner_id, router_id, method, subject, reference,"
    " mac, expires_at, created_at) VALUES (:o, :r, 'sms', :p, :p, :m,"
    " now() + interval '1 hour', now())"
)


def test_existing_identifications_get_login_names(pg_cluster):
    pg_cluster.ensure_database("hotspot_migration_0017")
    url = pg_cluster.url("hotspot_migration_0017")
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        owner = factories.owner(s)
        ids = (owner.id, factories.router(s, owner).id)
    command.downgrade(config, "0019")
    try:
        with engine.begin() as conn:
            owner, router = ids
            for n in range(3):
                conn.execute(
                    text(IDENT),
                    {
                        "o": owner,
                        "r": router,
                        "p": "99890000001",
                        "m": f"02:00:00:00:00:0{n}",
                    },
                )
        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT subject, login FROM identifications")
            ).all()
            logins = [login for _, login in rows]
            assert len(set(logins)) == 3
            assert all(re.fullmatch(r"i-[0-9a-f]{24}", x) for x in logins)
            state = conn.scalar(
                text(
                    "SELECT hotspot_auth_state(:r, :u, '02:00:00:00:00:01', NULL,"
                    " NULL, 'radius', 900, 60)"
                ),
                {"r": str(router), "u": logins[1]},
            )
            assert state.split("|")[0] == str(router)
            uniques = inspect(conn).get_unique_constraints("identifications")
            assert any(u["column_names"] == ["login"] for u in uniques)
    finally:
        engine.dispose()
