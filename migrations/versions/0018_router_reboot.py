"""a router's Accounting-On/Off closes its sessions

Revision ID: 0018
Revises: 0020
Create Date: 2026-12-01

hotspot_accounting_store (called by hotspot_accounting for every record of the
accounting spool) closes the open sessions of a router that sends Accounting-On or
Accounting-Off, cause NAS-Reboot (migrations/sql/0018_functions.sql). FreeRADIUS's
role already updates radius_sessions (0011): no grant.
"""

from migrations.sqlfiles import run_sql_file, run_sql_function

revision = "0018"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0018_functions.sql")


def downgrade() -> None:
    run_sql_function("0008_functions.sql", "hotspot_accounting_store")
