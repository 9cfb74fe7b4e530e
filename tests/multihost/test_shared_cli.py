"""The command line on a host that shares Redis and PostgreSQL: `status` sees the
token another host saved, `journal` reads the PostgreSQL journal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from etrade_sync import EquityOrder
from etrade_sync.client import Client
from etrade_sync.simulator import Simulator
from tests.servers import RedisServer
from tests.support import settings_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def test_status_and_journal_read_the_shared_stores(
    sim: Simulator, redis_server: RedisServer, postgres_url: str, tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode()
    store = redis_server.url.replace("/0", "/5")
    settings = settings_for(sim, token_key=key, token_store=store, journal_url=postgres_url,
                            token_file=tmp_path / "unused.json")  # fmt: skip
    with Client(settings) as client:  # "host A"
        client.auth.use_token(*sim.issue_access_token())
        account = sim.accounts[0].account_id_key
        order = EquityOrder("IBM", "BUY", 1, price_type="LIMIT", limit_price=Decimal("1.00"))
        placed = client.orders.place(account, client.orders.preview(account, order))

    env = {k: v for k, v in os.environ.items() if not k.startswith("ETRADE_")}
    env.update(  # "host B": its own HOME, only the shared URLs in common
        HOME=str(tmp_path / "b"),
        XDG_STATE_HOME=str(tmp_path / "b" / "state"),
        PYTHON_DOTENV_DISABLED="1",
        ETRADE_CONSUMER_KEY=sim.consumer_key,
        ETRADE_CONSUMER_SECRET=sim.consumer_secret,
        ETRADE_BASE_URL=sim.url,
        ETRADE_TOKEN_KEY=key,
        ETRADE_TOKEN_STORE=store,
        ETRADE_JOURNAL_URL=postgres_url,
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "etrade_sync", *args], env=env,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    status = run("status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["status"] == "ACTIVE"
    assert "Redis" in status.stdout
    journal = run("journal", "--json")
    assert journal.returncode == 0, journal.stderr
    rows = json.loads(journal.stdout)
    assert [(r["order_id"], r["status"], r["client_order_id"]) for r in rows] == [
        (placed.order_id, "done", placed.client_order_id)
    ]
    assert not (tmp_path / "unused.json").exists() and not (tmp_path / "b").exists()
