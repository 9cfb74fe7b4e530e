"""One measurement in a fresh interpreter, printed as one JSON line (used by bench.py).

python scripts/bench_probe.py rss-ours        # RSS after import etrade_sync + Client
python scripts/bench_probe.py rss-bare        # RSS after requests + OAuth1 + Session
python scripts/bench_probe.py cached-quote '{"url": ..., "count": 2000}'
"""

from __future__ import annotations

import gc
import itertools
import json
import resource
import string
import sys
import time
import tracemalloc
from typing import Any


def rss_kib() -> int:
    """Resident set size now, in KiB (Linux), else the peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def rss_ours() -> dict[str, Any]:
    started = time.perf_counter()
    import etrade_sync

    settings = etrade_sync.Settings(
        consumer_key="k" * 32, consumer_secret="s" * 32, token_store="memory"
    )
    client = etrade_sync.Client(settings)
    elapsed = time.perf_counter() - started
    out = {"rss_kib": rss_kib(), "seconds": elapsed, "modules": len(sys.modules)}
    client.close()
    return out


def rss_bare() -> dict[str, Any]:
    started = time.perf_counter()
    import requests
    from requests_oauthlib import OAuth1

    session = requests.Session()
    session.auth = OAuth1("k" * 32, "s" * 32, "t" * 32, "u" * 32, signature_type="AUTH_HEADER")
    elapsed = time.perf_counter() - started
    out = {"rss_kib": rss_kib(), "seconds": elapsed, "modules": len(sys.modules)}
    session.close()
    return out


def cached_quote(cfg: dict[str, Any]) -> dict[str, Any]:
    """Bytes per quote held by the quote cache, by tracemalloc and by RSS."""
    import etrade_sync
    from etrade_sync.ratelimit import RateGate

    settings = etrade_sync.Settings(
        consumer_key=cfg["consumer_key"],
        consumer_secret=cfg["consumer_secret"],
        base_url=cfg["url"],
        oauth_base_url=cfg["url"],
        token_store="memory",
        quote_ttl=3600,
    )
    rates = dict(settings.resolved_rate_limits, market=None)
    client = etrade_sync.Client(settings, gate=RateGate(rates))
    client.auth.use_token(cfg["token"], cfg["secret"])
    letters = string.ascii_uppercase
    combos = itertools.islice(itertools.product(letters, repeat=4), cfg["count"] + 100)
    symbols = ["".join(c) for c in combos]
    warm, measured = symbols[:100], symbols[100:]
    for start in range(0, len(warm), 50):
        client.market.quotes(warm[start : start + 50])
    gc.collect()
    trace = bool(cfg.get("trace"))
    if trace:  # tracemalloc's own bookkeeping inflates RSS: one or the other per run
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0] if trace else rss_kib() * 1024
    for start in range(0, len(measured), 50):
        client.market.quotes(measured[start : start + 50])
    gc.collect()
    after = tracemalloc.get_traced_memory()[0] if trace else rss_kib() * 1024
    cached = client.cache.quotes.stats().size - len(warm)
    client.close()
    key = "traced_bytes_per_quote" if trace else "rss_bytes_per_quote"
    return {"quotes": cached, key: round((after - before) / max(cached, 1))}


def main() -> int:
    mode = sys.argv[1]
    if mode == "rss-ours":
        out = rss_ours()
    elif mode == "rss-bare":
        out = rss_bare()
    elif mode == "cached-quote":
        out = cached_quote(json.loads(sys.argv[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
