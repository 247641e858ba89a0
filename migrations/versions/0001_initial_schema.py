"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Tables for tenancy (owners, routers), tariffs, vouchers, login tickets and
accounting sessions, and the SQL functions FreeRADIUS calls through rlm_sql
(see migrations/sql/).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.sqlfiles import run_sql_file

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Long because a revision is one list of schema statements, read top to bottom."""
    op.create_table(
        "owners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "display_name", sa.String(length=200), server_default="", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owners")),
        sa.UniqueConstraint("name", name=op.f("uq_owners_name")),
    )
    op.create_table(
        "routers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("nas_identifier", sa.String(length=64), nullable=False),
        sa.Column("ip_address", postgresql.INET(), nullable=False),
        sa.Column("radius_secret", sa.String(length=128), nullable=False),
        sa.Column(
            "require_message_authenticator",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
        ),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_routers_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routers")),
        sa.UniqueConstraint("ip_address", name=op.f("uq_routers_ip_address")),
        sa.UniqueConstraint("nas_identifier", name=op.f("uq_routers_nas_identifier")),
    )
    op.create_table(
        "tariffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("time_limit", sa.Integer(), nullable=True),
        sa.Column("data_limit", sa.BigInteger(), nullable=True),
        sa.Column("rate_limit", sa.String(length=128), nullable=True),
        sa.Column("idle_timeout", sa.Integer(), nullable=True),
        sa.Column("validity_seconds", sa.Integer(), nullable=True),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_tariffs_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariffs")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_tariffs_owner_id")),
    )
    op.create_table(
        "vouchers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("pin_encrypted", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="new", nullable=False),
        sa.Column("time_limit", sa.Integer(), nullable=True),
        sa.Column("data_limit", sa.BigInteger(), nullable=True),
        sa.Column("rate_limit", sa.String(length=128), nullable=True),
        sa.Column("idle_timeout", sa.Integer(), nullable=True),
        sa.Column("validity_seconds", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("used_bytes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_vouchers_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["tariffs.id"],
            name=op.f("fk_vouchers_tariff_id_tariffs"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouchers")),
        sa.UniqueConstraint("code", name=op.f("uq_vouchers_code")),
    )
    op.create_index(
        op.f("ix_vouchers_owner_id"), "vouchers", ["owner_id"], unique=False
    )
    op.create_table(
        "login_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("router_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=17), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("voucher_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["router_id"],
            ["routers.id"],
            name=op.f("fk_login_tickets_router_id_routers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["vouchers.id"],
            name=op.f("fk_login_tickets_voucher_id_vouchers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_tickets")),
    )
    op.create_index(
        "ix_login_tickets_lookup",
        "login_tickets",
        ["router_id", "username", "mac"],
        unique=False,
    )
    op.create_table(
        "radius_sessions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("router_id", sa.Integer(), nullable=False),
        sa.Column("acct_session_id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=17), nullable=True),
        sa.Column("framed_ip", postgresql.INET(), nullable=True),
        sa.Column("voucher_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_time", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("input_octets", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("output_octets", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("terminate_cause", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["router_id"],
            ["routers.id"],
            name=op.f("fk_radius_sessions_router_id_routers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["vouchers.id"],
            name=op.f("fk_radius_sessions_voucher_id_vouchers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_radius_sessions")),
        sa.UniqueConstraint(
            "router_id",
            "acct_session_id",
            "username",
            name=op.f("uq_radius_sessions_router_id"),
        ),
    )
    op.create_index(
        "ix_radius_sessions_username", "radius_sessions", ["username"], unique=False
    )
    op.create_index(
        "ix_radius_sessions_voucher_open",
        "radius_sessions",
        ["voucher_id", "stopped_at"],
        unique=False,
    )
    run_sql_file("0001_functions.sql")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS hotspot_auth_state(text, text, text)")
    op.execute("DROP FUNCTION IF EXISTS hotspot_client(text)")
    op.execute("DROP FUNCTION IF EXISTS hotspot_use_ticket(text)")
    op.execute(
        "DROP FUNCTION IF EXISTS hotspot_accounting(" + ", ".join(["text"] * 14) + ")"
    )
    op.drop_index("ix_radius_sessions_voucher_open", table_name="radius_sessions")
    op.drop_index("ix_radius_sessions_username", table_name="radius_sessions")
    op.drop_table("radius_sessions")
    op.drop_index("ix_login_tickets_lookup", table_name="login_tickets")
    op.drop_table("login_tickets")
    op.drop_index(op.f("ix_vouchers_owner_id"), table_name="vouchers")
    op.drop_table("vouchers")
    op.drop_table("tariffs")
    op.drop_table("routers")
    op.drop_table("owners")
