"""SQL function bodies live in migrations/sql/ as plain files, run by revisions."""

import re
from pathlib import Path

from alembic import op

SQL_DIR = Path(__file__).parent / "sql"


def run_sql_file(name: str) -> None:
    op.execute((SQL_DIR / name).read_text())


def function_definition(name: str, function: str) -> str:
    """The ``CREATE OR REPLACE FUNCTION function(...)`` statement of snapshot file
    ``name``, up to the end of its ``$$`` body: to restore one function as a
    revision had it, without running (and so reverting) the file's others."""
    text = (SQL_DIR / name).read_text()
    match = re.search(
        rf"^CREATE OR REPLACE FUNCTION {re.escape(function)}\(.*?\$\$.*?^\$\$;",
        text,
        re.DOTALL | re.MULTILINE,
    )
    if match is None:
        raise LookupError(f"no function {function} in {name}")
    return match.group(0)


def run_sql_function(name: str, function: str) -> None:
    op.execute(function_definition(name, function))


def grant_if_role(role: str, *statements: str) -> None:
    """Run GRANT statements for a component's role (migration 0011) when it exists:
    roles are cluster-wide and created outside the migrations."""
    body = " ".join(f"EXECUTE '{s}';" for s in statements)
    op.execute(
        f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "
        f"THEN {body} END IF; END $$;"
    )
