"""accounts, audit log, session rollups

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-01

- accounts: the operator and each owner's staff (owner, manager, cashier) who log
  in to the admin and the cabinet; login_attempts rate-limits the login form.
- audit_log: every change made through the cabinet, the admin or the CLI.
- session_rollups (per router and UTC hour), guest_days (user names per router
  and local day) and guest_day_counts (their counts per day), kept by the
  scheduler, so the charts never scan radius_sessions.
  Derived data: no foreign keys (checking them on every row made the first rollup
  of a big installation several times slower).
- radius_sessions gets an index on started_at (the rollup job reads the last day)
  and a partial index of the open sessions per router (the live-sessions page).

The portal and the scheduler get DML on the new tables through the default
privileges of 0011; FreeRADIUS touches none of them.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _accounts() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_enabled", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("last_login_at", TZ, nullable=True),
        sa.Column("disabled_at", TZ, nullable=True),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "role IN ('operator', 'owner', 'manager', 'cashier')",
            name=op.f("ck_accounts_role"),
        ),
        sa.CheckConstraint(
            "(role = 'operator') = (owner_id IS NULL)", name=op.f("ck_accounts_owner")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_accounts_owner_id_owners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
    )
    op.create_index("ix_accounts_owner_id", "accounts", ["owner_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index("ix_login_attempts_email_at", "login_attempts", ["email", "at"])
    op.create_index("ix_login_attempts_address_at", "login_attempts", ["address", "at"])


def _audit() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", postgresql.JSONB(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owners.id"],
            name=op.f("fk_audit_log_owner_id_owners"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_owner_at", "audit_log", ["owner_id", "at"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def _rollups() -> None:
    op.create_table(
        "session_rollups",
        sa.Column("router_id", sa.Integer(), nullable=False),
        sa.Column("hour", TZ, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        *[
            sa.Column(name, sa.BigInteger(), nullable=False)
            for name in (
                "sessions",
                "guests",
                "input_octets",
                "output_octets",
                "session_time",
            )
        ],
        sa.PrimaryKeyConstraint("router_id", "hour", name=op.f("pk_session_rollups")),
    )
    op.create_index(
        "ix_session_rollups_owner_hour", "session_rollups", ["owner_id", "hour"]
    )
    op.create_table(
        "guest_days",
        sa.Column("router_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "router_id", "day", "username", name=op.f("pk_guest_days")
        ),
    )
    op.create_index("ix_guest_days_owner_day", "guest_days", ["owner_id", "day"])
    op.create_table(
        "guest_day_counts",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("router_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("guests", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_id", "router_id", "day", name=op.f("pk_guest_day_counts")
        ),
    )
    op.create_index("ix_radius_sessions_started_at", "radius_sessions", ["started_at"])
    op.create_index(
        "ix_radius_sessions_open",
        "radius_sessions",
        ["router_id", "started_at"],
        postgresql_where=sa.text("stopped_at IS NULL"),
    )


def upgrade() -> None:
    _accounts()
    _audit()
    _rollups()


def downgrade() -> None:
    op.drop_index("ix_radius_sessions_open", table_name="radius_sessions")
    op.drop_index("ix_radius_sessions_started_at", table_name="radius_sessions")
    for table in (
        "guest_day_counts",
        "guest_days",
        "session_rollups",
        "audit_log",
        "login_attempts",
    ):
        op.drop_table(table)
    op.drop_table("accounts")
