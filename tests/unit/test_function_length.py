"""No function of the project runs over 60 lines (its docstring not counted) unless
its docstring says why ("Long because ..."): long functions hide what they do."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TREES = (
    "hotspot",
    "devstack",
    "portal",
    "scheduler",
    "freeradius_module",
    "simulator",
    "bench",
    "migrations",
)
LIMIT = 60
REASON = "Long because"


def long_functions() -> list[str]:
    found = []
    for tree in TREES:
        for path in sorted((REPO / tree).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                body = node.body
                doc = ast.get_docstring(node) or ""
                first = body[1] if doc and len(body) > 1 else body[0]
                start = min(
                    [first.lineno, *(d.lineno for d in node.decorator_list)]
                    if not doc
                    else [first.lineno]
                )
                length = (node.end_lineno or node.lineno) - start + 1
                if length > LIMIT and REASON not in doc:
                    rel = path.relative_to(REPO)
                    found.append(f"{rel}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_long_function_without_a_reason():
    found = long_functions()
    assert not found, (
        f"over {LIMIT} lines, with no '{REASON} ...' in the docstring:\n"
        + "\n".join(found)
    )
