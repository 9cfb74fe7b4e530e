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


COMMANDS: dict[str, Callable[[Client, dict[str, Any]], dict[str, Any]]] = {
    "login": _login,
    "accounts": _accounts,
    "loop": _loop,
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
        except ETradeError as exc:
            out = {"ok": False, "error": type(exc).__name__, "message": str(exc)}
        print(json.dumps(out), flush=True)
    client.close()


if __name__ == "__main__":
    main()
