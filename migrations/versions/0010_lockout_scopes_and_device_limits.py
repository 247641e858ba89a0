"""lock-out scopes per source, windows as arguments, any device limit

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-01

auth_failures.source: where a guess was made (radius or portal); each source counts
its own device and router lock-outs. hotspot_auth_state takes the source and the
lock-out windows from its callers (hotspot.policy.LOCKOUT), and fetches the newest
open session of each MAC, one MAC more than the card's own device limit
(migrations/sql/0010_functions.sql). hotspot_auth_failure records the source.
"""

import sqlalchemy as sa
from alembic import op

from migrations.sqlfiles import run_sql_file, run_sql_function

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before were mostly the routers': counted as theirs.
    op.add_column(
        "auth_failures",
        sa.Column("source", sa.String(8), server_default="radius", nullable=False),
    )
    run_sql_file("0010_functions.sql")


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION IF EXISTS hotspot_auth_state"
        "(text, text, text, text, text, text, integer, integer)"
    )
    op.execute(
        "DROP FUNCTION IF EXISTS hotspot_auth_failure(text, text, text, text, text)"
    )
    # The two functions as revision 0007 had them (the others are left as they are).
    run_sql_function("0006_functions.sql", "hotspot_auth_state")
    run_sql_function("0003_functions.sql", "hotspot_auth_failure")
    op.drop_column("auth_failures", "source")
