"""SQL function bodies live in migrations/sql/ as plain files, run by revisions."""

from pathlib import Path

from alembic import op

SQL_DIR = Path(__file__).parent / "sql"


def run_sql_file(name: str) -> None:
    op.execute((SQL_DIR / name).read_text())
