"""`hotspot` commands: ads."""

from __future__ import annotations

from typing import Any

import click

from .base import Context, command, emit, main, pass_ctx


@main.group()
def ads() -> None:
    """Ad banners shown before Free access, and their statistics."""


@command(ads, "add")
@click.option("--owner", "owner_name", required=True)
@click.option("--name", required=True)
@click.option(
    "--image",
    required=True,
    type=click.File("rb"),
    help="PNG, JPEG, WebP or GIF, at most 2 MB.",
)
@click.option("--link", required=True, help="Opened after login (http or https).")
@click.option("--from", "starts", type=click.DateTime(), help="Runs from (UTC).")
@click.option("--until", "ends", type=click.DateTime(), help="Runs until (UTC).")
@click.option("--weight", default=1, show_default=True, type=int)
@click.option("--router", "routers", multiple=True, help="NAS-Identifier (repeat).")
@pass_ctx
def ads_add(
    ctx: Context,
    owner_name: str,
    name: str,
    image: Any,
    link: str,
    starts: Any,
    ends: Any,
    weight: int,
    routers: tuple[str, ...],
    as_json: bool,
) -> None:
    """Upload a banner (all the owner's routers unless --router is given)."""
    import datetime as dt

    from hotspot.db import transaction
    from hotspot.services.ads import MAX_UPLOAD, add_banner, banner_dict
    from hotspot.services.tenancy import get_owner

    def utc(when: Any) -> Any:
        return when.replace(tzinfo=dt.UTC) if when else None

    data = image.read(MAX_UPLOAD + 1)
    with transaction(ctx.session_factory()) as session:
        banner = add_banner(
            session,
            get_owner(session, owner_name),
            name,
            data,
            link,
            starts_at=utc(starts),
            ends_at=utc(ends),
            weight=weight,
            routers=routers,
        )
        out = banner_dict(banner)
    emit(out, as_json, lambda d: f"Banner {d['name']} added (id {d['id']}).")


@command(ads, "list")
@click.option("--owner", "owner_name", required=True)
@pass_ctx
def ads_list(ctx: Context, owner_name: str, as_json: bool) -> None:
    """An owner's banners."""
    from hotspot.services.ads import banner_dict, list_banners
    from hotspot.services.tenancy import get_owner

    with ctx.session_factory()() as session:
        rows = [
            banner_dict(b)
            for b in list_banners(session, get_owner(session, owner_name))
        ]
    emit(
        rows,
        as_json,
        lambda rs: (
            "\n".join(
                f"{r['id']:>5}  {r['name']:<20} weight {r['weight']:<4} "
                f"{r['target_url']}"
                for r in rs
            )
            or "No banners."
        ),
    )


@command(ads, "stats")
@click.option("--owner", "owner_name", required=True)
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 366))
@pass_ctx
def ads_stats(ctx: Context, owner_name: str, days: int, as_json: bool) -> None:
    """Per banner and day (the venue's time zone): views, unique devices, clicks,
    click-through rate."""
    import datetime as dt

    from hotspot.clock import utcnow
    from hotspot.services.ads import ad_stats
    from hotspot.services.identification import OwnerPolicy
    from hotspot.services.tenancy import get_owner

    now = utcnow()
    with ctx.session_factory()() as session:
        owner_ = get_owner(session, owner_name)
        zone = OwnerPolicy.of(owner_).timezone
        rows = ad_stats(session, owner_, now - dt.timedelta(days=days), now, zone)
    emit(
        rows,
        as_json,
        lambda rs: "\n".join(
            [
                f"{'day':<10}  {'banner':<20} {'views':>7} {'devices':>7} "
                f"{'clicks':>6} {'CTR':>6}"
            ]
            + [
                f"{r['day']:<10}  {r['name']:<20} {r['views']:>7} {r['devices']:>7} "
                f"{r['clicks']:>6} {r['ctr']:>6.1%}"
                for r in rs
            ]
        ),
    )
