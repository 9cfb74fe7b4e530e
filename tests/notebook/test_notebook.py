"""Notebooks: DataFrames, rich reprs, metrics hooks, OpenTelemetry tracing of the session."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal

import pytest

from etrade_sync import EquityOrder, to_dataframe
from etrade_sync.client import Client
from etrade_sync.simulator import Simulator

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")


@pytest.fixture
def nb(make_client: Callable[..., Client]) -> Client:
    return make_client(rate_limits=UNLIMITED)


def test_quotes_positions_orders_transactions_as_dataframes(sim: Simulator, nb: Client) -> None:
    pd = pytest.importorskip("pandas")
    quotes = nb.market.quotes(["AAPL", "MSFT", "APPL"])
    frame = quotes.to_dataframe()
    assert list(frame.index) == ["AAPL", "MSFT"]
    assert frame.loc["AAPL", "last"] == float(quotes["AAPL"].last)  # type: ignore[arg-type]
    key = sim.accounts[0].account_id_key
    positions = nb.accounts.portfolio(key).to_dataframe()
    assert len(positions) == len(sim.positions(key))
    exact = to_dataframe(nb.accounts.portfolio(key).positions, decimals="decimal")
    assert isinstance(exact["market_value"].iloc[0], Decimal)
    transactions = to_dataframe(list(nb.accounts.transactions(key)))
    assert len(transactions) > 50
    assert pd.api.types.is_datetime64_any_dtype(transactions["date"])
    assert transactions["amount"].dtype == float
    order = EquityOrder("F", "BUY", 3, price_type="LIMIT", limit_price=Decimal("1.00"))
    placed = nb.orders.place(key, nb.orders.preview(key, order))
    orders = to_dataframe(nb.orders.list(key))
    assert list(orders["order_id"]) == [placed.order_id]


def test_rich_reprs_for_jupyter_and_ipython(sim: Simulator, nb: Client) -> None:
    quotes = nb.market.quotes(["IBM", "APPL"])
    html = quotes._repr_html_()
    assert "<table>" in html
    assert "IBM" in html
    assert "APPL is an invalid symbol" in html
    quote_html = quotes["IBM"]._repr_html_()
    assert "Quote" in quote_html
    assert "last" in quote_html
    portfolio_html = nb.accounts.portfolio(sim.accounts[0].account_id_key)._repr_html_()
    assert "positions" in portfolio_html
    from IPython.lib.pretty import pretty

    text = pretty(quotes["IBM"])
    assert text.startswith("Quote(")
    assert "symbol='IBM'" in text


def test_pandas_is_not_imported_by_the_library() -> None:
    code = "import sys, etrade_sync; etrade_sync.Client; print('pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_stats_have_latency_percentiles_and_a_slow_call_hook(nb: Client) -> None:
    slow: list[tuple[str, float]] = []
    nb.metrics.on_slow_call(0.0, lambda name, seconds: slow.append((name, seconds)))
    for _ in range(5):
        nb.accounts.list(fresh=True)
    stats = nb.stats()
    endpoint = stats["calls"]["endpoints"]["accounts.list"]
    assert endpoint["count"] == 5
    assert 0 < endpoint["latency_ms"]["p50"] <= endpoint["latency_ms"]["p95"]
    assert endpoint["latency_ms"]["p95"] <= endpoint["latency_ms"]["p99"]
    assert [name for name, _ in slow] == ["accounts.list"] * 5
    assert json.loads(json.dumps(stats, default=str))["calls"]["totals"]["count"] == 5


def test_opentelemetry_requests_instrumentation_traces_the_session(nb: Client) -> None:
    pytest.importorskip("opentelemetry.instrumentation.requests")
    from opentelemetry.instrumentation.requests import RequestsInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    RequestsInstrumentor().instrument(tracer_provider=provider)
    try:
        nb.market.quotes(["AAPL"], fresh=True)
    finally:
        RequestsInstrumentor().uninstrument()
    spans = exporter.get_finished_spans()
    assert len(spans) == 1
    attributes = dict(spans[0].attributes or {})
    assert attributes.get("http.request.method", attributes.get("http.method")) == "GET"
    assert any("/v1/market/quote/AAPL" in str(v) for v in attributes.values())
