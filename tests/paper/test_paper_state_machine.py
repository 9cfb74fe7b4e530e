"""Model-based check of the paper book's accounting.

A hypothesis state machine moves prices on the simulator (which plays production for
the quotes), places market, limit and stop orders, cancels, reads the book and restarts
the client on the same file. After every step:

- ``cash + sum(quantity x average cost) == starting cash + realised P&L - commissions``;
- cash and positions equal what the fill history says (recomputed here, not by the book);
- every fill of the step is at the quote then in force (ask for a buy, bid for a sell)
  and within its limit; cash and positions never go negative;
- the simulator saw no account, order or alert request.

``PAPER_SM_EXAMPLES`` and ``PAPER_SM_STEPS`` set the schedules and the steps per schedule
(default 10 x 15); the figures are printed at the end (``-s``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from etrade_sync import EquityOrder
from etrade_sync.client import Client
from etrade_sync.errors import OrderError
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Simulator
from tests.paper.conftest import book_requests
from tests.support import settings_for

#: Resting orders in these tests are good until cancelled: a day order could expire at
#: 16:00 New York time while a test runs.
GTC = "GOOD_UNTIL_CANCEL"

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("PAPER_SM_EXAMPLES", "10"))
STEPS = int(os.environ.get("PAPER_SM_STEPS", "15"))
SYMBOLS = ("IBM", "KO")
START = Decimal("5000.00")
FEE = Decimal("1.00")
FIGURES = {"schedules": 0, "steps": 0, "fills": 0, "refused": 0, "restarts": 0, "checks": 0}

prices = st.integers(min_value=40, max_value=160).map(lambda n: Decimal(n) / 2 + 20)
quantities = st.integers(min_value=1, max_value=40)
offsets = st.integers(min_value=-6, max_value=6).map(Decimal)


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


def test_paper_book_accounting(shared_sim: Simulator, tmp_path: Path) -> None:
    sim = shared_sim
    counter = iter(range(10**6))

    class PaperBook(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            FIGURES["schedules"] += 1
            self.folder = tmp_path / f"run{next(counter)}"
            self.folder.mkdir()
            sim.log.clear()
            for symbol in SYMBOLS:
                sim.set_price(symbol, "50.00")
            self.client = self._client()
            assert self.client.paper is not None
            self.client.paper.reset(START)
            self.key = "PAPER1"
            self.seen_fills = 0

        def _client(self) -> Client:
            s = settings_for(
                sim, environment="paper", quote_ttl=0.0, paper_commission=float(FEE),
                token_file=self.folder / "t.json", journal_file=self.folder / "j.sqlite3",
            )  # fmt: skip
            client = Client(s, gate=RateGate(s.resolved_rate_limits))
            client.auth.use_token(*sim.issue_access_token())
            return client

        def _sized(self, symbol: str, side: str, qty: int) -> tuple[str, int]:
            """Sells of at most the free shares (a buy when none are free), so that most
            steps trade; refusals still happen (cash) and are counted."""
            if side == "BUY":
                return side, qty
            assert self.client.paper is not None
            (status,) = self.client.paper.status()
            held = status["positions"].get(symbol, {"quantity": Decimal(0)})["quantity"]
            selling = sum(
                (o.details[0].instruments[0].quantity or Decimal(0))
                for o in self.client.orders.list(self.key, status="OPEN")
                if o.details[0].instruments[0].product.symbol == symbol
                and o.details[0].instruments[0].action == "SELL"
            )
            free = int(held - selling)
            return ("SELL", min(qty, free)) if free > 0 else ("BUY", qty)

        def _place(self, order: EquityOrder) -> None:
            FIGURES["steps"] += 1
            try:
                self.client.orders.place(self.key, self.client.orders.preview(self.key, order))
            except OrderError:
                FIGURES["refused"] += 1  # no cash, no shares: refused, never filled

        @rule(symbol=st.sampled_from(SYMBOLS), price=prices)
        def move(self, symbol: str, price: Decimal) -> None:
            FIGURES["steps"] += 1
            sim.set_price(symbol, price)
            self.client.market.quote(symbol)  # the quote arrives

        @rule(
            symbol=st.sampled_from(SYMBOLS), side=st.sampled_from(("BUY", "SELL")), qty=quantities
        )
        def market(self, symbol: str, side: str, qty: int) -> None:
            side, qty = self._sized(symbol, side, qty)
            self._place(EquityOrder(symbol, side, qty))

        @rule(symbol=st.sampled_from(SYMBOLS), side=st.sampled_from(("BUY", "SELL")),
              qty=quantities, offset=offsets)  # fmt: skip
        def limit(self, symbol: str, side: str, qty: int, offset: Decimal) -> None:
            side, qty = self._sized(symbol, side, qty)
            last = sim.quote(symbol).last
            price = max(Decimal("1.00"), last + offset)
            self._place(
                EquityOrder(symbol, side, qty, price_type="LIMIT", limit_price=price, term=GTC)
            )

        @rule(symbol=st.sampled_from(SYMBOLS), side=st.sampled_from(("BUY", "SELL")),
              qty=quantities, offset=st.integers(min_value=1, max_value=6).map(Decimal))  # fmt: skip
        def stop(self, symbol: str, side: str, qty: int, offset: Decimal) -> None:
            side, qty = self._sized(symbol, side, qty)
            last = sim.quote(symbol).last
            stop = last + offset if side == "BUY" else max(Decimal("1.00"), last - offset)
            self._place(
                EquityOrder(symbol, side, qty, price_type="STOP", stop_price=stop, term=GTC)
            )

        @rule(pick=st.integers(min_value=0, max_value=5))
        def cancel(self, pick: int) -> None:
            FIGURES["steps"] += 1
            open_orders = self.client.orders.list(self.key, status="OPEN")
            if open_orders:
                self.client.orders.cancel(self.key, open_orders[pick % len(open_orders)].order_id)

        @rule()
        def read(self) -> None:
            FIGURES["steps"] += 1
            self.client.accounts.portfolio(self.key)

        @rule()
        def restart(self) -> None:
            FIGURES["steps"] += 1
            FIGURES["restarts"] += 1
            self.client.close()
            self.client = self._client()

        @invariant()
        def accounts_add_up(self) -> None:
            FIGURES["checks"] += 1
            paper = self.client.paper
            assert paper is not None
            (status,) = paper.status()
            fills = paper.history()
            costs = sum((p["cost"] for p in status["positions"].values()), Decimal(0))
            assert status["cash"] + costs == (
                status["start_cash"] + status["realised_pnl"] - status["commissions"]
            )
            cash, held = START, dict.fromkeys(SYMBOLS, Decimal(0))
            for f in fills:
                sign = 1 if f.action == "BUY" else -1
                cash -= sign * f.quantity * f.price + f.commission
                held[f.symbol] += sign * f.quantity
            assert status["cash"] == cash >= 0
            assert {s: p["quantity"] for s, p in status["positions"].items()} == {
                s: q for s, q in held.items() if q
            }
            assert all(q >= 0 for q in held.values())
            assert sum((f.commission for f in fills), Decimal(0)) == status["commissions"]
            orders = {o.order_id: o for o in self.client.orders.list(self.key)}
            for f in fills[self.seen_fills :]:
                quote = sim.quote(f.symbol)
                assert f.price == (quote.ask if f.action == "BUY" else quote.bid)
                detail = orders[f.order_id].details[0]
                if detail.price_type == "LIMIT":
                    assert detail.limit_price is not None
                    if f.action == "BUY":
                        assert f.price <= detail.limit_price
                    else:
                        assert f.price >= detail.limit_price
            FIGURES["fills"] += len(fills) - self.seen_fills
            self.seen_fills = len(fills)
            assert book_requests(sim) == []

        def teardown(self) -> None:
            self.client.close()

    run_state_machine_as_test(
        PaperBook,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
    print(f"\npaper state machine: {FIGURES}, violations: 0")
    assert FIGURES["fills"] > 0
