"""accounting that cannot hold up the spool

Revision ID: 0008
Revises: 0011
Create Date: 2026-12-01

hotspot_accounting makes what a router sends fit radius_sessions, and keeps a record
that still cannot be stored in the new table accounting_dead_letters instead of
failing, so that the spool reader moves on (migrations/sql/0008_functions.sql).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.sqlfiles import SQL_DIR, grant_if_role, run_sql_file

revision = "0008"
down_revision = "0011"
branch_labels = None
depends_on = None

TEXT14 = ", ".join(["text"] * 14)


def upgrade() -> None:
    op.create_table(
        "accounting_dead_letters",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("router_id", sa.Integer(), nullable=True),
        sa.Column("router", sa.Text(), nullable=False),
        sa.Column("fields", postgresql.JSONB(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["router_id"],
            ["routers.id"],
            name=op.f("fk_accounting_dead_letters_router_id_routers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_dead_letters")),
    )
    op.create_index(
        "ix_accounting_dead_letters_created_at",
        "accounting_dead_letters",
        ["created_at"],
    )
    run_sql_file("0008_functions.sql")
    # FreeRADIUS's role (0011) writes the dead letters from hotspot_accounting.
    grant_if_role(
        "hotspot_radius",
        "GRANT INSERT ON accounting_dead_letters TO hotspot_radius",
        "GRANT USAGE ON SEQUENCE accounting_dead_letters_id_seq TO hotspot_radius",
    )


def previous_accounting() -> str:
    """hotspot_accounting as 0006_functions.sql created it (its last statement)."""
    text = (SQL_DIR / "0006_functions.sql").read_text()
    return text[text.index("CREATE OR REPLACE FUNCTION hotspot_accounting(") :]


def downgrade() -> None:
    op.execute(previous_accounting())
    op.execute(f"DROP FUNCTION IF EXISTS hotspot_accounting_store({TEXT14})")
    op.execute(
        "DROP FUNCTION IF EXISTS hotspot_charge(int, radius_sessions, bigint, "
        "numeric, timestamptz)"
    )
    for fn in (
        "hotspot_octets(text, text)",
        "hotspot_u32(text)",
        "hotspot_fit(text, int)",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.drop_index("ix_accounting_dead_letters_created_at", "accounting_dead_letters")
    op.drop_table("accounting_dead_letters")
