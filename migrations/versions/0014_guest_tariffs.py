"""guest tariffs, personal guest vouchers, ad banners and their events

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

A tariff may be a guest tariff (tariffs.guest) with its mode (regular: the
allowance once per reset period; no_pause: a session of the tariff's time on every
login during validity) and its reset period. A guest voucher belongs to one guest
identity (vouchers.guest_identity: the phone, the document or the MAC the allowance
follows) and records when its usage resets (vouchers.guest_reset_at). One voucher
per tariff and identity. RADIUS reads these vouchers like any other: nothing on the
hot path changes.

ad_banners: an owner's banners (the re-encoded image, the link, dates, weight,
routers); ad_events: one inserted row per impression or click, the device as a keyed
hash of its MAC; venue_logos: an owner's logo on the portal (the portal and the
scheduler get DML by default privileges; FreeRADIUS nothing).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "tariffs",
        sa.Column("guest", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column("tariffs", sa.Column("guest_mode", sa.String(16), nullable=True))
    op.add_column("tariffs", sa.Column("reset_period", sa.Integer(), nullable=True))
    op.add_column(
        "vouchers", sa.Column("guest_identity", sa.String(120), nullable=True)
    )
    op.add_column(
        "vouchers",
        sa.Column("guest_reset_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "uq_vouchers_guest_identity",
        "vouchers",
        ["tariff_id", "guest_identity"],
        unique=True,
        postgresql_where=sa.text("guest_identity IS NOT NULL"),
    )
    # The reset job walks the vouchers whose period has ended.
    op.create_index(
        "ix_vouchers_guest_reset_at",
        "vouchers",
        ["guest_reset_at"],
        postgresql_where=sa.text("guest_reset_at IS NOT NULL"),
    )

    _ads()


def _ads() -> None:
    """
    Long because a revision is one list of schema statements, read top to bottom.
    """
    op.create_table(
        "ad_banners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("target_url", sa.String(500), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column(
            "router_ids",
            postgresql.ARRAY(sa.BigInteger()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_ad_banners_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_banners")),
    )
    op.create_index("ix_ad_banners_owner_id", "ad_banners", ["owner_id"])
    op.create_table(
        "ad_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("banner_id", sa.Integer(), nullable=False),
        sa.Column("router_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("device", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["banner_id"],
            ["ad_banners.id"],
            name=op.f("fk_ad_events_banner_id_ad_banners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["router_id"],
            ["routers.id"],
            name=op.f("fk_ad_events_router_id_routers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_events")),
    )
    op.create_index("ix_ad_events_banner_at", "ad_events", ["banner_id", "at"])
    op.create_index("ix_ad_events_device", "ad_events", ["router_id", "device", "at"])

    op.create_table(
        "venue_logos",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_venue_logos_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", name=op.f("pk_venue_logos")),
    )


def downgrade() -> None:
    op.drop_table("venue_logos")
    op.drop_table("ad_events")
    op.drop_table("ad_banners")
    op.drop_index("ix_vouchers_guest_reset_at", table_name="vouchers")
    op.drop_index("uq_vouchers_guest_identity", table_name="vouchers")
    op.drop_column("vouchers", "guest_reset_at")
    op.drop_column("vouchers", "guest_identity")
    op.drop_column("tariffs", "reset_period")
    op.drop_column("tariffs", "guest_mode")
    op.drop_column("tariffs", "guest")
