# The README's commands. Each installs what it needs first (scripts/install.sh).
.PHONY: run test bench lint lock

run:
	./scripts/install.sh
	.venv/bin/python -m devstack

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
	.venv/bin/mypy

# Pin every Python dependency with hashes (pip-tools). Run after changing the
# requirements in setup.cfg; `make test` fails while the locks are behind it.
PIP_COMPILE = .venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --build-deps-for editable
lock:
	./scripts/install.sh --test
	$(PIP_COMPILE) -o requirements/base.txt setup.cfg
	$(PIP_COMPILE) --extra test -o requirements/test.txt setup.cfg
