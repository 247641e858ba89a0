"""otp client address

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

The portal client address of each SMS code request, for an hourly limit per address
(a script faking routers' login pages cannot rotate MACs past it).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "otp_challenges", sa.Column("client_ip", postgresql.INET(), nullable=True)
    )
    op.create_index(
        "ix_otp_challenges_client_ip",
        "otp_challenges",
        ["client_ip", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_otp_challenges_client_ip", table_name="otp_challenges")
    op.drop_column("otp_challenges", "client_ip")
