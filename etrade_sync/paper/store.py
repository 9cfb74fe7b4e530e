"""
etrade_sync.paper.store
~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`PaperStore`, the paper book on disk: accounts with their
cash, positions at cost, orders, previews and fills in one SQLite file (``paper.sqlite3``
beside the order journal). Every change runs in one ``BEGIN IMMEDIATE`` transaction, so
several processes share the book safely; money is kept as decimal text, never floats.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = ["PaperAccount", "PaperFill", "PaperOrder", "PaperStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    key TEXT PRIMARY KEY, account_id TEXT NOT NULL, cash TEXT NOT NULL,
    start_cash TEXT NOT NULL, realised TEXT NOT NULL, commissions TEXT NOT NULL,
    created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS positions (
    account_key TEXT NOT NULL, symbol TEXT NOT NULL, quantity TEXT NOT NULL,
    cost TEXT NOT NULL, opened_ms INTEGER NOT NULL, PRIMARY KEY (account_key, symbol));
CREATE TABLE IF NOT EXISTS orders (
    order_id INTEGER PRIMARY KEY AUTOINCREMENT, account_key TEXT NOT NULL,
    client_order_id TEXT NOT NULL, symbol TEXT NOT NULL, action TEXT NOT NULL,
    quantity TEXT NOT NULL, price_type TEXT NOT NULL, limit_price TEXT, stop_price TEXT,
    term TEXT NOT NULL, session TEXT NOT NULL, status TEXT NOT NULL,
    triggered INTEGER NOT NULL DEFAULT 0, placed_ms INTEGER NOT NULL, executed_ms INTEGER,
    fill_price TEXT, commission TEXT, replaces INTEGER, replaced_by INTEGER, reason TEXT);
CREATE TABLE IF NOT EXISTS previews (
    preview_id INTEGER PRIMARY KEY AUTOINCREMENT, account_key TEXT NOT NULL,
    body TEXT NOT NULL, order_id INTEGER, used INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS fills (
    fill_id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL,
    account_key TEXT NOT NULL, symbol TEXT NOT NULL, action TEXT NOT NULL,
    quantity TEXT NOT NULL, price TEXT NOT NULL, commission TEXT NOT NULL,
    realised TEXT NOT NULL, at_ms INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class PaperAccount:
    """One paper account: cash, the cash it started with, realised P&L, commissions."""

    key: str
    account_id: str
    cash: Decimal
    start_cash: Decimal
    realised: Decimal
    commissions: Decimal
    created_ms: int


@dataclass(frozen=True)
class PaperOrder:
    """One paper order (a single equity leg)."""

    order_id: int
    account_key: str
    client_order_id: str
    symbol: str
    action: str
    quantity: Decimal
    price_type: str
    limit_price: Decimal | None
    stop_price: Decimal | None
    term: str
    session: str
    status: str
    triggered: bool
    placed_ms: int
    executed_ms: int | None
    fill_price: Decimal | None
    commission: Decimal | None
    replaces: int | None
    replaced_by: int | None
    reason: str | None


@dataclass(frozen=True)
class PaperFill:
    """One execution: the quote's time and price, the commission, the P&L it realised."""

    fill_id: int
    order_id: int
    account_key: str
    symbol: str
    action: str
    quantity: Decimal
    price: Decimal
    commission: Decimal
    realised: Decimal
    at_ms: int


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class PaperStore:
    """The paper book in one SQLite file, shared by threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._db().executescript(_SCHEMA)  # CREATE ... IF NOT EXISTS: safe in every process

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
            self._local.depth = 0
        return db

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction (nested calls join the outer one)."""
        db = self._db()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield db
            finally:
                self._local.depth -= 1
            return
        db.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")
        finally:
            self._local.depth = 0

    def close(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- reads -----------------------------------------------------------------------

    def accounts(self) -> list[PaperAccount]:
        rows = self._db().execute("SELECT * FROM accounts ORDER BY key").fetchall()
        return [_account(r) for r in rows]

    def account(self, key: str) -> PaperAccount | None:
        row = self._db().execute("SELECT * FROM accounts WHERE key=?", (key,)).fetchone()
        return None if row is None else _account(row)

    def positions(self, key: str) -> dict[str, tuple[Decimal, Decimal, int]]:
        """symbol -> (quantity, cost, opened_ms) of the account's open positions."""
        rows = self._db().execute(
            "SELECT symbol, quantity, cost, opened_ms FROM positions WHERE account_key=? "
            "ORDER BY symbol",
            (key,),
        )
        return {r[0]: (Decimal(r[1]), Decimal(r[2]), int(r[3])) for r in rows}

    def orders(self, key: str | None = None, *, status: str | None = None) -> list[PaperOrder]:
        sql, args = "SELECT * FROM orders WHERE 1=1", list[Any]()
        if key is not None:
            sql, args = sql + " AND account_key=?", [*args, key]
        if status is not None:
            sql, args = sql + " AND status=?", [*args, status]
        rows = self._db().execute(sql + " ORDER BY order_id DESC", args).fetchall()
        return [_order(r) for r in rows]

    def order(self, order_id: int) -> PaperOrder | None:
        row = self._db().execute("SELECT * FROM orders WHERE order_id=?", (order_id,)).fetchone()
        return None if row is None else _order(row)

    def fills(self, key: str | None = None) -> list[PaperFill]:
        sql, args = "SELECT * FROM fills", list[Any]()
        if key is not None:
            sql, args = sql + " WHERE account_key=?", [key]
        rows = self._db().execute(sql + " ORDER BY fill_id", args).fetchall()
        return [_fill(r) for r in rows]

    def preview(self, preview_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = (
            self._db()
            .execute("SELECT * FROM previews WHERE preview_id=?", (preview_id,))
            .fetchone()
        )
        return row

    # -- writes (inside transaction()) ---------------------------------------------------

    def reset(self, cash: Decimal, *, accounts: int, now_ms: int) -> None:
        """Drop the whole book; open ``accounts`` paper accounts with ``cash`` each."""
        with self.transaction() as db:
            for table in ("accounts", "positions", "orders", "previews", "fills"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            for n in range(1, accounts + 1):
                db.execute(
                    "INSERT INTO accounts VALUES (?, ?, ?, ?, '0', '0', ?)",
                    (f"PAPER{n}", f"P{n:07d}", str(cash), str(cash), now_ms),
                )

    def set_account(
        self, key: str, *, cash: Decimal, realised: Decimal, commissions: Decimal
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE accounts SET cash=?, realised=?, commissions=? WHERE key=?",
                (str(cash), str(realised), str(commissions), key),
            )

    def set_position(
        self, key: str, symbol: str, quantity: Decimal, cost: Decimal, now_ms: int
    ) -> None:
        with self.transaction() as db:
            if quantity == 0:
                db.execute("DELETE FROM positions WHERE account_key=? AND symbol=?", (key, symbol))
                return
            db.execute(
                "INSERT INTO positions VALUES (?, ?, ?, ?, ?) ON CONFLICT(account_key, symbol) "
                "DO UPDATE SET quantity=excluded.quantity, cost=excluded.cost",
                (key, symbol, str(quantity), str(cost), now_ms),
            )

    def add_preview(self, key: str, body: str, order_id: int | None, now_ms: int) -> int:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO previews (account_key, body, order_id, created_ms) VALUES (?,?,?,?)",
                (key, body, order_id, now_ms),
            )
            return int(cur.lastrowid or 0)

    def use_preview(self, preview_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE previews SET used=1 WHERE preview_id=?", (preview_id,))

    def add_order(self, values: dict[str, Any]) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.transaction() as db:
            cur = db.execute(
                f"INSERT INTO orders ({columns}) VALUES ({marks})",  # noqa: S608 - own names
                [
                    None if v is None else str(v) if isinstance(v, Decimal) else v
                    for v in values.values()
                ],
            )
            return int(cur.lastrowid or 0)

    def update_order(self, order_id: int, **values: Any) -> None:
        sets = ", ".join(f"{name}=?" for name in values)
        args = [
            None if v is None else str(v) if isinstance(v, Decimal) else v for v in values.values()
        ]
        with self.transaction() as db:
            db.execute(
                f"UPDATE orders SET {sets} WHERE order_id=?",  # noqa: S608 - own names
                [*args, order_id],
            )

    def add_fill(self, fill: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO fills (order_id, account_key, symbol, action, quantity, price, "
                "commission, realised, at_ms) VALUES (?,?,?,?,?,?,?,?,?)",
                [str(v) if isinstance(v, Decimal) else v for v in fill.values()],
            )


def _account(r: sqlite3.Row) -> PaperAccount:
    return PaperAccount(
        key=r["key"],
        account_id=r["account_id"],
        cash=Decimal(r["cash"]),
        start_cash=Decimal(r["start_cash"]),
        realised=Decimal(r["realised"]),
        commissions=Decimal(r["commissions"]),
        created_ms=int(r["created_ms"]),
    )


def _order(r: sqlite3.Row) -> PaperOrder:
    return PaperOrder(
        order_id=int(r["order_id"]),
        account_key=r["account_key"],
        client_order_id=r["client_order_id"],
        symbol=r["symbol"],
        action=r["action"],
        quantity=Decimal(r["quantity"]),
        price_type=r["price_type"],
        limit_price=_dec(r["limit_price"]),
        stop_price=_dec(r["stop_price"]),
        term=r["term"],
        session=r["session"],
        status=r["status"],
        triggered=bool(r["triggered"]),
        placed_ms=int(r["placed_ms"]),
        executed_ms=None if r["executed_ms"] is None else int(r["executed_ms"]),
        fill_price=_dec(r["fill_price"]),
        commission=_dec(r["commission"]),
        replaces=r["replaces"],
        replaced_by=r["replaced_by"],
        reason=r["reason"],
    )


def _fill(r: sqlite3.Row) -> PaperFill:
    return PaperFill(
        fill_id=int(r["fill_id"]),
        order_id=int(r["order_id"]),
        account_key=r["account_key"],
        symbol=r["symbol"],
        action=r["action"],
        quantity=Decimal(r["quantity"]),
        price=Decimal(r["price"]),
        commission=Decimal(r["commission"]),
        realised=Decimal(r["realised"]),
        at_ms=int(r["at_ms"]),
    )
