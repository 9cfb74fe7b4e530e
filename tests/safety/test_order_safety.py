"""The review's findings, over real sockets: local guard, three-outcome resolve,
change and cancel resolution, journals that cannot mix."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from etrade_sync import EquityOrder, Settings
from etrade_sync.client import Client
from etrade_sync.errors import DuplicateOrderError, OrderIntentExistsError, OrderOutcomeUnknownError
from etrade_sync.orders import Status
from etrade_sync.simulator import Fault, Simulator
from tests.safety.order_workers import place_outcome, place_racers

UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")
PLACE = "/v1/accounts/*/orders/place"
CHANGE = "/v1/accounts/*/orders/*/change/place"
CANCEL = "/v1/accounts/*/orders/cancel"


@pytest.fixture
def trader(make_client: Callable[..., Client]) -> Client:
    return make_client(rate_limits=UNLIMITED, order_settle_time=0.2)


def limit_buy(symbol: str = "IBM", quantity: int = 1, **kw: object) -> EquityOrder:
    # Far below the market: stays OPEN.
    return EquityOrder(
        symbol, "BUY", quantity, price_type="LIMIT", limit_price=Decimal("1.00"), **kw
    )


def key_of(sim: Simulator) -> str:
    return sim.accounts[0].account_id_key


def test_reviews_scenario_repeat_is_refused_locally_and_resolve_finds_the_order(
    sim: Simulator, trader: Client
) -> None:
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    sim.faults.script(PLACE, Fault.commit_then_drop())
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place(key, preview)
    # a retry wrapper places the same preview again: refused before any request
    with pytest.raises(OrderIntentExistsError) as info:
        trader.orders.place(key, preview)
    assert info.value.status == Status.UNKNOWN
    assert info.value.command == f"etrade-sync resolve ACCOUNT {preview.client_order_id}"
    assert sim.log.hits(PLACE) == 1
    placed = trader.orders.resolve(key, preview.client_order_id)
    assert placed is not None
    book = [o for o in sim.orders(key) if o.client_order_id == preview.client_order_id]
    assert [o.order_id for o in book] == [placed.order_id]
    assert len(sim.orders(key)) == 1
    # resolved: a repeat is still refused, and resolve keeps answering the order
    with pytest.raises(OrderIntentExistsError):
        trader.orders.place(key, preview)
    assert trader.orders.resolve(key, preview.client_order_id).order_id == placed.order_id  # type: ignore[union-attr]
    assert sim.log.hits(PLACE) == 1


def test_a_repeat_of_a_successful_place_never_poisons_resolve(
    sim: Simulator, trader: Client
) -> None:
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    placed = trader.orders.place(key, preview)
    with pytest.raises(OrderIntentExistsError) as info:
        trader.orders.place(key, preview)
    assert info.value.status == Status.DONE
    assert trader.orders.resolve(key, preview.client_order_id).order_id == placed.order_id  # type: ignore[union-attr]
    assert sim.log.hits(PLACE) == 1


def test_etrades_duplicate_answer_is_evidence_the_order_exists(
    sim: Simulator, trader: Client, make_client: Callable[..., Client], tmp_path: Path
) -> None:
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    sim.faults.script(PLACE, Fault.commit_then_drop())
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place(key, preview)
    # another machine (its own journal) sends the same preview: E*TRADE refuses it
    other = make_client(
        rate_limits=UNLIMITED, order_settle_time=0.0, journal_file=tmp_path / "other.sqlite3"
    )
    with pytest.raises(OrderOutcomeUnknownError) as info:
        other.orders.place(key, preview)
    assert isinstance(info.value.__cause__, DuplicateOrderError)
    (order,) = sim.orders(key)
    assert other.orders.resolve(key, preview.client_order_id).order_id == order.order_id  # type: ignore[union-attr]
    assert trader.orders.resolve(key, preview.client_order_id).order_id == order.order_id  # type: ignore[union-attr]
    assert sim.log.hits(PLACE) == 2


def test_a_duplicate_answer_never_turns_into_not_placed(sim: Simulator, trader: Client) -> None:
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    sim.faults.script(PLACE, Fault.duplicate())
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place(key, preview)
    with pytest.raises(OrderOutcomeUnknownError, match="already used"):
        trader.orders.resolve(key, preview.client_order_id)  # even after the settle time
    assert trader.journal.find(key, preview.client_order_id).status == Status.UNKNOWN  # type: ignore[union-attr]


def test_not_placed_only_after_the_settle_time(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    trader = make_client(rate_limits=UNLIMITED, order_settle_time=1.0)
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    sim.faults.script(PLACE, Fault.drop())
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place(key, preview)
    with pytest.raises(OrderOutcomeUnknownError, match="settle time"):
        trader.orders.resolve(key, preview.client_order_id, wait=False)
    lists_before = sim.log.hits("/v1/accounts/*/orders")
    assert trader.orders.resolve(key, preview.client_order_id) is None  # waits it out
    assert sim.log.hits("/v1/accounts/*/orders") == lists_before + 2
    # proven not placed: the same preview may now be placed, once
    assert trader.orders.place(key, preview).order_id > 0
    assert len(sim.orders(key)) == 1


def test_a_late_commit_within_the_settle_time_is_found(
    sim: Simulator, make_client: Callable[..., Client]
) -> None:
    trader = make_client(rate_limits=UNLIMITED, order_settle_time=2.0, read_timeout=0.3)
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    sim.faults.script(PLACE, Fault.delay(1.0))  # the answer comes after the client gave up
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place(key, preview)
    placed = trader.orders.resolve(key, preview.client_order_id)
    assert placed is not None
    assert [o.order_id for o in sim.orders(key)] == [placed.order_id]


@pytest.mark.slow
def test_16_threads_and_4_processes_send_one_place(
    sim: Simulator, make_client: Callable[..., Client], tmp_path: Path
) -> None:
    journal = tmp_path / "shared.sqlite3"
    trader = make_client(rate_limits=UNLIMITED, journal_file=journal)
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    token = sim.issue_access_token()
    workers = [
        ctx.Process(target=place_racers, args=(trader.settings, token, preview, 4, start, results))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    outcomes: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        start.wait(30)
        outcome = place_outcome(trader, preview)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(16)]
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
        outcomes.extend(results.get(timeout=5))
    assert len(outcomes) == 32
    assert sorted(set(outcomes)) == ["exists", "placed"]
    assert outcomes.count("placed") == 1
    assert sim.log.hits(PLACE) == 1
    assert len(sim.orders(key)) == 1


def test_change_with_unknown_outcome_resolves_to_the_replacement(
    sim: Simulator, trader: Client
) -> None:
    key = key_of(sim)
    first = trader.orders.place(key, trader.orders.preview(key, limit_buy()))
    change = trader.orders.preview_change(key, first.order_id, limit_buy(quantity=2))
    sim.faults.script(CHANGE, Fault.commit_then_drop())
    with pytest.raises(OrderOutcomeUnknownError) as info:
        trader.orders.place_change(key, first.order_id, change)
    assert info.value.operation == "orders.place_change"
    with pytest.raises(OrderIntentExistsError):
        trader.orders.place_change(key, first.order_id, change)
    replaced = trader.orders.resolve(key, change.client_order_id)
    assert replaced is not None
    assert replaced.replaced_order_id == first.order_id
    book = {o.order_id: o for o in sim.orders(key)}
    assert book[first.order_id].status == "CANCELLED"
    assert book[replaced.order_id].replaces_order_id == first.order_id
    assert sim.log.hits(CHANGE) == 1


def test_change_dropped_before_processing_resolves_to_not_changed(
    sim: Simulator, trader: Client
) -> None:
    key = key_of(sim)
    first = trader.orders.place(key, trader.orders.preview(key, limit_buy()))
    change = trader.orders.preview_change(key, first.order_id, limit_buy(quantity=2))
    sim.faults.script(CHANGE, Fault.drop())
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place_change(key, first.order_id, change)
    assert trader.orders.resolve(key, change.client_order_id) is None
    assert [(o.order_id, o.status) for o in sim.orders(key)] == [(first.order_id, "OPEN")]


@pytest.mark.parametrize("same_terms", [False, True])
def test_a_lost_change_never_claims_another_changes_replacement(
    sim: Simulator, trader: Client, same_terms: bool
) -> None:
    key = key_of(sim)
    first = trader.orders.place(key, trader.orders.preview(key, limit_buy()))
    lost = trader.orders.preview_change(key, first.order_id, limit_buy(quantity=2))
    sim.faults.script(CHANGE, Fault.status(503))  # refused before processing
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place_change(key, first.order_id, lost)
    other = trader.orders.preview_change(
        key, first.order_id, limit_buy(quantity=2 if same_terms else 3)
    )
    made = trader.orders.place_change(key, first.order_id, other)
    assert trader.orders.resolve(key, lost.client_order_id) is None
    assert trader.orders.resolve(key, other.client_order_id).order_id == made.order_id  # type: ignore[union-attr]
    assert [o.client_order_id for o in sim.orders(key)] == [
        first.client_order_id,
        other.client_order_id,
    ]


@pytest.mark.parametrize(
    ("fault", "cancelled"), [(Fault.commit_then_drop(), True), (Fault.drop(), False)]
)
def test_cancel_with_unknown_outcome_resolves(
    sim: Simulator, trader: Client, fault: Fault, cancelled: bool
) -> None:
    key = key_of(sim)
    placed = trader.orders.place(key, trader.orders.preview(key, limit_buy()))
    sim.faults.script(CANCEL, fault)
    with pytest.raises(OrderOutcomeUnknownError) as info:
        trader.orders.cancel(key, placed.order_id)
    assert "resolve_cancel" in str(info.value)
    with pytest.raises(OrderIntentExistsError) as refused:
        trader.orders.cancel(key, placed.order_id)
    assert refused.value.command == f"etrade-sync resolve ACCOUNT --cancel {placed.order_id}"
    assert sim.log.hits(CANCEL) == 1
    found = trader.orders.resolve_cancel(key, placed.order_id)
    (order,) = sim.orders(key)
    if cancelled:
        assert found is not None
        assert found.status == "CANCELLED" == order.status
    else:
        assert found is None
        assert order.status == "OPEN"
        trader.orders.cancel(key, placed.order_id)  # proven not cancelled: may be sent again
        assert sim.orders(key)[0].status == "CANCELLED"


def _simulator_run(tmp_path: Path) -> list[int]:
    """The README's set-up: default settings, a dropped answer, resolve."""
    with Simulator() as sim:
        settings = Settings(
            consumer_key=sim.consumer_key,
            consumer_secret=sim.consumer_secret,
            base_url=sim.url,
            oauth_base_url=sim.url,
            token_store="memory",
            rate_limits=UNLIMITED,
        )
        with Client(settings) as client:
            client.auth.use_token(*sim.issue_access_token())
            key = key_of(sim)
            first = client.orders.place(key, client.orders.preview(key, limit_buy()))
            preview = client.orders.preview(key, limit_buy("MSFT"))
            sim.faults.script(PLACE, Fault.commit_then_drop())
            with pytest.raises(OrderOutcomeUnknownError):
                client.orders.place(key, preview)
            second = client.orders.resolve(key, preview.client_order_id)
            assert second is not None
            book = {o.client_order_id: o.order_id for o in sim.orders(key)}
            assert book == {
                first.client_order_id: first.order_id,
                preview.client_order_id: second.order_id,
            }
            return [first.order_id, second.order_id]


def test_two_simulator_runs_resolve_right_and_leave_the_default_journal_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.delenv("ETRADE_JOURNAL_FILE", raising=False)
    assert Settings().journal_path == home / "state" / "etrade_sync" / "journal.sqlite3"
    first = _simulator_run(tmp_path)
    second = _simulator_run(tmp_path)
    assert first == second  # the simulator repeats its order ids
    assert not home.exists() or not any(home.rglob("journal*"))


@pytest.mark.parametrize(
    "fault",
    [
        Fault.status(200, body="<html>maintenance</html>", content_type="text/html"),
        Fault.status(200, body={"PlaceOrderResponse": {"orderType": "EQ"}}),
        Fault.status(502),
    ],
    ids=["undecodable", "no-order-id", "502"],
)
def test_answers_that_leave_the_outcome_open_are_unknown(
    sim: Simulator, trader: Client, fault: Fault
) -> None:
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    sim.faults.script(PLACE, fault)
    with pytest.raises(OrderOutcomeUnknownError):
        trader.orders.place(key, preview)
    assert trader.journal.find(key, preview.client_order_id).status == Status.UNKNOWN  # type: ignore[union-attr]
    assert trader.orders.resolve(key, preview.client_order_id) is None  # not processed
    assert sim.log.hits(PLACE) == 1


@pytest.mark.parametrize(
    "answer",
    [
        {"PlaceOrderResponse": {"OrderIds": [{"orderId": "4321"}]}},
        {"PlaceOrderResponse": {"OrderIds": {"orderId": 4321}}},
        {"PlaceOrderResponse": {"orderId": "4321"}},
    ],
)
def test_one_order_id_parser_for_the_answer_and_the_journal(
    sim: Simulator, trader: Client, answer: dict[str, object]
) -> None:
    key = key_of(sim)
    preview = trader.orders.preview(key, limit_buy())
    sim.faults.script(PLACE, Fault.status(200, body=answer))
    placed = trader.orders.place(key, preview)
    entry = trader.journal.find(key, preview.client_order_id)
    assert entry is not None
    assert (placed.order_id, entry.status, entry.order_id) == (4321, Status.DONE, 4321)


def test_option_orders_resolve_by_strike_and_call_put(sim: Simulator, trader: Client) -> None:
    from etrade_sync import OptionOrder, OptionSymbol

    key = next(a.account_id_key for a in sim.accounts if a.is_open and a.is_margin)
    expiry = trader.market.option_expirations("IBM", expiry_type="MONTHLY")[0].date

    def buy(call_put: str, strike: int) -> OptionOrder:
        contract = OptionSymbol("IBM", expiry, call_put, strike)
        return OptionOrder(contract, "BUY_OPEN", 1, price_type="LIMIT", limit_price="0.05")

    # three answers lost: same price and quantity, another strike, the other side
    previews = [trader.orders.preview(key, buy(cp, k)) for cp, k in
                [("CALL", 210), ("PUT", 200), ("CALL", 200)]]  # fmt: skip
    for other in previews:
        sim.faults.script(PLACE, Fault.commit_then_drop())
        with pytest.raises(OrderOutcomeUnknownError):
            trader.orders.place(key, other)
    preview = previews[-1]
    book = {o.client_order_id: o.order_id for o in sim.orders(key)}
    for each in (preview, *previews[:2]):
        placed = trader.orders.resolve(key, each.client_order_id)
        assert placed is not None
        assert placed.order_id == book[each.client_order_id]
