"""The development outbox: a JSON line per SMS, read back by read_outbox."""

from __future__ import annotations

import datetime as dt
import json

from hotspot.sms import build_provider, read_outbox
from hotspot.sms.providers.outbox import OutboxProvider

from .conftest import PHONE, TEXT

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_send_appends_a_line_read_outbox_returns(tmp_path):
    path = tmp_path / "spool" / "outbox.jsonl"  # the directory is created
    provider = OutboxProvider(path=path, clock=lambda: T0)

    result = provider.send(PHONE, TEXT, client_ref="ref-1")
    provider.send("998911112233", "другой текст", client_ref="ref-2")

    assert result.accepted and result.status == "sent"
    assert result.provider_message_id == "outbox-ref-1"
    assert read_outbox(path) == [
        {"to": PHONE, "text": TEXT, "client_ref": "ref-1", "at": T0.isoformat()},
        {
            "to": "998911112233",
            "text": "другой текст",
            "client_ref": "ref-2",
            "at": T0.isoformat(),
        },
    ]
    assert [e["client_ref"] for e in read_outbox(path, to=PHONE)] == ["ref-1"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["to"] == PHONE


def test_built_from_config(tmp_path):
    path = tmp_path / "o.jsonl"
    provider = build_provider({"type": "outbox", "name": "demo", "path": str(path)})
    assert provider.name == "demo"
    assert provider.send(PHONE, TEXT, client_ref="r").accepted
    assert read_outbox(str(path))[0]["text"] == TEXT


def test_missing_files_and_broken_lines(tmp_path):
    path = tmp_path / "o.jsonl"
    assert read_outbox(path) == []
    path.write_text('{"to": "1"\nnot json\n{"to": "9989", "text": "t"}\n')
    OutboxProvider(path=path).send(PHONE, TEXT, client_ref="r")
    assert [e["client_ref"] for e in read_outbox(path)] == ["r"]


def test_an_unwritable_outbox_fails_without_raising(tmp_path):
    result = OutboxProvider(path=tmp_path).send(PHONE, TEXT, client_ref="r")
    assert (result.accepted, result.status, result.retryable) == (
        False,
        "failed",
        False,
    )
    assert (result.error or "").startswith("outbox not writable")
