#!/usr/bin/env bash
# Runs the demo on the built-in simulator. Creates (once) the project's virtual
# environment .venv with etrade_sync installed, then runs `etrade-sync demo`.
# Extra arguments go to the demo, e.g. ./scripts/demo.sh --fast
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
ensure_venv
exec etrade-sync demo "$@"
