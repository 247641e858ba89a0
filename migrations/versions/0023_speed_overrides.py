"""per-user speed overrides for a phone or a card

Revision ID: 0023
Revises: 0026
Create Date: 2026-12-02

``speed_overrides``: an owner's Mikrotik-Rate-Limit for one phone (at the owner's
routers) or one card, ahead of the card's own speed or the guest tariff's.
hotspot_auth_state reads it (migrations/sql/0023_functions.sql), so FreeRADIUS's
role may read it.
"""

import sqlalchemy as sa
from alembic import op

from migrations.sqlfiles import grant_if_role, run_sql_file, run_sql_function

revision = "0023"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "speed_overrides",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "owner_id",
            sa.Integer(),
            sa.ForeignKey("owners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("phone", sa.String(32)),
        sa.Column(
            "voucher_id",
            sa.Integer(),
            sa.ForeignKey("vouchers.id", ondelete="CASCADE"),
        ),
        sa.Column("rate_limit", sa.String(128), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(phone IS NULL) <> (voucher_id IS NULL)", name="ck_speed_overrides_one"
        ),
        sa.UniqueConstraint("owner_id", "phone", name="uq_speed_overrides_phone"),
        sa.UniqueConstraint("voucher_id", name="uq_speed_overrides_voucher_id"),
    )
    grant_if_role("hotspot_radius", "GRANT SELECT ON speed_overrides TO hotspot_radius")
    run_sql_file("0023_functions.sql")


def downgrade() -> None:
    run_sql_function("0017_functions.sql", "hotspot_auth_state")
    op.drop_table("speed_overrides")
