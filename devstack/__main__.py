"""``python -m devstack`` (``make run``): the whole stack until Ctrl-C."""

from __future__ import annotations

import argparse

from .stack import run_stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
        description="Run the whole local stack (PostgreSQL, FreeRADIUS, portal, "
        "scheduler, router simulator) until Ctrl-C; state under var/.",
    )
    parser.add_argument(
        "--no-demo", action="store_true", help="do not seed the demo venue"
    )
    args = parser.parse_args(argv)
    return run_stack(demo=not args.no_demo)


if __name__ == "__main__":
    raise SystemExit(main())
