"""tariff kinds, batches, metered cards, pin lockout

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Tariff kinds (free, prepaid, metered), validity from first use or creation,
simultaneous devices, voucher batches with face values, revocation, and the
wrong-PIN log that locks out guessing. hotspot_auth_state grows accordingly
(migrations/sql/0003_functions.sql).
"""

import sqlalchemy as sa
from alembic import op

from migrations.sqlfiles import run_sql_file

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Long because a revision is one list of schema statements, read top to bottom."""
    op.create_table(
        "auth_failures",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("router_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=17), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["router_id"],
            ["routers.id"],
            name=op.f("fk_auth_failures_router_id_routers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_failures")),
    )
    op.create_index(
        "ix_auth_failures_mac", "auth_failures", ["mac", "created_at"], unique=False
    )
    op.create_index(
        "ix_auth_failures_router",
        "auth_failures",
        ["router_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_auth_failures_username",
        "auth_failures",
        ["username", "created_at"],
        unique=False,
    )
    op.create_table(
        "voucher_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=8), server_default="", nullable=False),
        sa.Column("face_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_voucher_batches_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["tariffs.id"],
            name=op.f("fk_voucher_batches_tariff_id_tariffs"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_batches")),
    )
    op.create_index(
        op.f("ix_voucher_batches_owner_id"),
        "voucher_batches",
        ["owner_id"],
        unique=False,
    )
    op.add_column(
        "tariffs",
        sa.Column(
            "validity_from",
            sa.String(length=16),
            server_default="first_use",
            nullable=False,
        ),
    )
    op.add_column(
        "tariffs",
        sa.Column(
            "kind", sa.String(length=16), server_default="prepaid", nullable=False
        ),
    )
    op.add_column(
        "tariffs",
        sa.Column("price_per_mb", sa.Numeric(precision=14, scale=4), nullable=True),
    )
    op.add_column(
        "tariffs",
        sa.Column("price_per_minute", sa.Numeric(precision=14, scale=4), nullable=True),
    )
    op.add_column(
        "tariffs",
        sa.Column("max_devices", sa.Integer(), server_default="1", nullable=False),
    )
    op.add_column("vouchers", sa.Column("batch_id", sa.Integer(), nullable=True))
    op.add_column(
        "vouchers",
        sa.Column("max_devices", sa.Integer(), server_default="1", nullable=False),
    )
    op.add_column(
        "vouchers",
        sa.Column("face_value", sa.Numeric(precision=14, scale=2), nullable=True),
    )
    op.add_column(
        "vouchers",
        sa.Column("price_per_mb", sa.Numeric(precision=14, scale=4), nullable=True),
    )
    op.add_column(
        "vouchers",
        sa.Column("price_per_minute", sa.Numeric(precision=14, scale=4), nullable=True),
    )
    op.add_column(
        "vouchers", sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "vouchers", sa.Column("sell_by", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        op.f("ix_vouchers_batch_id"), "vouchers", ["batch_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_vouchers_batch_id_voucher_batches"),
        "vouchers",
        "voucher_batches",
        ["batch_id"],
        ["id"],
        ondelete="SET NULL",
    )
    run_sql_file("0003_functions.sql")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS hotspot_auth_failure(text, text, text, text)")
    op.execute("DROP FUNCTION IF EXISTS hotspot_auth_state(text, text, text, text)")
    run_sql_file("0002_functions.sql")
    op.drop_constraint(
        op.f("fk_vouchers_batch_id_voucher_batches"), "vouchers", type_="foreignkey"
    )
    op.drop_index(op.f("ix_vouchers_batch_id"), table_name="vouchers")
    op.drop_column("vouchers", "sell_by")
    op.drop_column("vouchers", "revoked_at")
    op.drop_column("vouchers", "price_per_minute")
    op.drop_column("vouchers", "price_per_mb")
    op.drop_column("vouchers", "face_value")
    op.drop_column("vouchers", "max_devices")
    op.drop_column("vouchers", "batch_id")
    op.drop_column("tariffs", "max_devices")
    op.drop_column("tariffs", "price_per_minute")
    op.drop_column("tariffs", "price_per_mb")
    op.drop_column("tariffs", "kind")
    op.drop_column("tariffs", "validity_from")
    op.drop_index(op.f("ix_voucher_batches_owner_id"), table_name="voucher_batches")
    op.drop_table("voucher_batches")
    op.drop_index("ix_auth_failures_username", table_name="auth_failures")
    op.drop_index("ix_auth_failures_router", table_name="auth_failures")
    op.drop_index("ix_auth_failures_mac", table_name="auth_failures")
    op.drop_table("auth_failures")
