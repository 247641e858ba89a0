"""guest identification and sms

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Guest identification (SMS codes, documents, 24-hour rule), the phone blacklist,
imported registrations and the SMS delivery history; per-owner guest policy.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.sqlfiles import run_sql_file

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Long because a revision is one list of schema statements, read top to bottom."""
    op.create_table(
        "phone_blacklist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_phone_blacklist_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_blacklist")),
        sa.UniqueConstraint(
            "owner_id", "phone", name=op.f("uq_phone_blacklist_owner_id")
        ),
    )
    op.create_index(
        op.f("ix_phone_blacklist_phone"), "phone_blacklist", ["phone"], unique=False
    )
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("surname", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_registrations_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
    )
    op.create_index(
        "ix_registrations_lookup",
        "registrations",
        ["owner_id", "kind", "reference"],
        unique=False,
    )
    op.create_table(
        "identifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("router_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("mac", sa.String(length=17), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_identifications_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["router_id"],
            ["routers.id"],
            name=op.f("fk_identifications_router_id_routers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identifications")),
    )
    op.create_index(
        "ix_identifications_owner_mac",
        "identifications",
        ["owner_id", "mac", "expires_at"],
        unique=False,
    )
    op.create_index(
        "ix_identifications_owner_subject",
        "identifications",
        ["owner_id", "subject"],
        unique=False,
    )
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("router_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("client_ref", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("provider_message_id", sa.String(length=100), nullable=True),
        sa.Column(
            "status", sa.String(length=16), server_default="queued", nullable=False
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_sms_messages_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["router_id"],
            ["routers.id"],
            name=op.f("fk_sms_messages_router_id_routers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
        sa.UniqueConstraint("client_ref", name=op.f("uq_sms_messages_client_ref")),
    )
    op.create_index(
        "ix_sms_messages_owner_created",
        "sms_messages",
        ["owner_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_sms_messages_provider_msg",
        "sms_messages",
        ["provider", "provider_message_id"],
        unique=False,
    )
    op.create_index(
        "ix_sms_messages_router_created",
        "sms_messages",
        ["router_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "otp_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("router_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("mac", sa.String(length=17), nullable=False),
        sa.Column("code_hash", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sms_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_otp_challenges_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["router_id"],
            ["routers.id"],
            name=op.f("fk_otp_challenges_router_id_routers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sms_id"],
            ["sms_messages.id"],
            name=op.f("fk_otp_challenges_sms_id_sms_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_challenges")),
    )
    op.create_index(
        "ix_otp_challenges_mac", "otp_challenges", ["mac", "created_at"], unique=False
    )
    op.create_index(
        "ix_otp_challenges_phone",
        "otp_challenges",
        ["phone", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_otp_challenges_router",
        "otp_challenges",
        ["router_id", "created_at"],
        unique=False,
    )
    op.add_column(
        "owners",
        sa.Column(
            "policy",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column("owners", sa.Column("guest_tariff_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_owners_guest_tariff_id_tariffs"),
        "owners",
        "tariffs",
        ["guest_tariff_id"],
        ["id"],
        ondelete="SET NULL",
        use_alter=True,
    )
    run_sql_file("0002_functions.sql")


def downgrade() -> None:
    run_sql_file("0001_functions.sql")
    op.drop_constraint(
        op.f("fk_owners_guest_tariff_id_tariffs"), "owners", type_="foreignkey"
    )
    op.drop_column("owners", "guest_tariff_id")
    op.drop_column("owners", "policy")
    op.drop_index("ix_otp_challenges_router", table_name="otp_challenges")
    op.drop_index("ix_otp_challenges_phone", table_name="otp_challenges")
    op.drop_index("ix_otp_challenges_mac", table_name="otp_challenges")
    op.drop_table("otp_challenges")
    op.drop_index("ix_sms_messages_router_created", table_name="sms_messages")
    op.drop_index("ix_sms_messages_provider_msg", table_name="sms_messages")
    op.drop_index("ix_sms_messages_owner_created", table_name="sms_messages")
    op.drop_table("sms_messages")
    op.drop_index("ix_identifications_owner_subject", table_name="identifications")
    op.drop_index("ix_identifications_owner_mac", table_name="identifications")
    op.drop_table("identifications")
    op.drop_index("ix_registrations_lookup", table_name="registrations")
    op.drop_table("registrations")
    op.drop_index(op.f("ix_phone_blacklist_phone"), table_name="phone_blacklist")
    op.drop_table("phone_blacklist")
