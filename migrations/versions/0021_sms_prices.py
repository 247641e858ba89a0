"""SMS prices per gateway; an index for the document-login list

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-02

- ``sms_prices``: what one SMS costs through a gateway (by its name in
  HOTSPOT_SMS_PROVIDERS), from a time on; the operator sets it, and a message costs
  the price in force when the gateway accepted it, so a new price leaves the cost
  of earlier messages as it was.
- ``identifications``: an index by owner and time, for the cabinet's list of
  document logins.
The portal and the scheduler get DML on the new table through the default
privileges of 0011; FreeRADIUS touches none of it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(254), nullable=False, server_default=""),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("price >= 0", name="ck_sms_prices_price"),
    )
    op.create_index(
        "ix_sms_prices_provider_from", "sms_prices", ["provider", "valid_from"]
    )
    op.create_index(
        "ix_identifications_owner_created",
        "identifications",
        ["owner_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_identifications_owner_created", table_name="identifications")
    op.drop_index("ix_sms_prices_provider_from", table_name="sms_prices")
    op.drop_table("sms_prices")
