#!/usr/bin/env bash
# The time-of-day guard: runs the time-sensitive tests (token lifetimes, the simulator's
# tokens, order dates and resolve's windows, caches, the rate gate, polling) with the
# wall clock of every Python process moved, so a test that only passes at some hours
# of the day fails here at any hour. Instants (UTC); the clock ticks on from each, and
# every Python process the tests start is moved by the same offset:
#   04:30  = 23:30 in New York (EST): the evening before midnight
#   05:30  = 00:30 in New York (EST): just after midnight
#   2026-03-08 06:58 = 01:58 EST, two minutes before the spring-forward change
# (the fall-back day, and both changes at named instants, are covered by tests/clock.py
# and the tests that use it)
#
# How: time-machine moves time.time(), datetime.now() and friends; a start-up hook (a
# .pth file put into the environment's site-packages for the length of this script)
# starts it in every Python process that has ETRADE_TEST_CLOCK_OFFSET set. The
# monotonic clock, timeouts and sleeps stay real, as they do on a machine whose wall
# clock reads that hour. (libfaketime moves those too, and Python's timed waits then
# never return.) Servers the tests start (redis-server, PostgreSQL) keep the real clock,
# as other machines would. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python}"
site="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
"$PYTHON" -c 'import time_machine' 2>/dev/null || {
    echo "time-machine is missing: install the dev extra (pip install -e '.[dev]')" >&2
    exit 1
}
hook="$site/etrade_time_guard_hook.py"
pth="$site/etrade_time_guard.pth"
trap 'rm -f "$hook" "$pth"' EXIT
cat >"$hook" <<'PY'
"""Moves this process's wall clock by ETRADE_TEST_CLOCK_OFFSET seconds (test guard)."""
import os
import time

_offset = os.environ.get("ETRADE_TEST_CLOCK_OFFSET")
if _offset:
    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
PY
echo "import etrade_time_guard_hook" >"$pth"

paths=(tests/auth tests/simulator tests/cache tests/ratelimit tests/safety tests/api tests/transport)
existing=()
for p in "${paths[@]}"; do [ -e "$p" ] && existing+=("$p"); done
for instant in "2026-12-02 04:30:00" "2026-12-02 05:30:00" "2026-03-08 06:58:00"; do
    offset=$(($(date -u -d "$instant UTC" +%s) - $(date -u +%s)))
    echo "time-of-day guard: clock at $instant UTC (offset ${offset} s)"
    ETRADE_TEST_CLOCK_OFFSET="$offset" "$PYTHON" -m pytest -q -m "not slow" \
        -p no:cacheprovider "${existing[@]}" "$@"
done
