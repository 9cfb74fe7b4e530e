"""
etrade_sync.api.watch
~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`QuoteWatch`, the polling loop behind
``client.market.watch(symbols, every=...)``: a blocking iterator that yields the
quotes of a fixed set of symbols at a steady pace, through the rate gate and the
quote cache, and stops cleanly.

The pace is checked before the first request: a watch that would need more market
requests than E*TRADE's limits allow (every poll takes one request per 50 symbols) is
refused with the fastest pace that fits. Polls are scheduled on a fixed grid
(``start + k * every``), so a slow answer does not make the loop drift; a poll that is
late (the gate made it wait, because other watchers or threads share the budget) is
sent at once and the grid moves on, never catching up with a burst.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..config import RateSpec
from ..errors import ValidationError
from .quotes import MAX_SYMBOLS_PER_CALL, QuoteResult

__all__ = ["QuoteWatch", "fastest_pace"]

#: The fields whose change makes a quote "changed" for ``changed_only=True``.
_CHANGE_FIELDS = ("last", "bid", "ask", "bid_size", "ask_size", "volume", "as_of")


def fastest_pace(symbol_count: int, limits: Sequence[RateSpec] | None) -> float:
    """The shortest ``every`` (seconds) at which ``symbol_count`` symbols can be polled.

    Each poll takes ``ceil(symbol_count / 50)`` market requests; over a long run the
    tightest of the market limits (e.g. 4 per second and 14,000 per hour) decides.
    ``limits`` of ``None`` means unlimited: 0.
    """
    if not limits:
        return 0.0
    requests_per_poll = math.ceil(symbol_count / MAX_SYMBOLS_PER_CALL)
    sustained = min(count / period for count, period in limits)
    return requests_per_poll / sustained


class QuoteWatch(Iterator[QuoteResult]):
    """Yields a :class:`QuoteResult` per poll until stopped.

    Stop it with :meth:`close` (from any thread, it wakes a waiting poll at once),
    with ``until`` (a deadline), with ``max_polls``, by leaving a ``with`` block or by
    Ctrl-C, which ends the iteration instead of raising so that the code after the
    loop runs. With ``changed_only=True`` each result holds only the symbols whose
    quote changed since the previous poll (the first poll holds them all); a poll in
    which nothing changed yields nothing.
    """

    def __init__(
        self,
        fetch: Callable[..., QuoteResult],
        symbols: Sequence[str],
        *,
        every: float,
        limits: Sequence[RateSpec] | None,
        quote_ttl: float,
        detail: str = "ALL",
        changed_only: bool = False,
        until: float | dt.datetime | None = None,
        max_polls: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(every, bool) or not isinstance(every, int | float) or every <= 0:
            raise ValidationError(f"every must be a positive number of seconds, got {every!r}")
        if not symbols:
            raise ValidationError("watch needs at least one symbol")
        if max_polls is not None and (isinstance(max_polls, bool) or max_polls < 1):
            raise ValidationError(f"max_polls must be a positive whole number, got {max_polls!r}")
        fastest = fastest_pace(len(symbols), limits)
        if every < fastest:
            per_poll = math.ceil(len(symbols) / MAX_SYMBOLS_PER_CALL)
            raise ValidationError(
                f"watching {len(symbols)} symbols every {every:g} s is faster than the market "
                f"limit allows: each poll takes {per_poll} request(s), so the fastest pace is "
                f"every={math.ceil(fastest * 100) / 100:g} s (or watch fewer symbols)"
            )
        self._fetch = fetch
        self.symbols = tuple(symbols)
        self.every = float(every)
        self.detail = detail
        self.changed_only = changed_only
        self.max_polls = max_polls
        # A pace below the cache's lifetime asks E*TRADE each time; at or above it the
        # cache serves whatever another watcher or thread fetched within its TTL.
        self._fresh = self.every < quote_ttl
        self._clock = clock
        self._deadline = _deadline(until, clock)
        self._stop = threading.Event()
        self._last_seen: dict[str, tuple[Any, ...]] = {}
        self._next_due: float | None = None
        self.polls = 0

    @property
    def closed(self) -> bool:
        """True once the watch was stopped, by any means."""
        return self._stop.is_set()

    def close(self) -> None:
        """Stop the watch; a poll waiting for its turn returns at once."""
        self._stop.set()

    def __enter__(self) -> QuoteWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> QuoteWatch:
        return self

    def __next__(self) -> QuoteResult:
        try:
            while True:
                if not self._wait_for_turn():
                    raise StopIteration
                result = self._poll()
                if result is not None:
                    return result
        except KeyboardInterrupt:
            self.close()
            raise StopIteration from None

    def _wait_for_turn(self) -> bool:
        """Sleep until the next poll is due; False when the watch is over."""
        if self._stop.is_set():
            return False
        if self.max_polls is not None and self.polls >= self.max_polls:
            self.close()
            return False
        now = self._clock()
        due = now if self._next_due is None else max(self._next_due, now)
        if self._deadline is not None and due >= self._deadline:
            self._stop.wait(max(0.0, self._deadline - now))
            self.close()
            return False
        if self._stop.wait(max(0.0, due - now)):
            return False
        self._next_due = due + self.every
        return True

    def _poll(self) -> QuoteResult | None:
        result = self._fetch(self.symbols, detail=self.detail, fresh=self._fresh)
        self.polls += 1
        if not self.changed_only:
            return result
        changed = QuoteResult()
        changed.errors.update(result.errors)
        changed.messages.extend(result.messages)
        for symbol, quote in result.items():
            seen = tuple(getattr(quote, name, None) for name in _CHANGE_FIELDS)
            if self._last_seen.get(symbol) != seen:
                self._last_seen[symbol] = seen
                changed[symbol] = quote
        return changed if changed or changed.errors else None


def _deadline(until: float | dt.datetime | None, clock: Callable[[], float]) -> float | None:
    """``until`` (seconds from now, or an aware datetime) on ``clock``'s scale."""
    if until is None:
        return None
    if isinstance(until, dt.datetime):
        if until.tzinfo is None:
            raise ValidationError("until must be an aware datetime (e.g. tzinfo=UTC)")
        seconds = (until - dt.datetime.now(dt.UTC)).total_seconds()
    elif isinstance(until, bool) or not isinstance(until, int | float):
        raise ValidationError(f"until must be seconds or an aware datetime, got {until!r}")
    else:
        seconds = float(until)
    return clock() + seconds
