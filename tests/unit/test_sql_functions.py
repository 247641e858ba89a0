"""The current body of each SQL function lives in one file
(migrations/sql/functions/<name>.sql); the revisions snapshot it. Editing a function
without a revision that snapshots the change (or the other way round) fails here."""

from __future__ import annotations

import re

from migrations.sqlfiles import CURRENT_DIR, definitions, newest_definitions


def _normal(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def current() -> dict[str, str]:
    found = {}
    for path in sorted(CURRENT_DIR.glob("*.sql")):
        defs = definitions(path.read_text())
        assert list(defs) == [path.stem], f"{path.name} must define {path.stem} only"
        found.update(defs)
    return found


def test_every_function_has_its_current_file_and_only_those():
    assert set(current()) == set(newest_definitions())


def test_the_current_files_are_what_the_newest_revisions_created():
    newest = newest_definitions()
    stale = [
        name
        for name, body in current().items()
        if _normal(body) != _normal(newest.get(name, ""))
    ]
    assert not stale, (
        "changed without a revision snapshotting it (or the other way round): "
        + ", ".join(stale)
    )


def test_the_check_sees_a_changed_body(tmp_path, monkeypatch):
    """Guard: a current file that differs from its snapshot is reported."""
    import migrations.sqlfiles as sqlfiles

    for path in CURRENT_DIR.glob("*.sql"):
        (tmp_path / path.name).write_text(path.read_text())
    changed = tmp_path / "hotspot_client.sql"
    changed.write_text(changed.read_text().replace("SELECT", "SELECT 1,", 1))
    monkeypatch.setattr(sqlfiles, "CURRENT_DIR", tmp_path)
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "CURRENT_DIR", tmp_path)
    newest = newest_definitions()
    assert _normal(current()["hotspot_client"]) != _normal(newest["hotspot_client"])
