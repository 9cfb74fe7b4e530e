"""The benchmarks' server: the simulator in its own process, driven over stdin/stdout.

Running the server in a separate process keeps it off the client's interpreter
lock, so a client's cost is not hidden behind (or inflated by) the server's.
The first line printed is JSON with the URL, the consumer key and secret and one
access token. Then each line read from stdin is a command answered with one
JSON line:

    token                     a fresh access token and secret
    limit <market> <window>   enforce <market> requests per rolling <window> s on
                              arrival (0 = stop enforcing)
    clear                     forget the request log
    stats                     requests, throttled, busiest rolling window, connections
    arrivals                  [path, wall-clock arrival] of every market request
    quit                      stop

    python scripts/bench_server.py
"""

from __future__ import annotations

import json
import sys

from etrade_sync.simulator import Simulator
from etrade_sync.simulator.limits import DEFAULT_RATE_LIMITS, RateEnforcer


def main() -> int:
    sim = Simulator().start()
    window = 1.0
    token, secret = sim.issue_access_token()
    hello = {
        "url": sim.url,
        "consumer_key": sim.consumer_key,
        "consumer_secret": sim.consumer_secret,
        "token": token,
        "secret": secret,
    }
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        answer: dict[str, object] = {"ok": True}
        if words[0] == "token":
            answer["token"], answer["secret"] = sim.issue_access_token()
        elif words[0] == "limit":
            market, window = int(words[1]), float(words[2])
            limits = {**DEFAULT_RATE_LIMITS, "market": market}
            sim.app.enforcer = RateEnforcer(limits, window=window) if market else None
        elif words[0] == "clear":
            sim.log.clear()
        elif words[0] == "stats":
            answer.update(
                quote_calls=sim.log.hits("/v1/market/quote/*"),
                throttled=sim.log.throttled,
                max_in_window=sim.log.max_in_window("market", window),
                connections=sim.log.connections_opened,
            )
        elif words[0] == "arrivals":
            answer["arrivals"] = [[r.path, r.wall_time] for r in sim.log.records(category="market")]
        elif words[0] == "quit":
            print(json.dumps(answer), flush=True)
            break
        else:
            answer = {"ok": False, "error": f"unknown command {words[0]!r}"}
        print(json.dumps(answer), flush=True)
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
