"""guest tariffs and personal guest vouchers

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-01

A tariff may be a guest tariff (tariffs.guest) with its mode (regular: the
allowance once per reset period; no_pause: a session of the tariff's time on every
login during validity) and its reset period. A guest voucher belongs to one guest
identity (vouchers.guest_identity: the phone, the document or the MAC the allowance
follows) and records when its usage resets (vouchers.guest_reset_at). One voucher
per tariff and identity. RADIUS reads these vouchers like any other: nothing on the
hot path changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
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


def downgrade() -> None:
    op.drop_index("ix_vouchers_guest_reset_at", table_name="vouchers")
    op.drop_index("uq_vouchers_guest_identity", table_name="vouchers")
    op.drop_column("vouchers", "guest_reset_at")
    op.drop_column("vouchers", "guest_identity")
    op.drop_column("tariffs", "reset_period")
    op.drop_column("tariffs", "guest_mode")
    op.drop_column("tariffs", "guest")
