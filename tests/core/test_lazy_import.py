"""Building a client loads only what the first request needs; the rest loads on first use."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import etrade_sync
settings = etrade_sync.Settings(consumer_key="k" * 32, consumer_secret="s" * 32,
                                token_store="memory")
client = etrade_sync.Client(settings)
before = set(sys.modules)
client.market
after = set(sys.modules)
print(json.dumps({"built": sorted(before), "market": sorted(after - before)}))
"""

# (sqlite3 comes with pyrate-limiter, which the rate gate needs at once)
HEAVY = ("cryptography", "etrade_sync.models", "etrade_sync.builders", "etrade_sync.orders",
         "etrade_sync.api", "xml.etree", "html", "zoneinfo")  # fmt: skip


def test_a_client_loads_no_models_orders_journal_or_cryptography_until_used() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    modules = json.loads(done.stdout)
    loaded = [m for m in modules["built"] if m.startswith(HEAVY)]
    assert loaded == []
    assert "etrade_sync.api.market" in modules["market"]
    assert "etrade_sync.models.market" in modules["market"]
