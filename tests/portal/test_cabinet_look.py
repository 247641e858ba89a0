"""The portal look in the cabinet: the form, the preview of the guest login page
(rendered with the form's values, saving nothing, framed by our pages only, its
script from our static files under the CSP nonce), saving, and who may."""

from __future__ import annotations

import re

from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import AuditEntry, Owner, VenueLogo
from tests.portal.cabinet_helpers import log_in, make_account
from tests.portal.test_cabinet import tenants  # noqa: F401 - the shared fixture

#: A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a3a1c7e10000000049454e44ae426082"
)
LOOK = {
    "display_name": "Hotel Bukhara",
    "accent_color": "#aa3300",
    "welcome_text": "Xush kelibsiz! <script>alert(1)</script>",
    "terms_text": "Be nice.",
    "languages": ["ru", "en"],
}


def _nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]


def test_the_look_page_loads_its_script_under_the_nonce(app, session_factory, tenants):  # noqa: F811
    client = app.test_client()
    log_in(client, make_account(session_factory, "owner", tenants["a"].owner).email)
    page = client.get("/cabinet/look")
    assert page.status_code == 200
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts == [
        f'<script nonce="{_nonce(page)}" src="/static/cabinet/look.js" defer>'
    ]
    assert 'formtarget="preview"' in page.text and 'name="preview"' in page.text
    # The cabinet's own pages may not be framed; only the preview may (by us).
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    with client.get("/static/cabinet/look.js") as js:
        assert js.status_code == 200 and "requestSubmit" in js.text


def test_the_preview_shows_the_form_and_saves_nothing(app, session_factory, tenants):  # noqa: F811
    owner = tenants["a"].owner
    client = app.test_client()
    log_in(client, make_account(session_factory, "owner", owner).email)
    before = client.get("/cabinet/look/preview")
    assert "--accent: #0a66c2" in before.text
    shown = client.post("/cabinet/look/preview", data=LOOK)
    assert shown.status_code == 200
    csp = shown.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "form-action 'none'" in csp
    assert shown.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "--accent: #aa3300" in shown.text and "Hotel Bukhara" in shown.text
    assert "Xush kelibsiz! &lt;script&gt;" in shown.text
    assert "<script>alert" not in shown.text
    assert 'hreflang="ru"' in shown.text and 'hreflang="uz"' not in shown.text
    assert 'id="logo"' not in shown.text  # none uploaded
    # A colour the setting refuses shows the saved one.
    bad = client.post("/cabinet/look/preview", data={**LOOK, "accent_color": "red;}"})
    assert "--accent: #0a66c2" in bad.text and "red;}" not in bad.text
    with session_factory() as s:
        stored = s.get(Owner, owner.id)
        assert "accent_color" not in (stored.policy or {})
        assert stored.display_name != "Hotel Bukhara"


def test_saving_the_look_is_audited(app, session_factory, tenants):  # noqa: F811
    owner = tenants["a"].owner
    who = make_account(session_factory, "owner", owner)
    client = app.test_client()
    log_in(client, who.email)
    saved = client.post("/cabinet/look", data=LOOK)
    assert saved.status_code == 302
    with session_factory() as s:
        stored = s.get(Owner, owner.id)
        assert stored.policy["accent_color"] == "#aa3300"
        assert stored.policy["languages"] == ["ru", "en"]
        assert stored.display_name == "Hotel Bukhara"
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.actor == who.email)
        ).all()
    assert "settings.update" in actions
    with transaction(session_factory) as s:
        s.add(
            VenueLogo(
                owner_id=owner.id,
                image=PNG,
                content_type="image/png",
                updated_at=utcnow(),
            )
        )
    preview = client.get("/cabinet/look/preview").text
    assert "--accent: #aa3300" in preview
    assert f'src="/venue/{owner.id}/logo"' in preview
    refused = client.post(
        "/cabinet/look", data={**LOOK, "accent_color": "blue"}, follow_redirects=True
    )
    assert "accent_color" in refused.text


def test_only_the_owner_changes_the_look(app, session_factory, tenants):  # noqa: F811
    for role in ("manager", "cashier"):
        client = app.test_client()
        log_in(client, make_account(session_factory, role, tenants["a"].owner).email)
        assert client.get("/cabinet/look").status_code == 403
        assert client.post("/cabinet/look", data=LOOK).status_code == 403
        assert client.post("/cabinet/look/preview", data=LOOK).status_code == 403
