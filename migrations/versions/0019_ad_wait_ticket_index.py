"""the Free button's delay check: a device's newest ticket at a router by index

Revision ID: 0019
Revises: 0021
Create Date: 2026-12-01

The ad delay (hotspot.services.ads.ad_wait) asks for the newest ticket of a MAC at a
router on every ad page and every Free press; ``ix_login_tickets_lookup`` leads with
the user name, so that was a scan of all the router's tickets.
"""

from alembic import op

revision = "0019"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_login_tickets_router_mac",
        "login_tickets",
        ["router_id", "mac", "expires_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_login_tickets_router_mac", table_name="login_tickets")
