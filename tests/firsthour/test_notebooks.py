"""Snag 8: notebooks. IPython's own pretty printer uses the models' readable reprs,
Jupyter gets HTML tables, DataFrames are indexed by ``symbol`` and keep their columns
when empty, option positions show as options, limits show as written; and the example
notebook in the repository runs top to bottom against the simulator."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from IPython.lib.pretty import pretty

from etrade_sync import to_dataframe
from etrade_sync.api.quotes import QuoteResult
from etrade_sync.client import Client
from etrade_sync.models import Portfolio, Quote
from etrade_sync.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]
UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")


def option_account(sim: Simulator) -> str:
    for account in sim.accounts:
        if any(p.security_type == "OPTN" for p in sim.positions(account.account_id_key)):
            return account.account_id_key
    raise AssertionError("the simulator's seed has no option position")


def test_ipython_pretty_printer_uses_the_readable_repr(client: Client, sim: Simulator) -> None:
    quote = client.market.quote("IBM")
    text = pretty(quote)
    assert text.startswith("Quote(\n    symbol='IBM',\n")  # one field per line, not one line
    assert "Decimal(" not in text and "datetime.datetime(" not in text
    assert f"    last={quote.last}," in text
    quotes = client.market.quotes(["IBM", "APPL"])
    table = pretty(quotes)
    assert table.splitlines()[0] == "1 quotes, 1 refused"
    assert "refused: APPL is an invalid symbol" in table
    portfolio = client.accounts.portfolio(option_account(sim))
    assert isinstance(portfolio, Portfolio)
    assert "Call" in pretty(portfolio) or "Put" in pretty(portfolio)


def test_html_reprs_are_tables(client: Client, sim: Simulator) -> None:
    quotes = client.market.quotes(["IBM", "APPL"])
    assert quotes._repr_html_().count("<tr>") == 3  # header, IBM, APPL refused
    assert "Decimal(" not in quotes["IBM"]._repr_html_()
    stats_html = client.stats()._repr_html_()
    for caption in ("Calls per endpoint", "Rate gate", "Caches"):
        assert f"<caption>{caption}</caption>" in stats_html


def test_dataframes_symbol_index_empty_columns_and_options(client: Client, sim: Simulator) -> None:
    pytest.importorskip("pandas")
    frame = client.market.quotes(["IBM", "MSFT"]).to_dataframe()
    assert frame.index.name == "symbol"
    assert list(frame.index) == ["IBM", "MSFT"]
    empty = QuoteResult().to_dataframe()
    assert len(empty) == 0 and "last" in empty.columns and empty.index.name == "symbol"
    assert list(to_dataframe([], model=Quote).columns) == list(frame.columns)
    positions = client.accounts.portfolio(option_account(sim)).to_dataframe()
    options = positions[positions["product_security_type"] == "OPTN"]
    assert len(options) >= 1
    for shown, underlier in zip(options["symbol"], options["product_symbol"], strict=True):
        assert shown != underlier
        assert shown.startswith(underlier + " ") and shown.endswith(("Call", "Put"))


def test_limits_are_shown_as_written(make_client: Callable[..., Client]) -> None:
    default = make_client().stats()["gate"]["limits"]
    assert default["market"] == "4/s, 14000/h"
    assert default["accounts"] == "2/s, 7000/h"
    custom = make_client(rate_limits={"market": "3/s, 12/5s, 8000/h", "orders": "unlimited"})
    limits = custom.stats()["gate"]["limits"]
    assert limits["market"] == "3/s, 12/5s, 8000/h"
    assert limits["orders"] == "unlimited"


def test_example_notebook_runs_against_the_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    path = ROOT / "examples" / "notebook.ipynb"
    notebook = nbformat.read(path, as_version=4)
    env_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", env_path)  # the kernel imports this tree
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    html = [
        output["data"]["text/html"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "text/html" in output.get("data", {})
    ]
    joined = "\n".join(html)
    assert "quotes, 1 refused" in joined  # the quotes table
    assert "positions</caption>" in joined  # the portfolio table
    assert " Call</td>" in joined or " Put</td>" in joined  # an option shown as an option
    assert "<caption>Rate gate</caption>" in joined and "4/s, 14000/h" in joined
    assert joined.count("<table") >= 6
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    assert sys.executable  # the kernel is this interpreter's ipykernel
