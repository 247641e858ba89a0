"""router control: the outbox of router actions, incoming-RADIUS port, keep-alive

Revision ID: 0015
Revises: 0016
Create Date: 2026-12-01

- ``routers``: the port of the router's incoming RADIUS (Disconnect/CoA, RFC 5176;
  3799 by default), whether it accepts them, and the RouterOS API access used as the
  fallback and for queues (stored in clear: it is needed to log in).
- ``router_actions``: the outbox. A change that needs a router to act (a revoked
  card, a blacklisted phone, an owner's disconnect) writes a row in its own
  transaction; the scheduler sends it later, outside any transaction. At most one
  pending action of a kind per session (the partial unique index), so queueing is
  idempotent.
- ``tariffs.keepalive``/``keepalive_grace``: sessions whose status page stops
  pinging for longer than the grace are cut; ``session_keepalives`` holds the last
  ping per session (a table of its own: the portal writes it, never the rows
  FreeRADIUS updates).
New tables get the portal's and the scheduler's DML through 0011's default
privileges; FreeRADIUS touches none of them.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0016"
branch_labels = None
depends_on = None


def _router_columns() -> None:
    op.add_column(
        "routers",
        sa.Column("coa_port", sa.Integer(), nullable=False, server_default="3799"),
    )
    op.add_column(
        "routers",
        sa.Column("coa_enabled", sa.Boolean(), nullable=False, server_default="true"),
    )
    op.add_column("routers", sa.Column("api_port", sa.Integer(), nullable=True))
    op.add_column("routers", sa.Column("api_username", sa.String(64), nullable=True))
    op.add_column("routers", sa.Column("api_password", sa.String(128), nullable=True))
    op.add_column("routers", sa.Column("bandwidth", sa.String(64), nullable=True))
    op.add_column(
        "routers", sa.Column("hotspot_network", postgresql.CIDR(), nullable=True)
    )


def upgrade() -> None:
    """
    Long because a revision is one list of schema statements, read top to bottom.
    """
    _router_columns()
    op.add_column(
        "tariffs",
        sa.Column("keepalive", sa.Boolean(), nullable=False, server_default="false"),
    )
    op.add_column("tariffs", sa.Column("keepalive_grace", sa.Integer(), nullable=True))
    op.create_table(
        "router_actions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("router_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("radius_session_id", sa.BigInteger(), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("acct_session_id", sa.String(64), nullable=False),
        sa.Column("framed_ip", postgresql.INET(), nullable=True),
        sa.Column("mac", sa.String(17), nullable=True),
        sa.Column("rate_limit", sa.String(128), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["router_id"],
            ["routers.id"],
            name=op.f("fk_router_actions_router_id_routers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["radius_session_id"],
            ["radius_sessions.id"],
            name=op.f("fk_router_actions_radius_session_id_radius_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_router_actions")),
    )
    op.create_index(
        "uq_router_actions_pending",
        "router_actions",
        ["router_id", "kind", "acct_session_id", "username"],
        unique=True,
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_router_actions_due",
        "router_actions",
        ["next_attempt_at"],
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_router_actions_router", "router_actions", ["router_id", "created_at"]
    )
    op.create_table(
        "session_keepalives",
        sa.Column("radius_session_id", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["radius_session_id"],
            ["radius_sessions.id"],
            name=op.f("fk_session_keepalives_radius_session_id_radius_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "radius_session_id", name=op.f("pk_session_keepalives")
        ),
    )


def downgrade() -> None:
    op.drop_table("session_keepalives")
    op.drop_table("router_actions")
    op.drop_column("tariffs", "keepalive_grace")
    op.drop_column("tariffs", "keepalive")
    for column in (
        "hotspot_network",
        "bandwidth",
        "api_password",
        "api_username",
        "api_port",
        "coa_enabled",
        "coa_port",
    ):
        op.drop_column("routers", column)
