"""The portal's one transaction boundary: a view's work is committed when it has
answered (a refusal too), and rolled back when it fails."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from hotspot.models import Owner
from portal import create_app
from portal.extensions import db


def _app(settings):
    app = create_app({"TESTING": False, "WTF_CSRF_ENABLED": False}, settings=settings)

    @app.get("/_test/<name>/<int:status>")
    def write(name: str, status: int):  # type: ignore[no-untyped-def]
        db.session.add(Owner(name=name, display_name=name))
        db.session.flush()
        if status == 599:
            raise RuntimeError("the view failed")
        return "written", status

    return app


def _stored(session_factory, name: str) -> bool:
    with session_factory() as s:
        return s.scalar(select(Owner.id).where(Owner.name == name)) is not None


def test_work_is_committed_once_the_view_answered(settings, session_factory):
    app = _app(settings)
    ok, refused, failed = (f"tx-{uuid.uuid4().hex[:8]}" for _ in range(3))
    client = app.test_client()
    assert client.get(f"/_test/{ok}/200").status_code == 200
    assert client.get(f"/_test/{refused}/422").status_code == 422
    assert client.get(f"/_test/{failed}/599").status_code == 500
    assert _stored(session_factory, ok)
    assert _stored(session_factory, refused)  # attempt counters are kept
    assert not _stored(session_factory, failed)
    with app.app_context():
        db.engine.dispose()
