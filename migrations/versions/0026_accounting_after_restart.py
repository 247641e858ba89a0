"""a record from before a router's restart, read after it, closes its session

Revision ID: 0026
Revises: 0022
Create Date: 2026-12-02

The accounting spool is read by several shards, so a Start or Interim-Update the
router sent before it restarted may be stored after its Accounting-On has closed
the router's sessions; it used to stay open until the stale-session job. The
router's latest Accounting-On/Off is now kept in ``router_accounting_resets``, and
hotspot_accounting_store (migrations/sql/0026_functions.sql) closes at once,
cause NAS-Reboot, a session whose record was sent before it. FreeRADIUS's role
writes the new table (SELECT, INSERT, UPDATE); downgrade restores 0018's body.
"""

import sqlalchemy as sa
from alembic import op

from migrations.sqlfiles import grant_if_role, run_sql_file, run_sql_function

revision = "0026"
down_revision = "0022"
branch_labels = None
depends_on = None

ROLE = "hotspot_radius"


def upgrade() -> None:
    op.create_table(
        "router_accounting_resets",
        sa.Column(
            "router_id",
            sa.Integer,
            sa.ForeignKey("routers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("reset_at", sa.DateTime(timezone=True), nullable=False),
    )
    grant_if_role(
        ROLE, f"GRANT SELECT, INSERT, UPDATE ON router_accounting_resets TO {ROLE}"
    )
    run_sql_file("0026_functions.sql")


def downgrade() -> None:
    run_sql_function("0018_functions.sql", "hotspot_accounting_store")
    op.drop_table("router_accounting_resets")
