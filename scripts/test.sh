#!/usr/bin/env bash
# The project's test command: installs what the tests need, then runs the linters,
# the type checker and the test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real servers for the multi-host tests: redis-server (rate gate, token store) and
# PostgreSQL (order journal), from Debian's packages.
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null 2>&1; then
    missing+=(postgresql)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]} (needed by the multi-host tests)"
    if [ "$(id -u)" = "0" ]; then
        apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -qq && sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "cannot install ${missing[*]} without root; those tests will be skipped" >&2
    fi
fi

python -m pip install --quiet --disable-pip-version-check -e ".[dev]"

ruff check .
ruff format --check .
mypy
lint-imports
python -m pytest "$@"

# The suite must pass at any hour: run the time-sensitive tests again with the clock
# moved to 23:30 and 00:30 New York time and across both DST changes.
# ETRADE_TIME_GUARD=0 skips this step (for a quick local loop).
if [ "${ETRADE_TIME_GUARD:-1}" != "0" ]; then
    bash scripts/time-guard.sh
fi
