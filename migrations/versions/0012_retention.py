"""retention: purge log and the indexes the purge job walks

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01

The retention job (hotspot.services.retention) deletes old rows in batches ordered
by their ageing column: each such column gets an index, so a batch reads only the
rows it deletes. purge_log records every purge.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

#: (index, table, column, partial condition)
INDEXES = (
    ("ix_otp_challenges_created_at", "otp_challenges", "created_at", None),
    ("ix_auth_failures_created_at", "auth_failures", "created_at", None),
    ("ix_sms_messages_created_at", "sms_messages", "created_at", None),
    ("ix_identifications_expires_at", "identifications", "expires_at", None),
    (
        "ix_radius_sessions_stopped_at",
        "radius_sessions",
        "stopped_at",
        "stopped_at IS NOT NULL",
    ),
)


def upgrade() -> None:
    op.create_table(
        "purge_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.BigInteger(), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purge_log")),
    )
    for name, table, column, where in INDEXES:
        op.create_index(
            name,
            table,
            [column],
            postgresql_where=sa.text(where) if where else None,
        )


def downgrade() -> None:
    for name, table, _, _ in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("purge_log")
