"""`hotspot router add`: a new router requires Message-Authenticator unless told."""

from __future__ import annotations

import uuid

import pytest

from hotspot.models import Router


@pytest.mark.parametrize(
    ("flag", "required"),
    [
        ((), True),
        (("--require-message-authenticator",), True),
        (("--no-require-message-authenticator",), False),
    ],
)
def test_router_add_requires_message_authenticator_by_default(
    cli,  # noqa: F811
    session_factory,
    flag: tuple[str, ...],
    required: bool,
) -> None:
    name = f"ma-{uuid.uuid4().hex[:6]}"
    cli("owner", "add", name)
    ip = f"10.78.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    cli(
        "router", "add", "--owner", name, "--nas-id", f"{name}-r", "--ip", ip,
        "--secret", "s3cret-x-long-enough", *flag,
    )  # fmt: skip
    with session_factory() as s:
        router = s.query(Router).filter_by(nas_identifier=f"{name}-r").one()
        assert router.require_message_authenticator is required


def test_router_add_help_says_what_turning_it_off_costs(cli) -> None:  # noqa: F811
    text = " ".join(cli("router", "add", "--help").stdout.split())
    assert "RouterOS >= 7.15 sends it" in text
    assert "--no-require-message-authenticator" in text
    assert "forge requests without the secret" in text
