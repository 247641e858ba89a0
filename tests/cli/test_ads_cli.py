"""Banners from the CLI: `hotspot ads add|list|stats`."""

from __future__ import annotations

import io
import json
import uuid

from PIL import Image


def test_banner_uploaded_listed_and_counted(cli, tmp_path):
    name = f"cafe-{uuid.uuid4().hex[:6]}"
    cli("owner", "add", name)
    good, svg = tmp_path / "b.jpg", tmp_path / "b.svg"
    out = io.BytesIO()
    Image.new("RGB", (64, 32), (10, 200, 10)).save(out, "JPEG")
    good.write_bytes(out.getvalue())
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    added = json.loads(
        cli(
            "ads", "add", "--owner", name, "--name", "sale", "--image", str(good),
            "--link", "https://shop.example/", "--weight", "5",
            "--until", "2030-01-01", "--json",
        ).stdout
    )  # fmt: skip
    assert added["content_type"] == "image/jpeg" and added["weight"] == 5
    assert added["ends_at"].startswith("2030-01-01T00:00:00")
    proc = cli(
        "ads", "add", "--owner", name, "--name", "x", "--image", str(svg),
        "--link", "https://shop.example/", ok=False,
    )  # fmt: skip
    assert proc.returncode == 1 and "SVG" in proc.stderr
    assert "Traceback" not in proc.stderr
    listed = json.loads(cli("ads", "list", "--owner", name, "--json").stdout)
    assert [b["name"] for b in listed] == ["sale"]
    assert json.loads(cli("ads", "stats", "--owner", name, "--json").stdout) == []
    assert "CTR" in cli("ads", "stats", "--owner", name).stdout


def test_owner_logo_set_and_removed(cli, tmp_path):
    name = f"cafe-{uuid.uuid4().hex[:6]}"
    cli("owner", "add", name)
    logo = tmp_path / "logo.webp"
    out = io.BytesIO()
    Image.new("RGB", (80, 80), (1, 2, 3)).save(out, "WEBP")
    logo.write_bytes(out.getvalue())
    shown = json.loads(cli("owner", "logo", name, str(logo), "--json").stdout)
    assert shown["logo"] == "image/webp"
    shown = json.loads(cli("owner", "logo", name, "--remove", "--json").stdout)
    assert shown["logo"] is None
    proc = cli("owner", "logo", name, ok=False)
    assert proc.returncode == 1 and "--remove" in proc.stderr
