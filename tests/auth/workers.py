"""Process entry points for the multi-process tests (importable under ``spawn``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

__all__ = ["call_after_idle", "save_forever"]


def call_after_idle(
    url: str,
    consumer_key: str,
    consumer_secret: str,
    token_file: str,
    key: str,
    now_iso: str,
    barrier: Any,
    results: Any,
) -> None:
    """A fresh process: load the shared login, wait for the others, make one API call."""
    from etrade_sync import Settings
    from etrade_sync.client import Client
    from etrade_sync.ratelimit import RateGate

    now = datetime.fromisoformat(now_iso)
    settings = Settings(
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        base_url=url,
        oauth_base_url=url,
        token_file=token_file,
        token_key=key,
        read_timeout=20.0,
        max_retries=0,
    )
    client = Client(settings, gate=RateGate(settings.resolved_rate_limits), clock=lambda: now)
    try:
        barrier.wait(timeout=60)
        accounts = client.accounts.list()
        results.put(("ok", len(accounts)))
    except Exception as exc:
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        client.close()


def save_forever(token_file: str, key: str, ready: Any) -> None:
    """Save a token over and over until killed."""
    from etrade_sync.auth.filestore import EncryptedFileStore
    from etrade_sync.auth.token import AccessToken

    store = EncryptedFileStore(token_file, key, namespace="sandbox:kill-test")
    issued = datetime.fromisoformat("2026-03-10T18:00:00+00:00")
    step = 0
    while True:
        step += 1
        store.save(
            AccessToken("tok+en/" * 4, "sec+ret/" * 4, issued, issued + timedelta(seconds=step))
        )
        if step == 3:
            ready.set()
