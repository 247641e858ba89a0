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


# -- the current body of each SQL function ----------------------------------------
#: One file per function with its current definition: the one to read and edit.
#: A revision that changes a function snapshots the new body into its own
#: NNNN_functions.sql (so its downgrade can restore the previous one), and
#: tests/unit/test_sql_functions.py checks the two agree.
CURRENT_DIR = SQL_DIR / "functions"

_DEFINITION = re.compile(
    r"CREATE (?:OR REPLACE )?FUNCTION (\w+)\s*\(.*?\$\$.*?\$\$;", re.S | re.I
)


def definitions(text: str) -> dict[str, str]:
    """Each function's CREATE statement in ``text``, by name (the last one wins)."""
    return {m.group(1): m.group(0).strip() for m in _DEFINITION.finditer(text)}


def snapshots_in_order() -> list[Path]:
    """The revisions' function snapshots, in the order the revisions apply."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(SQL_DIR.parent))
    order = [r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()]
    files = {p.name.split("_")[0]: p for p in SQL_DIR.glob("*_functions.sql")}
    return [files[rev] for rev in reversed(order) if rev in files]


def newest_definitions() -> dict[str, str]:
    """Every function as the newest revision that defines it left it."""
    found: dict[str, str] = {}
    for path in snapshots_in_order():
        found.update(definitions(path.read_text()))
    return found
