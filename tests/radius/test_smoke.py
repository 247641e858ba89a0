from hotspot.db import transaction
from tests import factories


def test_voucher_pap_accept(nas_a, venues, settings, session_factory):
    with transaction(session_factory) as s:
        v = factories.voucher(
            s,
            venues["a"].owner,
            settings.pin_key,
            time="60m",
            data="100MB",
            rate="2M/2M",
        )
    r = nas_a.authenticate(v.code, v.pin, mac="AA:BB:CC:00:00:01")
    assert r.accepted, r.reply_message
    assert r.first("Session-Timeout") == 3600
    assert r.first("Mikrotik-Rate-Limit") == "2M/2M"
    assert r.message_authenticator
