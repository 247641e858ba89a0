"""identification logins: an opaque RADIUS user name per identification; routers
that vouch for their guests over the RouterOS API

Revision ID: 0017
Revises: 0019
Create Date: 2026-12-02

The form that logs an identified guest in at the router posted the full phone as
``username``, and it travelled on as RADIUS User-Name into the router's and the
sessions' records. Each identification now has its own login name (``i-`` and 24
random hex digits, unique; hotspot.models.identification.new_login) and
hotspot_auth_state maps it back to the identification. Existing identifications get
one here (gen_random_uuid: PostgreSQL's strong random source). FreeRADIUS reads the
column through its table-wide SELECT on identifications (0011).

``routers.api_vouches``: where no address vouches for a portal request, the portal
may ask the router over its RouterOS API whether the MAC is a hotspot host there
(hotspot.services.trust). Off by default.
"""

from alembic import op

from migrations.sqlfiles import run_sql_file, run_sql_function

revision = "0017"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE identifications ADD COLUMN login varchar(32)")
    op.execute(
        "UPDATE identifications SET login = 'i-' || "
        "left(replace(gen_random_uuid()::text, '-', ''), 24)"
    )
    op.execute("ALTER TABLE identifications ALTER COLUMN login SET NOT NULL")
    op.execute(
        "ALTER TABLE identifications ADD CONSTRAINT uq_identifications_login"
        " UNIQUE (login)"
    )
    run_sql_file("0017_functions.sql")
    op.execute(
        "ALTER TABLE routers ADD COLUMN api_vouches boolean NOT NULL DEFAULT false"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE routers DROP COLUMN api_vouches")
    run_sql_function("0010_functions.sql", "hotspot_auth_state")
    op.execute("ALTER TABLE identifications DROP COLUMN login")
