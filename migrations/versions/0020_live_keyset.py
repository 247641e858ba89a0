"""live sessions read by keyset, router actions by session

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-01

- ``ix_radius_sessions_open_keyset``: the open sessions in the live pages' order
  (newest first, the id breaking ties), so "older than this one" reads one page of
  the index whatever page it is.
- ``ix_router_actions_session``: a session's actions (the live page shows each
  session's newest; the cut job asks whether one was queued before).
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_radius_sessions_open_keyset",
        "radius_sessions",
        ["started_at", "id"],
        postgresql_where=sa.text("stopped_at IS NULL"),
    )
    op.create_index(
        "ix_router_actions_session", "router_actions", ["radius_session_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_router_actions_session", table_name="router_actions")
    op.drop_index("ix_radius_sessions_open_keyset", table_name="radius_sessions")
