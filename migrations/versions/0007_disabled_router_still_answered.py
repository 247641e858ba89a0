"""a disabled router is still answered

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

hotspot_client returns disabled routers too: their guests are told the hotspot is
switched off for as long as it is, not only within FreeRADIUS's client lifetime
(migrations/sql/0007_functions.sql).
"""

from alembic import op

from migrations.sqlfiles import run_sql_file

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

HOTSPOT_CLIENT_0001 = """
CREATE OR REPLACE FUNCTION hotspot_client(p_ip text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT r.id || ' ' || (CASE WHEN r.require_message_authenticator THEN 1 ELSE 0 END)
           || ' ' || r.radius_secret
      FROM routers r
     WHERE r.ip_address = CASE WHEN p_ip ~ '^[0-9a-fA-F:.]+$' THEN p_ip::inet END
       AND r.enabled
$$;
"""


def upgrade() -> None:
    run_sql_file("0007_functions.sql")


def downgrade() -> None:
    op.execute(HOTSPOT_CLIENT_0001)
