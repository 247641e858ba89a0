"""The cabinet and the admin through Flask's test client: logins, every page,
roles, CSV exports, and the tenant-isolation walk over every URL rule."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.crypto import PinCipher
from hotspot.db import transaction
from hotspot.models import (
    AuditEntry,
    Identification,
    Owner,
    PhoneBlacklist,
    RadiusSession,
    Registration,
    SmsMessage,
    Voucher,
)
from hotspot.phones import mask
from hotspot.services.accounts import add_account
from hotspot.services.ads import add_banner
from hotspot.services.identification import blacklist_phone
from hotspot.services.speeds import set_override
from hotspot.services.stats import refresh_rollups
from hotspot.services.vouchers import generate_vouchers
from portal import create_app
from tests import factories
from tests.portal.cabinet_helpers import PASSWORD, csrf, log_in, make_account


@dataclass
class Tenant:
    owner: Owner
    ids: dict[str, object]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 20), (0, 90, 200)).save(out, "PNG")
    return out.getvalue()


def _tenant(s, settings, phone: str) -> Tenant:
    owner = factories.owner(s)
    router = factories.router(s, owner)
    tariff = factories.tariff(s, owner, time="60m")
    issued = generate_vouchers(s, owner, tariff, 2, PinCipher(settings.pin_key))
    entry = blacklist_phone(s, owner, phone, "spam")
    sms = SmsMessage(
        owner_id=owner.id,
        router_id=router.id,
        phone=phone,
        template="otp",
        client_ref=uuid.uuid4().hex,
        status="delivered",
        provider="eskiz",
    )
    s.add(sms)
    started = utcnow() - dt.timedelta(minutes=20)
    session_row = RadiusSession(
        router_id=router.id,
        acct_session_id=uuid.uuid4().hex[:12],
        username=issued[0].code,
        mac="02:00:00:00:00:01",
        framed_ip="10.5.50.9",
        voucher_id=issued[0].voucher.id,
        started_at=started,
        updated_at=started,
        input_octets=123456,
        output_octets=654321,
        session_time=1200,
    )
    s.add(session_row)
    registration = Registration(
        owner_id=owner.id,
        kind="hotel",
        reference="B101" if phone.endswith("2") else "A101",
        surname="KARIMOV",
        valid_from=started,
        valid_until=started + dt.timedelta(days=2),
    )
    s.add(registration)
    banner = add_banner(s, owner, f"ad-{phone[-4:]}", _png(), "https://shop.example/")
    override, _ = set_override(s, owner, phone, "1M/2M", utcnow())
    s.flush()
    manager = add_account(
        s, f"manager-{uuid.uuid4().hex[:8]}@example.com", "manager", PASSWORD, owner
    )
    ids = {
        "router": router.id,
        "router_id": router.id,
        "tariff_id": tariff.id,
        "batch_id": issued[0].voucher.batch_id,
        "voucher_id": issued[0].voucher.id,
        "entry_id": entry.id,
        "owner_id": owner.id,
        "sms": sms.id,
        "name": tariff.name,
        "code": issued[0].code,
        "nas_id": router.nas_identifier,
        "fmt": "pdf",
        "session_id": session_row.id,
        "registration_id": registration.id,
        "account_id": manager.id,
        "banner_id": banner.id,
        "banner_name": banner.name,
        "override_id": override.id,
    }
    return Tenant(owner, ids)


@pytest.fixture(scope="module")
def tenants(session_factory, settings):
    with transaction(session_factory) as s:
        a = _tenant(s, settings, "998901110001")
        b = _tenant(s, settings, "998901110002")
        refresh_rollups(s, utcnow(), since=utcnow() - dt.timedelta(days=1))
    return {"a": a, "b": b}


@pytest.fixture(scope="module")
def csrf_app(settings):
    app = create_app({"TESTING": True}, settings=settings)
    yield app
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


def test_login_needs_csrf_and_the_right_password(csrf_app, session_factory, tenants):
    who = make_account(session_factory, "owner", tenants["a"].owner)
    client = csrf_app.test_client()
    assert client.get("/cabinet/").status_code == 302  # to the login page
    no_token = client.post(
        "/cabinet/login", data={"email": who.email, "password": PASSWORD}
    )
    assert no_token.status_code == 400
    token = csrf(client, "/cabinet/login")
    wrong = client.post(
        "/cabinet/login",
        data={"csrf_token": token, "email": who.email, "password": "not it at all"},
    )
    assert wrong.status_code == 401 and "Wrong e-mail or password." in wrong.text
    log_in(client, who.email)
    page = client.get("/cabinet/")
    assert page.status_code == 200 and "Statistics" in page.text
    assert "nonce-" in page.headers["Content-Security-Policy"]
    # Logging out needs the token too.
    assert client.post("/cabinet/logout").status_code == 400
    client.post("/cabinet/logout", data={"csrf_token": csrf(client, "/cabinet/")})
    assert client.get("/cabinet/").status_code == 302


def test_session_expires_after_idle_time(csrf_app, session_factory, tenants):
    from hotspot.clock import FrozenClock

    clock = FrozenClock(utcnow())
    csrf_app.config["HOTSPOT_CLOCK"] = clock
    try:
        who = make_account(session_factory, "owner", tenants["a"].owner)
        client = csrf_app.test_client()
        log_in(client, who.email)
        assert client.get("/cabinet/").status_code == 200
        clock.advance(minutes=29)
        assert client.get("/cabinet/").status_code == 200
        clock.advance(minutes=31)
        assert client.get("/cabinet/").status_code == 302
    finally:
        from hotspot.clock import SystemClock

        csrf_app.config["HOTSPOT_CLOCK"] = SystemClock()


OWNER_PAGES = [
    "/cabinet/",
    "/cabinet/?unit=hour",
    "/cabinet/?unit=week",
    "/cabinet/?unit=month",
    "/cabinet/sessions",
    "/cabinet/sessions?last=1",
    "/cabinet/bandwidth",
    "/cabinet/bandwidth?unit=month",
    "/cabinet/sms",
    "/cabinet/blacklist",
    "/cabinet/tariffs",
    "/cabinet/ads",
    "/cabinet/vouchers",
    "/cabinet/cards",
    "/cabinet/routers",
    "/cabinet/settings",
    "/cabinet/audit",
    "/cabinet/security",
    "/cabinet/documents",
    "/cabinet/registrations",
    "/cabinet/staff",
]


@pytest.mark.parametrize("lang", ["en", "ru", "uz", "uz_Cyrl"])
def test_every_cabinet_page_renders(app, session_factory, tenants, lang):
    who = make_account(session_factory, "owner", tenants["a"].owner)
    client = app.test_client()
    log_in(client, who.email)
    for path in OWNER_PAGES:
        sep = "&" if "?" in path else "?"
        page = client.get(f"{path}{sep}lang={lang}")
        assert page.status_code == 200, (path, page.text[:300])
        assert "<script" not in page.text  # nothing the CSP would block
        assert " style=" not in page.text


def test_dashboard_shows_the_owners_sessions(app, session_factory, tenants):
    who = make_account(session_factory, "owner", tenants["a"].owner)
    client = app.test_client()
    log_in(client, who.email)
    page = client.get("/cabinet/?unit=day")
    assert '<svg class="chart"' in page.text
    assert re.search(r'id="total-sessions">1<', page.text)
    csv = client.get("/cabinet/?unit=day&format=csv")
    assert csv.mimetype == "text/csv"
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("start,sessions,unique_guests")
    assert sum(int(line.split(",")[1]) for line in lines[1:]) == 1


def test_csv_exports(app, session_factory, tenants):
    who = make_account(session_factory, "owner", tenants["a"].owner)
    client = app.test_client()
    log_in(client, who.email)
    live = client.get("/cabinet/sessions?format=csv").text
    assert tenants["a"].ids["code"] in live and tenants["b"].ids["code"] not in live
    assert "998901110001" in client.get("/cabinet/blacklist?format=csv").text
    assert tenants["a"].ids["code"] in client.get("/cabinet/vouchers?format=csv").text
    assert "delivered" in client.get("/cabinet/sms?format=csv").text
    assert tenants["a"].ids["nas_id"] in client.get("/cabinet/routers?format=csv").text


def test_blacklist_add_import_remove_are_audited(app, session_factory, tenants):
    owner = tenants["a"].owner
    who = make_account(session_factory, "manager", owner)
    client = app.test_client()
    log_in(client, who.email)
    client.post(
        "/cabinet/blacklist", data={"phone": "+998 90 555 00 11", "reason": "x"}
    )
    data = {
        "file": (io.BytesIO(b"phone,reason\n998905550012,a\nnot a phone,b\n"), "b.csv")
    }
    done = client.post("/cabinet/blacklist/import", data=data, follow_redirects=True)
    assert "Imported 1 phone numbers." in done.text and "not a phone" in done.text
    with session_factory() as s:
        phones = set(
            s.scalars(
                select(PhoneBlacklist.phone).where(PhoneBlacklist.owner_id == owner.id)
            )
        )
        assert {"998905550011", "998905550012"} <= phones
        entry = s.scalar(
            select(PhoneBlacklist).where(PhoneBlacklist.phone == "998905550011")
        )
    client.post(f"/cabinet/blacklist/{entry.id}/remove")
    with session_factory() as s:
        assert s.get(PhoneBlacklist, entry.id) is None
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.actor == who.email)
        ).all()
    assert {
        "blacklist.add",
        "blacklist.import",
        "blacklist.remove",
        "account.login",
    } <= set(actions)


def test_cashier_sells_and_prints_cards_only(app, session_factory, tenants, settings):
    owner = tenants["a"].owner
    who = make_account(session_factory, "cashier", owner)
    client = app.test_client()
    log_in(client, who.email)
    assert client.get("/cabinet/").status_code == 302  # to the cards
    cards = client.get("/cabinet/cards")
    assert cards.status_code == 200
    for path in (
        "/cabinet/sessions",
        "/cabinet/sms",
        "/cabinet/blacklist",
        "/cabinet/tariffs",
        "/cabinet/vouchers",
        "/cabinet/settings",
        "/cabinet/audit",
        "/cabinet/routers",
        "/cabinet/?format=csv",
    ):
        assert client.get(path).status_code in (302, 403), path
    tariff_id = tenants["a"].ids["tariff_id"]
    made = client.post("/cabinet/cards", data={"tariff": str(tariff_id), "count": "3"})
    assert made.status_code == 302 and "/print" in made.headers["Location"]
    sheet = client.get(made.headers["Location"])
    assert sheet.status_code == 200 and 'class="card"' in sheet.text
    nonce = re.search(
        r"nonce-([^']+)'", sheet.headers["Content-Security-Policy"]
    ).group(1)
    assert f'<style nonce="{nonce}">' in sheet.text
    assert (
        client.post(
            f"/cabinet/vouchers/{tenants['a'].ids['voucher_id']}/revoke"
        ).status_code
        == 403
    )


def test_manager_has_no_money_settings(app, session_factory, tenants):
    who = make_account(session_factory, "manager", tenants["a"].owner)
    client = app.test_client()
    log_in(client, who.email)
    for path in (
        "/cabinet/sessions",
        "/cabinet/vouchers",
        "/cabinet/blacklist",
        "/cabinet/",
    ):
        assert client.get(path).status_code == 200, path
    for path in ("/cabinet/tariffs", "/cabinet/settings", "/cabinet/audit"):
        assert client.get(path).status_code == 403, path
    assert client.post("/cabinet/settings", data={"otp_length": "4"}).status_code == 403
    vid = tenants["a"].ids["voucher_id"]
    assert client.post(f"/cabinet/vouchers/{vid}/revoke").status_code == 302
    with session_factory() as s:
        assert s.get(Voucher, vid).status == "revoked"


def test_owner_changes_settings(app, session_factory, tenants):
    who = make_account(session_factory, "owner", tenants["a"].owner)
    client = app.test_client()
    log_in(client, who.email)
    bad = client.post(
        "/cabinet/settings", data={"otp_length": "9"}, follow_redirects=True
    )
    assert "otp_length" in bad.text
    ok = client.post(
        "/cabinet/settings", data={"otp_length": "5", "timezone": "Asia/Tashkent"}
    )
    assert ok.status_code == 302
    with session_factory() as s:
        owner = s.get(Owner, tenants["a"].owner.id)
        assert owner.policy.get("otp_length") == 5


def test_operator_admin_pages(app, session_factory, tenants):
    who = make_account(session_factory, "operator", None)
    client = app.test_client()
    log_in(client, who.email, "/admin/login")
    for path in (
        "/admin/",
        "/admin/owners",
        "/admin/routers",
        "/admin/sessions",
        "/admin/dead-letters",
        "/admin/sms",
        "/admin/blacklist",
        "/admin/audit",
        f"/admin/owners/{tenants['b'].owner.id}",
        f"/admin/?owner={tenants['b'].owner.id}&unit=hour",
    ):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
    # Across owners: both venues' routers and sessions.
    routers = client.get("/admin/routers?format=csv").text
    assert (
        tenants["a"].ids["nas_id"] in routers and tenants["b"].ids["nas_id"] in routers
    )
    added = client.post(
        f"/admin/owners/{tenants['b'].owner.id}",
        data={"email": f"boss-{uuid.uuid4().hex[:6]}@example.com", "role": "owner"},
    )
    assert "Password (shown once)" in added.text
    # Owner staff cannot open the admin; the operator is not an owner.
    staff = app.test_client()
    log_in(staff, make_account(session_factory, "owner", tenants["a"].owner).email)
    assert staff.get("/admin/").status_code == 403
    assert client.get("/cabinet/").status_code == 302


def test_identified_guests_show_as_masked_phone_and_count_once(app, session_factory):
    """Sessions of identified guests carry opaque login names: the live list and
    its CSV show the masked phone, and two devices of one phone are one guest."""
    phone = "998901110077"
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
        started = utcnow() - dt.timedelta(minutes=5)
        logins = []
        for n in (1, 2):
            ident = Identification(
                owner_id=owner.id, router_id=router.id, method="sms",
                subject=phone, reference=phone, mac=f"02:00:00:00:77:0{n}",
                expires_at=utcnow() + dt.timedelta(hours=5),
            )  # fmt: skip
            s.add(ident)
            s.flush()
            logins.append(ident.login)
            s.add(
                RadiusSession(
                    router_id=router.id, acct_session_id=uuid.uuid4().hex[:12],
                    username=ident.login, mac=ident.mac, framed_ip=f"10.5.50.{n}",
                    started_at=started, updated_at=started,
                )
            )  # fmt: skip
        refresh_rollups(s, utcnow(), since=utcnow() - dt.timedelta(days=1))
    who = make_account(session_factory, "owner", owner)
    client = app.test_client()
    log_in(client, who.email)
    for text in (
        client.get("/cabinet/sessions").text,
        client.get("/cabinet/sessions?format=csv").text,
    ):
        assert text.count(mask(phone)) == 2
        assert phone not in text and not any(x in text for x in logins)
    csv = client.get("/cabinet/?unit=day&format=csv").text.strip().splitlines()
    header = csv[0].split(",")
    guests = header.index("unique_guests")
    assert sum(int(line.split(",")[guests]) for line in csv[1:]) == 1
