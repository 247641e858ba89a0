# The README's commands. Each installs what it needs first (scripts/install.sh).
.PHONY: run test bench lint

run:
	./scripts/install.sh
	.venv/bin/hotspot run

test:
	./scripts/install.sh --test
	.venv/bin/python -m pytest

bench:
	./scripts/install.sh
	.venv/bin/python -m bench

lint:
	./scripts/install.sh --test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
