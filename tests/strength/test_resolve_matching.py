"""resolve() never hands an intent an order that is not its own: an order in the list
that differs from the intent in symbol, call/put, strike or side is somebody else's,
and an intent whose own send never arrived resolves to "not placed", not to that order.

Each test places the look-alike order from another machine (its own journal), so the
intent's journal cannot rule it out by E*TRADE's answer: only the terms can."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from etrade_sync import EquityOrder, OptionOrder, OptionSymbol
from etrade_sync.client import Client
from etrade_sync.orders import Status
from etrade_sync.simulator import Fault, Simulator

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")
PLACE = "/v1/accounts/*/orders/place"


@pytest.fixture
def margin_key(sim: Simulator) -> str:
    return next(a.account_id_key for a in sim.accounts if a.is_open and a.is_margin)


@pytest.fixture
def pair(make_client: Callable[..., Client], tmp_path: Path) -> tuple[Client, Client]:
    """The trader, and another machine with its own journal."""
    trader = make_client(rate_limits=UNLIMITED, order_settle_time=0.2)
    other = make_client(rate_limits=UNLIMITED, journal_file=tmp_path / "other.sqlite3")
    return trader, other


def equity(symbol: str, action: str = "BUY", quantity: int = 1) -> EquityOrder:
    # Far below the market: stays OPEN.
    return EquityOrder(symbol, action, quantity, price_type="LIMIT", limit_price=Decimal("1.00"))


def lost_place(sim: Simulator, trader: Client, key: str, order: object) -> str:
    """Place ``order`` with its request dropped before E*TRADE sees it."""
    from etrade_sync.errors import OrderOutcomeUnknownError

    preview = trader.orders.preview(key, order)  # type: ignore[arg-type]
    sim.faults.script(PLACE, Fault.drop())
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place(key, preview)
    return preview.client_order_id


def assert_not_placed(sim: Simulator, trader: Client, key: str, cid: str) -> None:
    assert trader.orders.resolve(key, cid) is None
    entry = trader.journal.find(key, cid)
    assert entry is not None and entry.status == Status.NOT_PLACED


@pytest.mark.parametrize(
    "look_alike",
    [
        pytest.param(equity("MSFT"), id="another-symbol"),
        pytest.param(equity("IBM", action="SELL"), id="another-side"),
        pytest.param(equity("IBM", quantity=2), id="another-quantity"),
    ],
)
def test_an_equity_order_with_other_terms_is_not_the_intents(
    sim: Simulator, pair: tuple[Client, Client], look_alike: EquityOrder
) -> None:
    trader, other = pair
    key = sim.accounts[0].account_id_key
    theirs = other.orders.place(key, other.orders.preview(key, look_alike))
    cid = lost_place(sim, trader, key, equity("IBM"))
    assert_not_placed(sim, trader, key, cid)
    assert [o.order_id for o in sim.orders(key)] == [theirs.order_id]


def test_the_same_terms_do_resolve_to_the_order(
    sim: Simulator, pair: tuple[Client, Client]
) -> None:
    # the control: what the tests above rule out is a match on the terms alone
    trader, other = pair
    key = sim.accounts[0].account_id_key
    cid = lost_place(sim, trader, key, equity("IBM"))
    theirs = other.orders.place(key, other.orders.preview(key, equity("IBM")))
    placed = trader.orders.resolve(key, cid)
    assert placed is not None and placed.order_id == theirs.order_id
    assert placed.client_order_id == cid
    # the journal keeps the answer: the intent is done, with that order
    entry = trader.journal.find(key, cid)
    assert entry is not None
    assert (entry.status, entry.order_id, entry.evidence) == (
        Status.DONE,
        theirs.order_id,
        "order_list",
    )
    lists = sim.log.hits(path_glob="/v1/accounts/*/orders")
    again = trader.orders.resolve(key, cid)
    assert again is not None and again.order_id == theirs.order_id
    assert sim.log.hits(path_glob="/v1/accounts/*/orders") == lists  # no new list search


def test_a_lost_place_is_not_given_a_replacement_made_by_a_change(
    sim: Simulator, pair: tuple[Client, Client]
) -> None:
    """Another machine changes its order to the very terms of the lost place: the
    replacement replaced an order, so it is a change's, never this place's."""
    trader, other = pair
    key = sim.accounts[0].account_id_key
    theirs = other.orders.place(key, other.orders.preview(key, equity("IBM")))
    cid = lost_place(sim, trader, key, equity("IBM", quantity=2))
    change = other.orders.preview_change(key, theirs.order_id, equity("IBM", quantity=2))
    replacement = other.orders.place_change(key, theirs.order_id, change)
    assert_not_placed(sim, trader, key, cid)
    assert replacement.order_id in [o.order_id for o in sim.orders(key)]


def test_a_lost_change_is_not_given_the_replacement_of_another_order(
    sim: Simulator, pair: tuple[Client, Client]
) -> None:
    """The trader's change of order A never arrives; another machine changes order B
    to the same terms. B's replacement is not A's."""
    from etrade_sync.errors import OrderOutcomeUnknownError

    trader, other = pair
    key = sim.accounts[0].account_id_key
    mine = trader.orders.place(key, trader.orders.preview(key, equity("IBM")))
    theirs = other.orders.place(key, other.orders.preview(key, equity("IBM", quantity=3)))
    lost = trader.orders.preview_change(key, mine.order_id, equity("IBM", quantity=2))
    sim.faults.script("/v1/accounts/*/orders/*/change/place", Fault.drop())
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place_change(key, mine.order_id, lost)
    change = other.orders.preview_change(key, theirs.order_id, equity("IBM", quantity=2))
    other.orders.place_change(key, theirs.order_id, change)
    assert trader.orders.resolve(key, lost.client_order_id) is None
    states = {o.order_id: o.status for o in sim.orders(key)}
    assert states[mine.order_id] == "OPEN"


@pytest.mark.parametrize(
    ("side", "strike"),
    [
        pytest.param("PUT", 200, id="a-put-not-the-call"),
        pytest.param("CALL", 205, id="another-strike"),
    ],
)
def test_an_option_order_on_another_contract_is_not_the_intents(
    sim: Simulator, pair: tuple[Client, Client], margin_key: str, side: str, strike: int
) -> None:
    trader, other = pair
    expiry = trader.market.option_expirations("IBM", expiry_type="MONTHLY")[0].date

    def buy(side: str, strike: int) -> OptionOrder:
        contract = OptionSymbol("IBM", expiry, side, strike)
        return OptionOrder(contract, "BUY_OPEN", 1, price_type="LIMIT", limit_price="0.05")

    theirs = other.orders.place(margin_key, other.orders.preview(margin_key, buy(side, strike)))
    cid = lost_place(sim, trader, margin_key, buy("CALL", 200))
    assert_not_placed(sim, trader, margin_key, cid)
    assert [o.order_id for o in sim.orders(margin_key)] == [theirs.order_id]


def test_an_option_order_on_another_expiry_is_not_the_intents(
    sim: Simulator, pair: tuple[Client, Client], margin_key: str
) -> None:
    trader, other = pair
    first, second = (
        e.date for e in trader.market.option_expirations("IBM", expiry_type="MONTHLY")[:2]
    )

    def buy(expiry: object) -> OptionOrder:
        contract = OptionSymbol("IBM", expiry, "CALL", 200)  # type: ignore[arg-type]
        return OptionOrder(contract, "BUY_OPEN", 1, price_type="LIMIT", limit_price="0.05")

    other.orders.place(margin_key, other.orders.preview(margin_key, buy(second)))
    cid = lost_place(sim, trader, margin_key, buy(first))
    assert_not_placed(sim, trader, margin_key, cid)


def test_two_orders_with_the_intents_terms_leave_it_unknown(
    sim: Simulator, pair: tuple[Client, Client]
) -> None:
    from etrade_sync.errors import OrderOutcomeUnknownError

    trader, other = pair
    key = sim.accounts[0].account_id_key
    cid = lost_place(sim, trader, key, equity("IBM"))
    for _ in range(2):
        other.orders.place(key, other.orders.preview(key, equity("IBM")))
    with pytest.raises(OrderOutcomeUnknownError, match="2 orders match its terms"):
        trader.orders.resolve(key, cid)
    entry = trader.journal.find(key, cid)
    assert entry is not None and entry.status == Status.UNKNOWN
