#!/usr/bin/env bash
# The project's test command: installs what the tests need (system packages with
# apt-get, Python packages into the project's own .venv), then runs the linters, the
# type checker and the test suite. Extra arguments go to pytest.
#
# To add a step: a system package the tests need is one `need_command` line; a check is
# one `step` line (each stops the run when it fails).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

# -- system packages -------------------------------------------------------------
need_command redis-server redis-server "needed by the multi-host rate-gate tests"

# -- Python packages: .venv with etrade_sync[dev] ---------------------------------
ensure_venv dev

# -- checks ----------------------------------------------------------------------
step "ruff check" ruff check .
step "ruff format" ruff format --check .
step "mypy" mypy
step "pytest" python -m pytest "$@"
