"""router trust: where a router's guests come from, its hotspot addresses

Revision ID: 0009
Revises: 0012
Create Date: 2026-12-01

The portal trusts a router's login page only from an address the router is known by
(its RADIUS address, ``portal_addresses``, or its IP Cloud name ``cloud_name``) and
posts credentials only to the router's own hotspot (``hotspot_hosts``). Document
logins that did not match are recorded, for per-router, per-address and
per-reference limits (``document_attempts``).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "routers",
        sa.Column(
            "portal_addresses",
            postgresql.ARRAY(postgresql.CIDR()),
            nullable=False,
            server_default="{}",
        ),
    )
    op.add_column(
        "routers",
        sa.Column(
            "hotspot_hosts",
            postgresql.ARRAY(sa.String(255)),
            nullable=False,
            server_default="{}",
        ),
    )
    op.add_column("routers", sa.Column("cloud_name", sa.String(255), nullable=True))
    op.create_table(
        "document_attempts",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "router_id",
            sa.Integer(),
            sa.ForeignKey("routers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("client_ip", postgresql.INET(), nullable=True),
        sa.Column("mac", sa.String(17), nullable=False),
        sa.Column("reference", sa.String(60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("router_id", "client_ip", "reference"):
        op.create_index(
            f"ix_document_attempts_{column}",
            "document_attempts",
            [column, "created_at"],
        )


def downgrade() -> None:
    op.drop_table("document_attempts")
    op.drop_column("routers", "cloud_name")
    op.drop_column("routers", "hotspot_hosts")
    op.drop_column("routers", "portal_addresses")
