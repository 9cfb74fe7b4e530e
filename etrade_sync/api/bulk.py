"""
etrade_sync.api.bulk
~~~~~~~~~~~~~~~~~~~~

This module provides helpers for notebooks and cron jobs that need many calls:
:func:`quotes_bulk` (thousands of symbols) and :func:`balances_all` (every open
account). They use only the client's public methods, so every request goes
through the client's cache and rate gate and can never be throttled; they only
add chunking, a few worker threads to hide network latency, an optional
progress bar (``pip install 'etrade_sync[progress]'``) and a mode that collects
failures instead of stopping at the first one::

    result = quotes_bulk(client.market, symbols, progress=True, collect_errors=True)
    result.results["AAPL"].last        # what succeeded
    result.failures                    # symbol -> exception, for the rest
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, overload

from ..errors import ConfigurationError, ETradeError
from .quotes import (
    MAX_SYMBOLS_PER_CALL,
    InvalidSymbolError,
    QuoteResult,
    normalize_symbols,
)

if TYPE_CHECKING:
    from ..models.accounts import Account, Balance
    from ..models.market import Quote

__all__ = ["BalanceSource", "BulkResult", "QuoteSource", "balances_all", "quotes_bulk"]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class QuoteSource(Protocol):
    """What :func:`quotes_bulk` needs: ``quotes`` (``client.market``)."""

    def quotes(self, symbols: list[str], *, detail: str = ...) -> QuoteResult: ...


class BalanceSource(Protocol):
    """What :func:`balances_all` needs: ``list`` and ``balance`` (``client.accounts``)."""

    def list(self) -> list[Account]: ...

    def balance(self, account_id_key: str) -> Balance: ...


@dataclass
class BulkResult(Generic[K, V]):
    """What a bulk call got (:attr:`results`) and what failed (:attr:`failures`).

    ``failures`` maps each item (a symbol, an account_id_key) to the exception
    that stopped it.
    """

    results: dict[K, V] = field(default_factory=dict)
    failures: dict[K, Exception] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures

    def raise_first(self) -> None:
        """Raise the first failure, if any."""
        for error in self.failures.values():
            raise error

    def __repr__(self) -> str:
        return f"BulkResult(results={len(self.results)}, failures={len(self.failures)})"


class _Progress:
    """A tqdm bar when asked for, otherwise nothing; safe to update from threads."""

    def __init__(self, enabled: bool, total: int, desc: str, unit: str) -> None:
        self._bar: Any = None
        self._lock = threading.Lock()
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                raise ConfigurationError(
                    "progress=True needs tqdm: pip install 'etrade_sync[progress]'",
                    name="progress",
                ) from None
            self._bar = tqdm(total=total, desc=desc, unit=unit)

    def update(self, n: int) -> None:
        if self._bar is not None:
            with self._lock:
                self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _run(
    jobs: Sequence[T],
    work: Callable[[T], None],
    *,
    workers: int,
    collect: Callable[[T, Exception], None] | None,
) -> None:
    """Run ``work`` over ``jobs`` on ``workers`` threads.

    With ``collect`` each failure is handed to it and the rest go on; without,
    the first failure cancels the jobs not yet started and is raised.
    """

    def guarded(job: T) -> None:
        try:
            work(job)
        except Exception as exc:
            if collect is None:
                raise
            collect(job, exc)

    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            guarded(job)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="etrade_sync-bulk") as pool:
        futures: list[Future[None]] = [pool.submit(guarded, job) for job in jobs]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures if f in done and f.exception() is not None), None)
        if failed is not None:
            for future in futures:
                future.cancel()
            failed.result()


def _check_workers(workers: int) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigurationError(f"workers={workers!r} must be an integer >= 1", name="workers")
    return workers


@overload
def quotes_bulk(
    market: QuoteSource,
    symbols: Iterable[str],
    *,
    detail: str = ...,
    progress: bool = ...,
    collect_errors: Literal[False] = ...,
    workers: int = ...,
) -> QuoteResult: ...
@overload
def quotes_bulk(
    market: QuoteSource,
    symbols: Iterable[str],
    *,
    detail: str = ...,
    progress: bool = ...,
    collect_errors: Literal[True],
    workers: int = ...,
) -> BulkResult[str, Quote]: ...
def quotes_bulk(
    market: QuoteSource,
    symbols: Iterable[str],
    *,
    detail: str = "ALL",
    progress: bool = False,
    collect_errors: bool = False,
    workers: int = 4,
) -> QuoteResult | BulkResult[str, Quote]:
    """Quotes for any number of symbols, in requests of at most 50.

    Returns a :class:`~etrade_sync.api.market.QuoteResult` (symbols E*TRADE
    refused are in ``.errors``), or with ``collect_errors=True`` a
    :class:`BulkResult` whose ``failures`` hold each refused or malformed
    symbol and each symbol of a request that failed. ``workers`` threads share
    the client's rate gate, so more workers never means more than the limit.
    """
    workers = _check_workers(workers)
    wanted: list[str] = []
    bulk: BulkResult[str, Quote] = BulkResult()
    for raw in symbols:
        try:
            wanted.extend(normalize_symbols([raw]))
        except ETradeError as exc:
            if not collect_errors:
                raise
            bulk.failures[str(raw)] = exc
    wanted = list(dict.fromkeys(wanted))
    chunks = [
        wanted[i : i + MAX_SYMBOLS_PER_CALL] for i in range(0, len(wanted), MAX_SYMBOLS_PER_CALL)
    ]
    merged = QuoteResult()
    lock = threading.Lock()
    bar = _Progress(progress, len(wanted), "quotes", "sym")

    def fetch(chunk: list[str]) -> None:
        got = market.quotes(chunk, detail=detail)
        with lock:
            merged.update(got)
            merged.errors.update(got.errors)
            merged.messages.extend(got.messages)
        bar.update(len(chunk))

    def failed(chunk: list[str], exc: Exception) -> None:
        with lock:
            for symbol in chunk:
                bulk.failures[symbol] = exc
        bar.update(len(chunk))

    try:
        _run(chunks, fetch, workers=workers, collect=failed if collect_errors else None)
    finally:
        bar.close()
    if not collect_errors:
        ordered = QuoteResult()
        ordered.update((s, merged[s]) for s in wanted if s in merged)
        ordered.update((s, q) for s, q in merged.items() if s not in ordered)
        ordered.errors.update(merged.errors)
        ordered.messages.extend(merged.messages)
        return ordered
    for symbol in wanted:
        if symbol in merged:
            bulk.results[symbol] = merged[symbol]
        elif symbol in merged.errors:
            message = merged.errors[symbol]
            bulk.failures[symbol] = InvalidSymbolError(
                symbol, message.description, code=message.code
            )
    return bulk


@overload
def balances_all(
    accounts: BalanceSource,
    *,
    progress: bool = ...,
    collect_errors: Literal[False] = ...,
    workers: int = ...,
) -> dict[str, Balance]: ...
@overload
def balances_all(
    accounts: BalanceSource,
    *,
    progress: bool = ...,
    collect_errors: Literal[True],
    workers: int = ...,
) -> BulkResult[str, Balance]: ...
def balances_all(
    accounts: BalanceSource,
    *,
    progress: bool = False,
    collect_errors: bool = False,
    workers: int = 2,
) -> dict[str, Balance] | BulkResult[str, Balance]:
    """The balance of every open account, keyed by ``account_id_key``.

    The account list itself must be read; if that fails the error is raised
    even with ``collect_errors=True``. Balances come from the client's cache
    when they are fresh enough (``Settings.balance_ttl``).
    """
    workers = _check_workers(workers)
    keys = [a.account_id_key for a in accounts.list() if not a.is_closed]
    bulk: BulkResult[str, Balance] = BulkResult()
    lock = threading.Lock()
    bar = _Progress(progress, len(keys), "balances", "acct")

    def fetch(key: str) -> None:
        balance = accounts.balance(key)
        with lock:
            bulk.results[key] = balance
        bar.update(1)

    def failed(key: str, exc: Exception) -> None:
        with lock:
            bulk.failures[key] = exc
        bar.update(1)

    try:
        _run(keys, fetch, workers=workers, collect=failed if collect_errors else None)
    finally:
        bar.close()
    results = {k: bulk.results[k] for k in keys if k in bulk.results}
    if not collect_errors:
        return results
    bulk.results = results
    return bulk
