"""a router's last RADIUS request

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02

``routers.last_request_at``: hotspot_auth_state (every Access-Request from
FreeRADIUS) notes the time, at most once a minute, so the routers pages show when
a router last asked anything, not only when it last sent accounting
(migrations/sql/0024_functions.sql). FreeRADIUS's role may update that one column.
"""

import sqlalchemy as sa
from alembic import op

from migrations.sqlfiles import grant_if_role, run_sql_file, run_sql_function

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

ROLE = "hotspot_radius"


def upgrade() -> None:
    op.add_column("routers", sa.Column("last_request_at", sa.DateTime(timezone=True)))
    grant_if_role(ROLE, f"GRANT UPDATE (last_request_at) ON routers TO {ROLE}")
    run_sql_file("0024_functions.sql")


def downgrade() -> None:
    run_sql_function("0023_functions.sql", "hotspot_auth_state")
    op.drop_column("routers", "last_request_at")
