#!/usr/bin/env bash
# The project's test command: installs what the tests need (system packages with
# apt-get, Python packages into the project's own .venv), then runs the linters, the
# type checker, the layer contracts and the test suite. Extra arguments go to pytest.
#
# To add a step: a system package the tests need is one `need_command` line; a check is
# one `step` line (each stops the run when it fails).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

# -- system packages: real servers for the multi-host tests ------------------------
need_command redis-server redis-server "rate gate and token store across hosts"
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    need_command pg_ctl postgresql "the order journal across hosts"
fi

# -- Python packages: .venv with etrade_sync[dev] ---------------------------------
ensure_venv dev

# -- checks ----------------------------------------------------------------------
step "ruff check" ruff check .
step "ruff format" ruff format --check .
step "mypy" mypy
step "layer contracts" lint-imports
step "docs site" mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
step "pytest" python -m pytest "$@"

# The suite must pass at any hour: run the time-sensitive tests again with the clock
# moved to 23:30 and 00:30 New York time and across both DST changes.
# ETRADE_TIME_GUARD=0 skips this step (for a quick local loop).
if [ "${ETRADE_TIME_GUARD:-1}" != "0" ]; then
    step "time-of-day guard" env PYTHON=python bash scripts/time-guard.sh "$@"
fi

# The wheel is the product: build it, check it, install it outside the checkout and run
# the demo from there. ETRADE_WHEEL_CHECK=0 skips this step (for a quick local loop).
if [ "${ETRADE_WHEEL_CHECK:-1}" != "0" ]; then
    step "wheel check" env PYTHON=python bash scripts/wheel-check.sh
fi
