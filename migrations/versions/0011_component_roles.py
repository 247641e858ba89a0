"""each component's own database role

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01

FreeRADIUS, the portal and the scheduler connect with roles of their own, granted
only what they need; migrations (and the CLI) connect as the owner of the schema.
Roles are cluster-wide, so they are created outside the migrations (the local
stack: devstack.postgres; an operator: CREATE ROLE ... LOGIN): this revision
grants to those that exist and skips the others (downgrade to 0007 and upgrade
again after creating one later).

- hotspot_radius: EXECUTE on the hotspot_* functions; SELECT on what the
  authorization reads (never api_tokens); INSERT/UPDATE where accounting, tickets
  and failed logins write; of routers only last_auth_failure_at may change. No
  DELETE anywhere. Future tables: nothing unless a revision grants it.
- hotspot_portal: SELECT, INSERT, UPDATE, DELETE on every table but
  alembic_version: it serves the owners' cabinet, the operator admin and the API,
  which change venue settings, routers and tokens (who may change which row is the
  application's tenancy rule, not the database's).
- hotspot_scheduler: the same, but the operator's data (owners, routers,
  api_tokens) is read only to it.
  Both: the same on future tables (default privileges of the owner). No DDL, no
  TRUNCATE.
"""

from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

#: What each role may read, not change.
READ_ONLY = {
    "hotspot_portal": ("alembic_version",),
    "hotspot_scheduler": ("owners", "routers", "api_tokens", "alembic_version"),
}

RADIUS_GRANTS = [
    "GRANT SELECT ON routers, owners, tariffs, vouchers, login_tickets, "
    "radius_sessions, auth_failures, identifications, phone_blacklist "
    "TO hotspot_radius",
    "GRANT INSERT, UPDATE ON radius_sessions TO hotspot_radius",
    "GRANT UPDATE ON vouchers TO hotspot_radius",
    "GRANT INSERT ON auth_failures TO hotspot_radius",
]
RADIUS_SEQUENCES = ("radius_sessions", "auth_failures")
#: Single columns of otherwise read-only tables, by role: a failed login's trigger
#: marks the router, a used ticket is marked, the API notes a token's last use.
COLUMN_GRANTS = [
    ("UPDATE (used_at) ON login_tickets", "hotspot_radius"),
    ("UPDATE (last_auth_failure_at) ON routers", "hotspot_radius"),
]

TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
)
FUNCTIONS = (
    "SELECT p.oid::regprocedure AS name FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'public' AND p.proname LIKE 'hotspot\\_%'"
)


def _literal(sql: str) -> str:
    return "'" + sql.replace("'", "''") + "'"


def _if_role(role: str, body: list[str]) -> str:
    """plpgsql statements run only when ``role`` exists."""
    return "\n".join(
        [
            "DO $$ DECLARE r record; BEGIN",
            f"IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN",
            *body,
            "END IF; END $$;",
        ]
    )


def _execute(statements: list[str]) -> list[str]:
    return [f"EXECUTE {_literal(s)};" for s in statements]


def _each(query: str, template: str) -> str:
    """``template`` (a format() string on r.*) executed for each row of ``query``."""
    field = "name" if "regprocedure" in query else "relname"
    return (
        f"FOR r IN {query} LOOP EXECUTE format({_literal(template)}, r.{field}); "
        "END LOOP;"
    )


def _columns(verb: str, preposition: str, role: str) -> list[str]:
    return _execute(
        [
            f"{verb} {what} {preposition} {role}"
            for what, r in COLUMN_GRANTS
            if r == role
        ]
    )


def _radius() -> str:
    body = _execute(RADIUS_GRANTS) + _columns("GRANT", "TO", "hotspot_radius")
    body += [
        "EXECUTE format('GRANT USAGE ON SEQUENCE %s TO hotspot_radius', "
        f"pg_get_serial_sequence('{table}', 'id'));"
        for table in RADIUS_SEQUENCES
    ]
    body.append(_each(FUNCTIONS, "GRANT EXECUTE ON FUNCTION %s TO hotspot_radius"))
    return _if_role("hotspot_radius", body)


def _dml(role: str) -> str:
    read_only = ", ".join(f"'{t}'" for t in READ_ONLY[role])
    writable = f"{TABLES} AND c.relname NOT IN ({read_only})"
    body = _execute(
        [
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        ]
    )
    body.append(_each(writable, f"GRANT INSERT, UPDATE, DELETE ON %I TO {role}"))
    body.append(_each(FUNCTIONS, f"GRANT EXECUTE ON FUNCTION %s TO {role}"))
    body += _columns("GRANT", "TO", role)
    return _if_role(role, body)


def _revoke(role: str) -> str:
    body = _execute(
        [
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"REVOKE ALL ON TABLES FROM {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"REVOKE ALL ON SEQUENCES FROM {role}",
        ]
    )
    body += _columns("REVOKE", "FROM", role)
    body.append(_each(FUNCTIONS, f"REVOKE EXECUTE ON FUNCTION %s FROM {role}"))
    return _if_role(role, body)


def upgrade() -> None:
    op.execute(_radius())
    op.execute(_dml("hotspot_portal"))
    op.execute(_dml("hotspot_scheduler"))


def downgrade() -> None:
    for role in ("hotspot_radius", "hotspot_portal", "hotspot_scheduler"):
        op.execute(_revoke(role))
