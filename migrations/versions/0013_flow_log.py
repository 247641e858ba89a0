"""flow log: flows partitioned by day

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-01

pmacct's nfacctd writes one row per exported flow into ``flows`` (its column names,
README.pgsql; times in UTC without a zone, as nfacctd writes them). The table is
partitioned by day on the flow's start so retention drops a day at once; the day
partitions are created ahead by the scheduler (hotspot.services.flows), and
``flows_default`` catches flows of a day that has none yet (an exporter's wrong
clock) until the upkeep moves them into their day. ``dns_names`` keeps the names the
routers' DNS resolved for their clients, partitioned the same way. Who searched
what and why goes to ``audit_log`` (0016).
"""

from alembic import op

from migrations.sqlfiles import grant_if_role, run_sql_file

revision = "0013"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE flows (
            peer_ip_src inet NOT NULL DEFAULT '0.0.0.0',
            ip_src inet NOT NULL DEFAULT '0.0.0.0',
            ip_dst inet NOT NULL DEFAULT '0.0.0.0',
            port_src integer NOT NULL DEFAULT 0,
            port_dst integer NOT NULL DEFAULT 0,
            ip_proto smallint NOT NULL DEFAULT 0,
            timestamp_start timestamp NOT NULL,
            timestamp_end timestamp NOT NULL,
            packets bigint NOT NULL DEFAULT 0,
            bytes bigint NOT NULL DEFAULT 0
        ) PARTITION BY RANGE (timestamp_start)
        """
    )
    op.execute("CREATE TABLE flows_default PARTITION OF flows DEFAULT")
    op.execute(
        "CREATE INDEX ix_flows_client ON flows (peer_ip_src, ip_src, timestamp_start)"
    )
    op.execute("CREATE INDEX ix_flows_dst ON flows (ip_dst, timestamp_start)")
    op.execute(
        """
        CREATE TABLE dns_names (
            seen_at timestamp NOT NULL,
            router_ip inet NOT NULL,
            client_ip inet,
            name text NOT NULL,
            address inet
        ) PARTITION BY RANGE (seen_at)
        """
    )
    op.execute("CREATE TABLE dns_names_default PARTITION OF dns_names DEFAULT")
    op.execute("CREATE INDEX ix_dns_names_address ON dns_names (address, seen_at)")
    op.execute("CREATE INDEX ix_dns_names_name ON dns_names (name, seen_at)")
    # A flow finds its session by router, client address and time.
    op.create_index(
        "ix_radius_sessions_router_ip",
        "radius_sessions",
        ["router_id", "framed_ip", "started_at"],
    )

    # The scheduler (its own role, 0011) keeps the partitions through these.
    run_sql_file("0013_functions.sql")
    for fn in ("create", "drop"):
        grant_if_role(
            "hotspot_scheduler",
            f"GRANT EXECUTE ON FUNCTION hotspot_flow_partition_{fn}(text, date) "
            "TO hotspot_scheduler",
        )


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS hotspot_flow_partition_create(text, date)")
    op.execute("DROP FUNCTION IF EXISTS hotspot_flow_partition_drop(text, date)")
    op.drop_index("ix_radius_sessions_router_ip", table_name="radius_sessions")
    op.execute("DROP TABLE dns_names")
    op.execute("DROP TABLE flows")
