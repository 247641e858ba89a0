"""Accounts and logins for the cabinet and admin tests (CSRF on: the real forms)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from flask.testing import FlaskClient

from hotspot.db import transaction
from hotspot.models import Owner
from hotspot.services.accounts import add_account

PASSWORD = "a long test password"


@dataclass
class Login:
    email: str
    owner: Owner | None


def make_account(session_factory, role: str, owner: Owner | None) -> Login:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    with transaction(session_factory) as s:
        add_account(s, email, role, PASSWORD, s.merge(owner) if owner else None)
    return Login(email, owner)


def csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    if not client.application.config.get("WTF_CSRF_ENABLED", True):
        return ""
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def log_in(client: FlaskClient, email: str, where: str = "/cabinet/login") -> None:
    token = csrf(client, where)
    response = client.post(
        where, data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.text[:500]
