"""Never an order placed twice: unknown outcomes are journaled and resolved, not resent."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest

from etrade_sync import EquityOrder
from etrade_sync.client import Client
from etrade_sync.errors import DuplicateOrderError, ETradeError, OrderOutcomeUnknownError
from etrade_sync.orders import Status
from etrade_sync.simulator import Fault, Simulator

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")
PLACE = "/v1/accounts/*/orders/place"


@pytest.fixture
def trader(make_client: Callable[..., Client]) -> Client:
    return make_client(rate_limits=UNLIMITED, order_settle_time=0.2)


def limit_buy(symbol: str = "IBM", quantity: int = 1) -> EquityOrder:
    # Far below the market: stays OPEN, so cash and buying power never run out.
    return EquityOrder(symbol, "BUY", quantity, price_type="LIMIT", limit_price=Decimal("1.00"))


def key_of(sim: Simulator) -> str:
    return sim.accounts[0].account_id_key


@pytest.mark.parametrize("fault", [Fault.commit_then_drop(), Fault.commit_then_status(503)])
def test_committed_but_unanswered_order_resolves_to_placed(
    sim: Simulator, trader: Client, fault: Fault
) -> None:
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    sim.faults.script(PLACE, fault)
    with pytest.raises(OrderOutcomeUnknownError) as info:
        trader.orders.place(key, preview)
    cid = info.value.client_order_id
    assert cid == preview.client_order_id
    assert trader.journal.find(key, cid).status == Status.UNKNOWN  # type: ignore[union-attr]
    placed = trader.orders.resolve(key, cid)
    assert placed is not None
    on_book = [o for o in sim.orders(key) if o.client_order_id == cid]
    assert [o.order_id for o in on_book] == [placed.order_id]
    assert trader.journal.find(key, cid).status == Status.DONE  # type: ignore[union-attr]
    assert sim.log.hits(PLACE) == 1
    # E*TRADE's own guard: sending the same order again is refused, not doubled.
    with pytest.raises(DuplicateOrderError):
        trader.orders.place(
            key, trader.orders.preview(key, limit_buy().replace(client_order_id=cid))
        )
    assert len([o for o in sim.orders(key) if o.client_order_id == cid]) == 1


def test_dropped_before_processing_resolves_to_not_placed(sim: Simulator, trader: Client) -> None:
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    sim.faults.script(PLACE, Fault.drop())
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place(key, preview)
    assert trader.orders.resolve(key, preview.client_order_id) is None
    assert not [o for o in sim.orders(key) if o.client_order_id == preview.client_order_id]
    assert trader.journal.find(key, preview.client_order_id).status == Status.NOT_PLACED  # type: ignore[union-attr]


def test_identical_orders_resolve_to_different_order_ids(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    # Settle time 0: the sends cannot overlap, so the two orders pair with the two
    # intents in sending order (with overlapping sends resolve would stay unknown).
    trader = make_client(rate_limits=UNLIMITED, order_settle_time=0.0)
    key = key_of(sim)
    first = trader.orders.preview(key, limit_buy("MSFT", 3))
    second = trader.orders.preview(key, limit_buy("MSFT", 3))
    sim.faults.script(PLACE, Fault.commit_then_drop(), Fault.commit_then_drop())
    for preview in (first, second):
        with pytest.raises(OrderOutcomeUnknownError):
            trader.orders.place(key, preview)
    a = trader.orders.resolve(key, first.client_order_id)
    b = trader.orders.resolve(key, second.client_order_id)
    assert a is not None
    assert b is not None
    assert a.order_id != b.order_id


def test_unknown_client_order_id_is_a_clear_error(sim: Simulator, trader: Client) -> None:
    with pytest.raises(ETradeError, match="journal has no order"):
        trader.orders.resolve(key_of(sim), "NEVERSENT1")


@pytest.mark.slow
def test_500_placements_with_ambiguous_faults_never_duplicate(
    sim: Simulator, trader: Client
) -> None:
    key = key_of(sim)
    rng = random.Random(7)
    sim.faults.random(
        0.2,
        [Fault.commit_then_drop(), Fault.commit_then_status(503), Fault.drop()],
        seed=11,
        path_glob=PLACE,
    )
    outcomes: dict[str, int | None] = {}
    unknown = 0
    for _ in range(500):
        order = limit_buy(rng.choice(["IBM", "MSFT", "AAPL", "F"]), rng.randint(1, 5))
        preview = trader.orders.preview(key, order)
        try:
            outcomes[preview.client_order_id] = trader.orders.place(key, preview).order_id
        except OrderOutcomeUnknownError as exc:
            unknown += 1
            assert exc.client_order_id == preview.client_order_id  # noqa: PT017
            placed = trader.orders.resolve(key, preview.client_order_id)
            outcomes[preview.client_order_id] = placed.order_id if placed else None
    assert unknown > 50  # the faults really happened
    assert sim.log.hits(PLACE) == 500  # no place was ever sent twice
    book = sim.orders(key)
    per_client_id = Counter(o.client_order_id for o in book)
    assert max(per_client_id.values()) == 1  # 0 duplicate orders at the broker
    placed_ids = {cid: oid for cid, oid in outcomes.items() if oid is not None}
    assert placed_ids == {o.client_order_id: o.order_id for o in book}
    journal = {e.client_order_id: e for e in trader.journal.entries(limit=1000)}
    assert trader.journal.unresolved() == []
    for cid, oid in outcomes.items():
        entry = journal[cid]
        if oid is None:
            assert entry.status == Status.NOT_PLACED
        else:
            assert (entry.status, entry.order_id) == (Status.DONE, oid)
