"""
etrade_sync
~~~~~~~~~~~

A synchronous client for the E*TRADE REST API: one pooled session, OAuth 1.0a
signing, a login that lasts the day across processes, per-module rate limits,
short TTL caches, typed results, and a local simulator of the API.

Heavy modules load on first use so that ``import etrade_sync`` stays fast for
cron jobs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from . import errors
from .config import Settings
from .errors import ETradeError

if TYPE_CHECKING:
    from . import simulator
    from .client import Client

_LAZY = {
    "Client": ("etrade_sync.client", "Client"),
    "simulator": ("etrade_sync.simulator", None),
}

__all__ = ["Client", "ETradeError", "Settings", "__version__", "errors", "simulator"]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'etrade_sync' has no attribute {name!r}")
    module = import_module(target[0])
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
