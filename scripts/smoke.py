"""Smoke test of an installed etrade_sync, run from outside the checkout.

``scripts/wheel-check.sh`` installs the built wheel into a fresh virtual environment
and runs this file with ``python -I`` (the checkout is not on ``sys.path``), so a file
missing from the package fails here: ``py.typed``, the simulator, the CLI.
"""

from __future__ import annotations

import sys
import tempfile
from decimal import Decimal
from importlib import resources
from pathlib import Path

import etrade_sync
from etrade_sync.simulator import Simulator


def main() -> int:
    package = resources.files("etrade_sync")
    assert "site-packages" in str(package), f"not the installed package: {package}"
    assert package.joinpath("py.typed").is_file(), "py.typed is missing from the wheel"
    assert package.joinpath("simulator", "README.md").is_file(), "simulator README missing"
    with Simulator() as sim, tempfile.TemporaryDirectory() as state:
        settings = etrade_sync.Settings(
            consumer_key=sim.consumer_key,
            consumer_secret=sim.consumer_secret,
            base_url=sim.url,
            oauth_base_url=sim.url,
            authorize_url=sim.authorize_url,
            token_file=Path(state) / "tokens.json",
            journal_file=Path(state) / "journal.sqlite3",
        )
        with etrade_sync.Client(settings) as client:
            client.auth.use_token(*sim.issue_access_token())
            accounts = client.accounts.list()
            quotes = client.market.quotes(["AAPL", "MSFT"])
            assert isinstance(quotes["AAPL"].last, Decimal), type(quotes["AAPL"].last)
            balance = client.accounts.balance(accounts[0].account_id_key)
    print(
        f"etrade_sync {etrade_sync.__version__} from {package}: "
        f"{len(accounts)} accounts, AAPL {quotes['AAPL'].last}, "
        f"balance read for {balance.account_id}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
