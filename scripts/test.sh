#!/usr/bin/env bash
# The project's test command: installs what the tests need, then runs the linters,
# the type checker and the test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
    echo "installing redis-server (needed by the multi-host rate-gate tests)"
    if [ "$(id -u)" = "0" ]; then
        apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -qq && sudo apt-get install -y -qq redis-server >/dev/null
    else
        echo "cannot install redis-server without root; the Redis tests will fail" >&2
    fi
fi

python -m pip install --quiet --disable-pip-version-check -e ".[dev]"

ruff check .
ruff format --check .
mypy
lint-imports
python -m pytest "$@"
