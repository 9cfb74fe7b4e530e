"""One process of a simulated host, run as ``python -m tests.multihost.host``.

Its whole configuration comes from its environment, as on a real host (HOME, the
XDG folders and ETRADE_* variables); it shares nothing with the other "hosts" but
the Redis and PostgreSQL servers named there. ``MH_CLOCK`` (ISO time) pins the
client's lifetime clock. It reads one JSON command per line on stdin and answers
one JSON line on stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from etrade_sync import Settings
from etrade_sync.client import Client
from etrade_sync.errors import ETradeError


def _login(client: Client, cmd: dict[str, Any]) -> dict[str, Any]:
    from tests.auth.helpers import approve_in_browser

    request = client.auth.request_authorization()
    client.auth.complete(approve_in_browser(request.url))
    return {"store": client.auth.store.describe()}


def _accounts(client: Client, cmd: dict[str, Any]) -> dict[str, Any]:
    return {"accounts": len(client.accounts.list())}


def _loop(client: Client, cmd: dict[str, Any]) -> dict[str, Any]:
    """Call ``what`` for ``seconds``; count successes and errors by type, with times."""
    symbols = cmd.get("symbols", ["AAPL"])
    deadline = time.monotonic() + float(cmd["seconds"])
    ok, errors, events = 0, {}, []
    while time.monotonic() < deadline:
        try:
            if cmd.get("what") == "accounts":
                client.accounts.list()
            else:
                client.market.quotes(symbols)
            ok += 1
            events.append((time.time(), "ok"))
        except ETradeError as exc:
            name = type(exc).__name__
            errors[name] = errors.get(name, 0) + 1
            events.append((time.time(), name))
            time.sleep(float(cmd.get("error_pause", 0.2)))
        pause = float(cmd.get("pause", 0))
        if pause:
            time.sleep(pause)
    return {"calls": ok, "errors": errors, "events": events if cmd.get("events") else []}


def _order(cmd: dict[str, Any]) -> Any:
    from decimal import Decimal

    from etrade_sync import EquityOrder

    # far below the market: stays open
    return EquityOrder("IBM", "BUY", 1, price_type="LIMIT", limit_price=Decimal("1.00"),
                       client_order_id=cmd["client_order_id"])  # fmt: skip


def _account(client: Client) -> str:
    return client.accounts.list()[0].account_id_key


def _preview(client: Client, cmd: dict[str, Any]) -> dict[str, Any]:
    """A preview, as data another host can place (a job handed over between hosts)."""
    p = client.orders.preview(_account(client), _order(cmd))
    return {"preview": {"account_id_key": p.account_id_key, "preview_ids": list(p.preview_ids),
                        "order_type": p.order_type, "client_order_id": p.client_order_id,
                        "request": dict(p.request)}}  # fmt: skip


def _place(client: Client, cmd: dict[str, Any]) -> dict[str, Any]:
    """Place ``preview`` (from :func:`_preview`), or preview and place a new order."""
    from etrade_sync.models.orders import Preview

    key = _account(client)
    if "preview" in cmd:
        data = cmd["preview"]
        preview = Preview(**{**data, "preview_ids": tuple(data["preview_ids"])}, raw={})
    else:
        preview = client.orders.preview(key, _order(cmd))
    return {"order_id": client.orders.place(key, preview).order_id}


def _resolve(client: Client, cmd: dict[str, Any]) -> dict[str, Any]:
    found = client.orders.resolve(_account(client), cmd["client_order_id"])
    return {"order_id": found.order_id if found is not None else None}


def _place_loop(client: Client, cmd: dict[str, Any]) -> dict[str, Any]:
    """Place new orders for ``seconds``: (time, clientOrderId, outcome, order id) each."""
    key = _account(client)
    deadline = time.monotonic() + float(cmd["seconds"])
    results = []
    n = 0
    while time.monotonic() < deadline:
        n += 1
        cid = f"{cmd['prefix']}{n}"
        try:
            placed = client.orders.place(
                key, client.orders.preview(key, _order({"client_order_id": cid}))
            )
            results.append((time.time(), cid, "ok", placed.order_id))
        except ETradeError as exc:
            results.append((time.time(), cid, type(exc).__name__, None))
            time.sleep(0.2)
    return {"results": results}


COMMANDS: dict[str, Callable[[Client, dict[str, Any]], dict[str, Any]]] = {
    "login": _login,
    "accounts": _accounts,
    "loop": _loop,
    "preview": _preview,
    "place": _place,
    "resolve": _resolve,
    "place_loop": _place_loop,
}


def main() -> None:
    settings = Settings.from_env()
    pinned = os.environ.get("MH_CLOCK")
    now = datetime.fromisoformat(pinned) if pinned else None
    client = Client(settings, clock=(lambda: now) if now is not None else None)
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd.get("do") == "exit":
            break
        try:
            out = {"ok": True, **COMMANDS[cmd["do"]](client, cmd)}
        except Exception as exc:  # reported to the test, which asserts on the type
            out = {"ok": False, "error": type(exc).__name__, "message": str(exc)}
        print(json.dumps(out, default=str), flush=True)
    client.close()


if __name__ == "__main__":
    main()
