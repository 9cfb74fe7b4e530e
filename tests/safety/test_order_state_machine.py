"""Model-based proof of "never an order placed twice".

A hypothesis state machine places, changes, cancels, resolves and re-places the same
logical orders from several threads, two clients and a worker process that share one
journal, against a fresh simulator per schedule with random faults (503 before commit,
commit-then-drop, drop, delay past the read timeout, 307, duplicate refusal). A logical
order follows the README's recipe: after ``resolve`` answered ``None`` it may be placed
again, with the same preview or a new one (a new clientOrderId).

Invariants after every step: at the simulator each logical order produced at most one
order; every ``resolve`` answer agreed with the simulator's book (and a "not placed"
stays true); every place request the simulator saw was journaled first; the journal's
settled states match the book.

``ORDER_SM_EXAMPLES`` and ``ORDER_SM_STEPS`` set the number of schedules and the steps
per schedule (CI: 25 x 12); the figures are printed at the end (``-s``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from etrade_sync import EquityOrder
from etrade_sync.client import Client
from etrade_sync.errors import ETradeError, OrderIntentExistsError, OrderOutcomeUnknownError
from etrade_sync.models.orders import Preview
from etrade_sync.orders import Status
from etrade_sync.ratelimit import RateGate
from etrade_sync.simulator import Fault, Simulator
from tests.support import settings_for

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("ORDER_SM_EXAMPLES", "25"))
STEPS = int(os.environ.get("ORDER_SM_STEPS", "12"))
UNLIMITED = dict.fromkeys(("accounts", "market", "orders", "alerts"), "unlimited")
PLACE = "/v1/accounts/*/orders/place"
CHANGE = "/v1/accounts/*/orders/*/change/place"
CANCEL = "/v1/accounts/*/orders/cancel"
READ_TIMEOUT = 0.5  # a delay of 0.6 s is a lost answer whose order still commits
SETTLE = 0.6  # > 0.6 - 0.5, with room for a loaded machine: a late commit lands in time
FAULTS = [
    None,
    None,
    Fault.status(503),
    Fault.commit_then_drop(),
    Fault.drop(),
    Fault.delay(0.6),
    Fault.redirect(307, "http://127.0.0.1:9/elsewhere"),
    Fault.duplicate(),
]
# Every choice is drawn up front as a number, never from the simulator's state, so a
# schedule draws the same data however the threads and faults played out.
PICK = st.integers(0, 1_000)
WHO = st.integers(0, 1)
FIGURES = {"schedules": 0, "steps": 0, "duplicates": 0, "wrong": 0, "placed": 0,
           "not_placed": 0, "unknown": 0, "refused_locally": 0, "faults": 0}  # fmt: skip


def _worker(commands: Any, answers: Any) -> None:
    """A second process placing previews on the shared journal."""
    while True:
        job = commands.get()
        if job is None:
            return
        conf, token, preview = job
        client = Client(conf, gate=RateGate(conf.resolved_rate_limits))
        client.auth.use_token(*token)
        answers.put(_place(client, preview))
        client.close()


def _place(client: Client, preview: Preview) -> str:
    try:
        client.orders.place(preview.account_id_key, preview)
    except OrderIntentExistsError:
        return "exists"
    except OrderOutcomeUnknownError:
        return "unknown"
    except ETradeError as exc:
        return type(exc).__name__
    return "placed"


@pytest.fixture(scope="module")
def worker() -> Iterator[tuple[Any, Any]]:
    ctx = multiprocessing.get_context("spawn")
    commands, answers = ctx.Queue(), ctx.Queue()
    process = ctx.Process(target=_worker, args=(commands, answers), daemon=True)
    process.start()
    yield commands, answers
    commands.put(None)
    process.join(30)


@dataclass
class Logical:
    """One order the user wants, across the clientOrderIds it was tried with."""

    symbol: str
    quantity: int
    price: Decimal
    previews: list[Preview] = field(default_factory=list)
    not_placed: set[str] = field(default_factory=set)  # cids resolve said were not placed


class OrderMachine(RuleBasedStateMachine):
    worker: tuple[Any, Any]

    def __init__(self) -> None:
        super().__init__()
        FIGURES["schedules"] += 1
        self.sim = Simulator()
        self.sim.__enter__()
        self.folder = os.path.join(os.environ["ORDER_SM_TMP"], f"s{FIGURES['schedules']}")
        os.makedirs(self.folder)
        self.conf = settings_for(
            self.sim,
            rate_limits=UNLIMITED,
            journal_file=os.path.join(self.folder, "journal.sqlite3"),
            token_file=os.path.join(self.folder, "tokens.json"),
            read_timeout=READ_TIMEOUT,
            order_settle_time=SETTLE,
        )
        self.token = self.sim.issue_access_token()
        self.clients = [self._client() for _ in range(2)]
        self.key = self.sim.accounts[0].account_id_key
        self.logical: list[Logical] = []
        self.changes: list[str] = []  # change clientOrderIds
        self.cancels: list[int] = []  # order ids a cancel was sent for

    def _client(self) -> Client:
        client = Client(self.conf, gate=RateGate(self.conf.resolved_rate_limits))
        client.auth.use_token(*self.token)
        return client

    def teardown(self) -> None:
        try:
            time.sleep(SETTLE)
            for entry in self.clients[0].journal.unresolved():
                self._resolve_entry(entry.client_order_id, entry.operation, entry.target_order_id)
            self.book_matches_journal()
        finally:
            for client in self.clients:
                client.close()
            self.sim.__exit__(None, None, None)

    # -- helpers -------------------------------------------------------------------

    def _fault(self, path: str, fault: Fault | None) -> None:
        self.sim.faults.clear()
        if fault is not None:
            FIGURES["faults"] += 1
            self.sim.faults.script(path, fault)

    def _book(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for order in self.sim.orders(self.key):
            out.setdefault(order.client_order_id, []).append(order)
        return out

    def _wrong(self, what: str) -> None:
        FIGURES["wrong"] += 1
        raise AssertionError(f"wrong verdict: {what}")

    def _resolve_entry(self, cid: str | None, operation: str, target: int | None) -> None:
        client = self.clients[0]
        try:
            if operation == "cancel":
                assert target is not None
                found = client.orders.resolve_cancel(self.key, target, wait=False)
                order = {o.order_id: o for o in self.sim.orders(self.key)}[target]
                cancelled = order.status == "CANCELLED"
                # "not cancelled" may stand for an order a change replaced since
                if (found is not None and not cancelled) or (
                    found is None and cancelled and order.replaced_by_order_id is None
                ):
                    self._wrong(f"cancel of {target}: resolve {found}, book {order.status}")
                return
            assert cid is not None
            placed = client.orders.resolve(self.key, cid, wait=False)
        except OrderOutcomeUnknownError:
            FIGURES["unknown"] += 1
            return
        book = self._book().get(cid, [])
        if placed is None:
            FIGURES["not_placed"] += 1
            if book:
                self._wrong(f"{cid}: resolve said not placed, book has {book[0].order_id}")
            for item in self.logical:
                if any(p.client_order_id == cid for p in item.previews):
                    item.not_placed.add(cid)
        else:
            FIGURES["placed"] += 1
            if [o.order_id for o in book] != [placed.order_id]:
                self._wrong(f"{cid}: resolve said {placed.order_id}, book {book}")

    # -- rules ---------------------------------------------------------------------

    @rule(
        symbol=st.sampled_from(["IBM", "MSFT"]),
        quantity=st.integers(1, 2),
        price=st.sampled_from([Decimal("1.00"), Decimal("1.50")]),
    )
    def new_order(self, symbol: str, quantity: int, price: Decimal) -> None:
        FIGURES["steps"] += 1
        self.logical.append(Logical(symbol, quantity, price))

    @precondition(lambda self: self.logical)
    @rule(
        pick=PICK,
        fault=st.sampled_from(FAULTS),
        racers=st.integers(1, 4),
        fresh=st.booleans(),
        in_process=st.booleans(),
    )
    def place(
        self, pick: int, fault: Fault | None, racers: int, fresh: bool, in_process: bool
    ) -> None:
        """Place a logical order (its last preview again, or a new preview) from several
        threads of two clients, and maybe the worker process, at once."""
        FIGURES["steps"] += 1
        item = self.logical[pick % len(self.logical)]
        journal = self.clients[0].journal
        last = journal.find(self.key, item.previews[-1].client_order_id) if item.previews else None
        # the README's recipe: a new preview only when the last one was proven not placed
        if not item.previews or (fresh and (last is None or last.status in Status.REOPENABLE)):
            order = EquityOrder(
                item.symbol, "BUY", item.quantity, price_type="LIMIT", limit_price=item.price
            )
            try:
                item.previews.append(self.clients[0].orders.preview(self.key, order))
            except ETradeError:
                return
        preview = item.previews[-1]
        item.not_placed.discard(preview.client_order_id)  # may be placed again now
        self._fault(PLACE, fault)
        outcomes: list[str] = []
        start = threading.Event()

        def one(client: Client) -> None:
            start.wait(10)
            outcomes.append(_place(client, preview))

        threads = [threading.Thread(target=one, args=(self.clients[i % 2],)) for i in range(racers)]
        for thread in threads:
            thread.start()
        if in_process:
            self.worker[0].put((self.conf, self.token, preview))
        start.set()
        for thread in threads:
            thread.join()
        if in_process:
            outcomes.append(self.worker[1].get(timeout=60))
        FIGURES["refused_locally"] += outcomes.count("exists")
        assert sum(o != "exists" for o in outcomes) <= 1, outcomes

    @precondition(lambda self: self.logical)
    @rule(pick=PICK, fault=st.sampled_from(FAULTS), quantity=st.integers(3, 4), who=WHO)
    def change(self, pick: int, fault: Fault | None, quantity: int, who: int) -> None:
        FIGURES["steps"] += 1
        open_orders = [o for o in self.sim.orders(self.key) if o.status == "OPEN"]
        if not open_orders:
            return
        target = open_orders[pick % len(open_orders)]
        leg = target.legs[0]
        order = EquityOrder(
            leg.symbol, "BUY", quantity, price_type="LIMIT", limit_price=target.limit_price
        )
        client = self.clients[who]
        try:
            preview = client.orders.preview_change(self.key, target.order_id, order)
        except ETradeError:
            return
        self.changes.append(preview.client_order_id)
        self._fault(CHANGE, fault)
        with contextlib.suppress(ETradeError):
            client.orders.place_change(self.key, target.order_id, preview)

    @precondition(lambda self: self.logical)
    @rule(pick=PICK, fault=st.sampled_from(FAULTS), who=WHO)
    def cancel(self, pick: int, fault: Fault | None, who: int) -> None:
        FIGURES["steps"] += 1
        orders = self.sim.orders(self.key)
        if not orders:
            return
        target = orders[pick % len(orders)]
        self.cancels.append(target.order_id)
        self._fault(CANCEL, fault)
        with contextlib.suppress(ETradeError):
            self.clients[who].orders.cancel(self.key, target.order_id)

    @precondition(lambda self: self.logical)
    @rule(pick=PICK, settle=st.booleans(), open_first=st.booleans())
    def resolve(self, pick: int, settle: bool, open_first: bool) -> None:
        FIGURES["steps"] += 1
        self.sim.faults.clear()
        if settle:
            time.sleep(SETTLE)
        journal = self.clients[0].journal
        entries = journal.unresolved() if open_first else []
        entries = entries or journal.entries(limit=1000)
        if not entries:
            return
        entry = entries[pick % len(entries)]
        self._resolve_entry(entry.client_order_id, entry.operation, entry.target_order_id)

    # -- invariants ----------------------------------------------------------------

    @invariant()
    def one_order_per_logical_order(self) -> None:
        book = self._book()
        for item in self.logical:
            made = [o for p in item.previews for o in book.get(p.client_order_id, [])]
            if len(made) > 1:
                FIGURES["duplicates"] += 1
                raise AssertionError(f"{item}: {len(made)} orders at the simulator")
            for cid in item.not_placed:
                if book.get(cid):
                    self._wrong(f"{cid} was resolved not placed but is on the book")

    @invariant()
    def every_send_was_journaled(self) -> None:
        if not hasattr(self, "clients"):
            return
        attempts = {"place": 0, "change": 0, "cancel": 0}
        for entry in self.clients[0].journal.entries(limit=10_000):
            attempts[entry.operation] += entry.attempts
        assert self.sim.log.hits(PLACE) == attempts["place"]
        assert self.sim.log.hits(CHANGE) == attempts["change"]
        assert self.sim.log.hits(CANCEL) == attempts["cancel"]

    @invariant()
    def book_matches_journal(self) -> None:
        if not hasattr(self, "clients"):
            return
        book = self._book()
        by_id = {o.order_id: o for o in self.sim.orders(self.key)}
        for entry in self.clients[0].journal.entries(limit=10_000):
            if entry.operation == "cancel":
                if entry.status == Status.DONE:
                    assert by_id[entry.target_order_id].status == "CANCELLED"  # type: ignore[index]
                continue
            found = [o.order_id for o in book.get(entry.client_order_id or "", [])]
            if entry.status == Status.DONE:
                assert found == [entry.order_id], (entry, found)
            elif entry.status in (Status.NOT_PLACED, Status.REJECTED):
                assert found == [], (entry, found)


@pytest.mark.timeout(max(900, EXAMPLES * STEPS))
def test_never_an_order_placed_twice_under_any_schedule(
    worker: tuple[Any, Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDER_SM_TMP", str(tmp_path))
    OrderMachine.worker = worker
    started = time.monotonic()
    run_state_machine_as_test(
        OrderMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(
        f"\norder state machine: {FIGURES} in {time.monotonic() - started:.0f} s "
        f"({EXAMPLES} x {STEPS} asked)"
    )
    assert FIGURES["duplicates"] == 0
    assert FIGURES["wrong"] == 0
    assert FIGURES["schedules"] >= min(EXAMPLES, 10)
