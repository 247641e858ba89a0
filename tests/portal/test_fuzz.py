"""Every guest form and query parameter, fuzzed: no input makes the portal fail
(500), and nothing typed comes back as markup."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotspot.settings import Settings
from portal import create_app

from .conftest import Place, router_post

MARK = '<b id="fuzz">'
#: Text a guest or a script might send: anything, markup, NUL and other controls.
TEXT = st.one_of(
    st.text(max_size=80),
    st.text(max_size=600),
    st.sampled_from(["", " ", "\x00", "a\x00b", "%00", "\\", "\\371", "---"]),
    st.sampled_from(
        ["1" * 5000, "hotel", "ticket", "+998 90 123 45 67", "02:00:00:00:00:01"]
    ),
).map(lambda t: t if len(t) % 3 else t + MARK)
FORMS = {
    "/login/voucher": ("code", "pin"),
    "/login/phone": ("phone",),
    "/login/code": ("code",),
    "/login/resend": ("code",),
    "/login/document": ("kind", "reference", "surname"),
}
ROUTER_FIELDS = (
    "mac",
    "ip",
    "link-login-only",
    "link-orig",
    "chap-id",
    "chap-challenge",
    "identity",
    "server-name",
    "error",
)

_apps: dict[str, Flask] = {}


def fuzz_app(settings_: Settings, tmp_path: Path) -> Flask:
    if "app" not in _apps:
        box = [{"type": "outbox", "name": "o", "path": str(tmp_path / "box.jsonl")}]
        _apps["app"] = create_app(
            {"TESTING": True, "WTF_CSRF_ENABLED": False},
            settings=settings_.with_(sms_providers=json.dumps(box), demo=1),
        )
    return _apps["app"]


def check(response) -> None:
    assert response.status_code < 500, response.status_code
    assert MARK not in response.get_data(as_text=True)


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(
    field=st.sampled_from(ROUTER_FIELDS),
    value=TEXT,
    path=st.sampled_from(sorted(FORMS)),
    values=st.lists(TEXT, min_size=3, max_size=3),
    query=TEXT,
)
@example(  # NUL, which PostgreSQL refuses, in what reaches a query
    field="identity",
    value="a\x00b",
    path="/login/voucher",
    values=["1\x00"] * 3,
    query="",
)
@example(field="mac", value="", path="/login/phone", values=["x"] * 3, query="\x00")
def test_no_input_breaks_a_guest_page(
    settings: Settings, place: Place, tmp_path: Path, field, value, path, values, query
):
    app = fuzz_app(settings, tmp_path)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = str(place.router.ip_address)
    # The router's own post with one field fuzzed; then its post as it is, so that
    # the forms are reached with a context.
    check(client.post("/login", data=router_post(place.router, **{field: value})))
    check(client.post("/login", data=router_post(place.router)))
    check(client.post(path, data=dict(zip(FORMS[path], values, strict=False))))
    for url in ("/login", "/", "/login/code", "/demo/sms", "/nowhere"):
        check(client.get(url, query_string={"code": query, "lang": query, "x": query}))
