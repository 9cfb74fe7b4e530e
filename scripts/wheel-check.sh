#!/usr/bin/env bash
# The wheel is the product: build the sdist and the wheel, check their metadata, install
# the wheel into a fresh virtual environment outside the checkout and run the demo and
# a smoke test from there. A file missing from the package fails this step.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$PYTHON" -m build --quiet --outdir "$work/dist" . >/dev/null
"$PYTHON" -m twine check --strict "$work"/dist/*
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "$work"/dist/etrade_sync-*.whl
cp scripts/smoke.py "$work/smoke.py"
(
    cd "$work"
    env -u PYTHONPATH "$work/venv/bin/python" -I smoke.py
    env -u PYTHONPATH "$work/venv/bin/etrade-sync" demo >"$work/demo.log" 2>&1 \
        || { cat "$work/demo.log"; echo "the demo failed from the installed wheel" >&2; exit 1; }
    tail -n 3 "$work/demo.log"
)
echo "wheel check: built, twine check passed, demo and smoke test ran from the installed wheel"
