"""Worker processes for the order-safety tests (spawned: importable, picklable)."""

from __future__ import annotations

import threading
from typing import Any

from etrade_sync.client import Client
from etrade_sync.errors import ETradeError, OrderIntentExistsError
from etrade_sync.models.orders import Preview
from etrade_sync.ratelimit import RateGate


def place_racers(
    settings: Any,
    token: tuple[str, str],
    preview: Preview,
    threads: int,
    start: Any,
    results: Any,
) -> None:
    """Place ``preview`` from ``threads`` threads once ``start`` is set; put the outcome
    names on ``results``."""
    client = Client(settings, gate=RateGate(settings.resolved_rate_limits))
    client.auth.use_token(*token)
    outcomes: list[str] = []

    def one() -> None:
        start.wait(30)
        outcomes.append(place_outcome(client, preview))

    pool = [threading.Thread(target=one) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    client.close()
    results.put(outcomes)


def place_outcome(client: Client, preview: Preview) -> str:
    """``placed``, ``exists`` (refused locally) or the error's class name."""
    try:
        client.orders.place(preview.account_id_key, preview)
    except OrderIntentExistsError:
        return "exists"
    except ETradeError as exc:
        return type(exc).__name__
    return "placed"
