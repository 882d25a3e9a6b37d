#!/usr/bin/env bash
# Install everything into .venv and run the whole test suite.
# Usage (from the repository root): bash tests/run.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# Exact versions from the lock file (hash-checked), then the project itself without resolving again.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
.venv/bin/python -m models fetch

# The browser test drives Debian's Chromium through Playwright (never a downloaded browser).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing Debian chromium for the browser test..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "chromium could not be installed: the browser test will be skipped"
fi

# The storage tests run a real PostgreSQL server from Debian's binaries (skipped without them).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing Debian postgresql for the storage tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
    || echo "postgresql could not be installed: the PostgreSQL storage tests will be skipped"
fi

# Lint, format and types first (seconds): pyproject.toml configures ruff and mypy.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

exec .venv/bin/python -m pytest "$@"
