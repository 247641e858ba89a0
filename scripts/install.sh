#!/usr/bin/env bash
# Install what the stack needs on Debian 12, idempotently: apt packages (FreeRADIUS
# with rlm_python3, radclient, PostgreSQL, pmacct's nfacctd; with --test also Chromium) and a
# virtualenv at .venv with the locked dependencies and the project in editable
# mode. Used by `make run`, `make test`, `make bench` and the Vagrant provisioner.
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
done

# fonts-dejavu-core: the card sheet PDF's font (Latin and Cyrillic, hotspot/cards.py).
packages=(freeradius freeradius-python3 freeradius-postgresql freeradius-utils postgresql git python3 python3-venv
          python3-dev libpq5 ca-certificates pmacct fonts-dejavu-core)
if [ "$with_test" = 1 ]; then
  packages+=(chromium zbar-tools poppler-utils softflowd)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The system services would hold the RADIUS ports; the stack runs its own.
  if [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now freeradius >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    $sudo service freeradius stop >/dev/null 2>&1 || true
  fi
fi

# The venv uses Debian's python3: FreeRADIUS embeds that same interpreter and
# imports our packages from the venv's site-packages.
py=/usr/bin/python3
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.base_prefix != "/usr")'; then
  rm -rf .venv
  "$py" -m venv .venv
fi
# Python dependencies come from the lock (pinned, with hashes: `make lock`), so every
# machine runs the same versions and a venv follows the lock when it changes.
lock=requirements/base.txt
[ "$with_test" = 1 ] && lock=requirements/test.txt
stamp=".venv/.installed-$(basename "$lock" .txt)"
want="$(sha256sum "$lock" setup.cfg pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --require-hashes --no-deps -r "$lock"
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  rm -f .venv/.installed-*
  echo "$want" > "$stamp"
fi
