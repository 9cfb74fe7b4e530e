#!/usr/bin/env bash
# The time-of-day guard: runs the time-sensitive tests (token lifetimes, the simulator's
# tokens, order dates and resolve's windows, caches, the rate gate) with the whole
# process clock moved by libfaketime, so a test that only passes at some hours of the
# day fails here at any hour. Instants (UTC); the clock ticks on from each, and every
# process the tests start is moved by the same offset:
#   04:30  = 23:30 in New York (EST): the evening before midnight
#   05:30  = 00:30 in New York (EST): just after midnight
#   2026-03-08 06:58 = 01:58 EST, two minutes before the spring-forward change
#   2026-11-01 05:58 = 01:58 EDT, two minutes before the fall-back change
# Servers the tests start (redis-server) keep the real clock, as other machines would.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python}"
if ! command -v faketime >/dev/null 2>&1; then
    echo "installing faketime (needed by the time-of-day guard)"
    if [ "$(id -u)" = "0" ]; then
        apt-get update -qq && apt-get install -y -qq faketime >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -qq && sudo apt-get install -y -qq faketime >/dev/null
    else
        echo "cannot install faketime without root: apt-get install faketime" >&2
        exit 1
    fi
fi

paths=(tests/auth tests/simulator tests/cache tests/ratelimit tests/safety tests/api)
for instant in "2026-12-02 04:30:00" "2026-12-02 05:30:00" \
    "2026-03-08 06:58:00" "2026-11-01 05:58:00"; do
    offset=$(($(date -u -d "$instant UTC" +%s) - $(date -u +%s)))
    [ "$offset" -ge 0 ] && offset="+$offset"
    echo "time-of-day guard: clock at $instant UTC (offset ${offset} s)"
    faketime -f "$offset" "$PYTHON" -m pytest -q -m "not slow" -p no:cacheprovider \
        "${paths[@]}" "$@"
done
