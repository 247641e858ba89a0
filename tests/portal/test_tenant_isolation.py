"""Tenant isolation: every cabinet, admin and API URL rule (enumerated from the
app's url_map, so a new URL is walked without anyone adding it here), as owner A
with owner B's object ids, answers 404 or 403 — never B's data — and changes
nothing of B's."""

from __future__ import annotations

from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import (
    PhoneBlacklist,
    Router,
    RouterAction,
    SpeedOverride,
    Tariff,
    Voucher,
)
from hotspot.models.ads import AdBanner
from hotspot.services.tenancy import create_api_token
from tests.portal.cabinet_helpers import log_in, make_account
from tests.portal.test_cabinet import tenants  # noqa: F401 - the shared fixture

PREFIXES = ("/cabinet", "/admin", "/api/v1")
#: Not owner-scoped by design: the SMS gateways' delivery reports (authenticated
#: by the gateway, tests/portal/test_sms_report.py) and the login pages.
UNSCOPED = {
    "/api/v1/sms/report/<name>",
    "/cabinet/login",
    "/cabinet/login/code",
    "/admin/login",
    "/cabinet/logout",
    "/cabinet/security",
}
#: Query arguments that name an object, filled with B's.
QUERY_IDS = {"router": "router_id", "batch": "batch_id", "owner": "owner_id"}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIXES) and rule.rule not in UNSCOPED:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _b_values(ids: dict[str, object], phone: str) -> dict[str, object]:
    return {**ids, "phone": phone, "action": "disable", "fmt": "html"}


def _secrets_of_b(ids: dict[str, object]) -> list[str]:
    """Strings only B's pages hold."""
    return [
        str(ids["code"]),
        str(ids["nas_id"]),
        str(ids["name"]),
        str(ids["banner_name"]),
        "998*****02",
        "998901110002",
        "B101",  # B's hotel registration
    ]


def _check(response, b_strings, where):
    body = response.get_data(as_text=True)
    for s in b_strings:
        assert s not in body, f"{where}: shows B's {s!r}"


def test_every_url_as_owner_a_against_owner_b(app, session_factory, tenants):  # noqa: F811
    a, b = tenants["a"], tenants["b"]
    values = _b_values(b.ids, "998901110002")
    web = app.test_client()
    log_in(web, make_account(session_factory, "owner", a.owner).email)
    with transaction(session_factory) as s:
        _, token = create_api_token(s, s.merge(a.owner), "walk", utcnow())
    api = {"Authorization": f"Bearer {token}"}
    walked = 0
    for rule, method in _rules(app):
        missing = [arg for arg in rule.arguments if arg not in values]
        assert not missing, f"{rule.rule}: no B object for {missing}: add it"
        path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[
            1
        ]
        headers = api if rule.rule.startswith("/api/") else {}
        client = web
        response = client.open(
            path,
            method=method,
            headers=headers,
            json={} if method in ("POST", "PATCH") and headers else None,
            data=None if headers else {},
        )
        where = f"{method} {rule.rule}"
        if rule.arguments:
            assert response.status_code in (403, 404), (where, response.status_code)
        else:
            assert response.status_code in (
                200,
                201,
                204,
                302,
                400,
                403,
                404,
                409,
                422,
            ), where
        # A 404 may repeat what was asked ("no tariff 'x'"): that is not B's data.
        _check(response, [x for x in _secrets_of_b(b.ids) if x not in path], where)
        if method == "GET" and not rule.arguments:
            for arg, key in QUERY_IDS.items():
                query = client.get(f"{path}?{arg}={b.ids[key]}", headers=headers)
                assert query.status_code in (200, 403, 404), (where, arg)
                _check(query, _secrets_of_b(b.ids), f"{where}?{arg}")
        walked += 1
    assert walked > 40
    # Nothing of B's changed.
    with session_factory() as s:
        assert s.get(Voucher, b.ids["voucher_id"]).status == "new"
        assert s.get(PhoneBlacklist, b.ids["entry_id"]) is not None
        assert not s.get(Tariff, b.ids["tariff_id"]).archived
        router = s.get(Router, b.ids["router_id"])
        assert router.enabled and router.bandwidth is None
        assert s.get(SpeedOverride, b.ids["override_id"]).rate_limit == "1M/2M"
        banner = s.get(AdBanner, b.ids["banner_id"])
        assert banner is not None and banner.enabled and banner.weight == 1
        assert banner.router_ids == [] and banner.starts_at is None
        # Nothing was queued to cut B's guest off.
        assert not s.scalars(
            select(RouterAction).where(
                RouterAction.radius_session_id == b.ids["session_id"]
            )
        ).all()


def test_the_walk_sees_b_data_where_b_is_allowed(app, session_factory, tenants):  # noqa: F811
    """The walk's checks can fail: B's own login sees B's strings."""
    b = tenants["b"]
    web = app.test_client()
    log_in(web, make_account(session_factory, "owner", b.owner).email)
    body = web.get("/cabinet/vouchers").text + web.get("/cabinet/routers").text
    assert str(b.ids["code"]) in body and str(b.ids["nas_id"]) in body
    assert web.get(f"/cabinet/cards/{b.ids['batch_id']}/print").status_code == 200
