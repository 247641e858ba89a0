"""the flow collector's own role

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-01

nfacctd and the DNS-log receiver (dnslog) connect as ``hotspot_flows`` instead of
the owner of the schema. It may only add rows to ``flows`` and ``dns_names``, and
read the routers' addresses (the receiver believes only registered routers).
Rows inserted through a partitioned table are checked against the parent's
privileges only, so the day partitions (created by the owner-rights
hotspot_flow_partition_create) need no grant of their own; 0011's default
privileges give this role nothing. Like 0011, the role is created outside the
migrations and this revision grants only when it exists.
"""

from migrations.sqlfiles import grant_if_role

revision = "0022"
down_revision = "0017"
branch_labels = None
depends_on = None

ROLE = "hotspot_flows"
GRANTS = (
    f"GRANT INSERT ON flows, dns_names TO {ROLE}",
    f"GRANT SELECT (ip_address) ON routers TO {ROLE}",
)
REVOKES = (
    f"REVOKE ALL ON flows, dns_names FROM {ROLE}",
    f"REVOKE SELECT (ip_address) ON routers FROM {ROLE}",
)


def upgrade() -> None:
    grant_if_role(ROLE, *GRANTS)


def downgrade() -> None:
    grant_if_role(ROLE, *REVOKES)
