"""Guest pages rendered once per venue, language and variant, a few seconds at a
time (:data:`hotspot.cache.VENUE`): a busy venue's guests all get the same login
and Free pages, so the template is rendered for the first of them and the others
get that HTML with their own parts put in: this response's CSP nonce and the
guest's CSRF token (rendered as unguessable marks, replaced on every answer).

Only default variants are kept: a page with an error, typed values, a card number
from a QR code or query arguments is rendered for its request. A cached page is
cleared with the data it was rendered from (a change in this process clears it at
once; one elsewhere shows within twice :data:`hotspot.cache.TTL`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable

from flask import current_app, g, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from hotspot.cache import VENUE

from ..security import csp_nonce

#: Stand-ins rendered into a kept page; random per process, so no venue's text
#: can hold them.
_NONCE = "nonce" + secrets.token_hex(16)
_CSRF = "csrf" + secrets.token_hex(16)


def cached_page(key: tuple[Hashable, ...], render: Callable[[], str]) -> str:
    """The page ``render`` makes for this request, from the kept copy for ``key``
    (what varies within one endpoint and language) when there is one."""
    if request.args:
        return render()
    full = ("page", request.endpoint, request.method, str(get_locale()), *key)
    page = VENUE.get(full, lambda: _render_marked(render))
    page = page.replace(_NONCE, csp_nonce())
    return page.replace(_CSRF, generate_csrf()) if _CSRF in page else page


def _render_marked(render: Callable[[], str]) -> str:
    """``render``'s page with the marks in place of the nonce and the token."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    real = {k: g.pop(k) for k in ("csp_nonce", field) if k in g}
    g.csp_nonce = _NONCE
    setattr(g, field, _CSRF)
    try:
        return render()
    finally:
        g.pop("csp_nonce", None)
        g.pop(field, None)
        for k, v in real.items():
            setattr(g, k, v)
