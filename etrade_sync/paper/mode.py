"""
etrade_sync.paper.mode
~~~~~~~~~~~~~~~~~~~~~~

This module provides the wiring of a paper client (``environment="paper"``):

- :class:`MarketOnlyTransport`: the HTTP transport of a paper client. It serves the
  market and OAuth categories only; any other call (accounts, orders, alerts) is
  refused before the gate, the signature or the session are touched.
- :class:`QuoteTap`: what ``client.market`` sends through: the transport, plus every
  quote answer handed to the paper broker so resting orders fill on arrival.
- :class:`GroupParts`: the narrow view an endpoint group gets of its client. The
  accounts, orders and alerts groups of a paper client get one whose requestor is the
  :class:`~etrade_sync.paper.broker.PaperBroker`: they hold no transport at all.
- :class:`PaperTrading` (``client.paper``): status, history, reset and poll.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ..models.base import as_list, dig
from ..models.market import Quote
from ..transport import Call, Transport
from .broker import PaperBroker

if TYPE_CHECKING:
    import requests

    from ..cache import CacheSet
    from ..config import Settings
    from ..orders import JournalStore

__all__ = ["Fill", "FillList", "GroupParts", "MarketOnlyTransport", "PaperTrading", "QuoteTap"]

log = logging.getLogger("etrade_sync.paper")

#: The only categories a paper client's transport serves.
MARKET_CATEGORIES = frozenset({"market", "oauth"})


class MarketOnlyTransport(Transport):
    """A transport that serves market data and the login, and nothing else."""

    def request(self, call: Call, *, auth: Any = None) -> requests.Response:
        if call.category not in MARKET_CATEGORIES:
            raise ConfigurationError(
                f"paper mode: {call.name} ({call.category}) never goes to E*TRADE",
                name="environment",
            )
        return super().request(call, auth=auth)


class QuoteTap:
    """Sends market calls through ``transport`` and hands quote answers to ``broker``."""

    def __init__(self, transport: Transport, broker: PaperBroker) -> None:
        self._transport = transport
        self._broker = broker

    def call_json(self, call: Call) -> Any:
        data = self._transport.call_json(call)
        if call.name == "market.quote":
            quotes: dict[str, Quote] = {}
            for row in as_list(dig(data, "QuoteResponse", "QuoteData")):
                if isinstance(row, Mapping):
                    quote = Quote.from_api(row)
                    if quote.symbol:
                        quotes[quote.symbol] = quote
            if quotes:
                try:
                    self._broker.on_quotes(quotes)
                except Exception:  # a paper fill must never break a market read
                    log.exception("paper broker: checking resting orders failed")
        return data


@dataclasses.dataclass
class GroupParts:
    """What an endpoint group uses of its client (see ``api.base.ClientParts``)."""

    settings: Settings
    transport: Any
    cache: CacheSet
    journal: JournalStore


@dataclasses.dataclass(frozen=True)
class Fill:
    """One paper execution."""

    order_id: int
    account_id_key: str
    symbol: str
    action: str
    quantity: Decimal
    price: Decimal
    commission: Decimal
    realised_pnl: Decimal
    at: dt.datetime


class FillList(list[Fill]):
    """Fills, oldest first; :meth:`to_dataframe` for notebooks."""

    def to_dataframe(self, **kwargs: Any) -> Any:
        from ..models.frames import to_dataframe

        return to_dataframe(self, **kwargs)


class PaperTrading:
    """``client.paper``: the paper book of a paper client."""

    def __init__(self, broker: PaperBroker) -> None:
        self.broker = broker
        self._stop = threading.Event()

    @property
    def path(self) -> str:
        return str(self.broker.store.path)

    def reset(self, cash: Decimal | int | str = Decimal("100000"), *, accounts: int = 1) -> None:
        """Drop every paper order, position and fill; open ``accounts`` accounts with
        ``cash`` each (keys ``PAPER1``, ``PAPER2``, ...)."""
        self.broker.reset(Decimal(str(cash)), accounts=accounts)

    def check(self) -> int:
        """Read quotes for every resting order now; return how many filled."""
        return self.broker.check()

    def poll(self, interval: float = 5.0, *, rounds: int | None = None) -> int:
        """Check resting orders every ``interval`` seconds (``rounds`` times, or until
        :meth:`stop`); return the fills. A sync library runs no thread of its own: call
        this in yours if you want one."""
        filled, done = 0, 0
        self._stop.clear()
        while rounds is None or done < rounds:
            filled += self.check()
            done += 1
            if (rounds is not None and done >= rounds) or self._stop.wait(interval):
                break
        return filled

    def stop(self) -> None:
        self._stop.set()

    def history(self, account_id_key: str | None = None) -> FillList:
        """Every fill, oldest first."""
        return FillList(
            Fill(
                f.order_id,
                f.account_key,
                f.symbol,
                f.action,
                f.quantity,
                f.price,
                f.commission,
                f.realised,
                dt.datetime.fromtimestamp(f.at_ms / 1000, tz=dt.UTC),
            )
            for f in self.broker.store.fills(account_id_key)
        )

    def status(self) -> list[dict[str, Any]]:
        """Per paper account: cash, starting cash, realised P&L, commissions, positions
        at cost and the number of open orders."""
        store = self.broker.store
        out = []
        for account in store.accounts():
            positions = store.positions(account.key)
            out.append(
                {
                    "account_id_key": account.key,
                    "account_id": account.account_id,
                    "cash": account.cash,
                    "start_cash": account.start_cash,
                    "realised_pnl": account.realised,
                    "commissions": account.commissions,
                    "positions": {
                        s: {"quantity": q, "cost": c} for s, (q, c, _) in positions.items()
                    },
                    "open_orders": len(store.orders(account.key, status="OPEN")),
                }
            )
        return out
