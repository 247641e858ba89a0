"""auth state as text, with hints that skip empty lookups

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

hotspot_auth_state answers one '|'-separated line instead of JSONB, and looks for
wrong PINs, a pending portal ticket and open sessions only where a hint on the router
or the card says there may be some (migrations/sql/0006_functions.sql). The hints are
kept by triggers (auth_failures, login_tickets) and by hotspot_accounting; here they
are filled from what is already stored (hotspot_rebuild_hints).
"""

import sqlalchemy as sa
from alembic import op

from migrations.sqlfiles import run_sql_file

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("routers", sa.Column("last_auth_failure_at", TS, nullable=True))
    op.add_column("vouchers", sa.Column("last_auth_failure_at", TS, nullable=True))
    op.add_column("vouchers", sa.Column("ticket_until", TS, nullable=True))
    op.add_column("vouchers", sa.Column("last_acct_at", TS, nullable=True))
    run_sql_file("0006_functions.sql")
    op.execute("SELECT hotspot_rebuild_hints()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS tr_auth_failures_hint ON auth_failures")
    op.execute("DROP TRIGGER IF EXISTS tr_login_tickets_hint ON login_tickets")
    op.execute("DROP FUNCTION IF EXISTS hotspot_mark_auth_failure()")
    op.execute("DROP FUNCTION IF EXISTS hotspot_mark_ticket()")
    op.execute("DROP FUNCTION IF EXISTS hotspot_rebuild_hints()")
    op.execute(
        "DROP FUNCTION IF EXISTS hotspot_auth_state(text, text, text, text, text)"
    )
    # The functions as revision 0005 had them: each file in turn, as they came.
    for name in ("0001_functions.sql", "0002_functions.sql", "0003_functions.sql"):
        run_sql_file(name)
    op.drop_column("vouchers", "last_acct_at")
    op.drop_column("vouchers", "ticket_until")
    op.drop_column("vouchers", "last_auth_failure_at")
    op.drop_column("routers", "last_auth_failure_at")
