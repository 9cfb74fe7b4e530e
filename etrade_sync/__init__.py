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

from . import errors
from ._version import __version__
from .config import Settings
from .errors import ETradeError

if TYPE_CHECKING:
    from . import builders, models, simulator
    from .api.market import InvalidSymbolError
    from .builders import (
        EquityOrder,
        OptionLeg,
        OptionOrder,
        OptionSymbol,
        SpreadOrder,
        StockLeg,
        butterfly,
        buy_write,
        iron_condor,
        roll,
        straddle,
        strangle,
        vertical_spread,
    )
    from .client import Client
    from .observe.jsonlog import setup_logging

_LAZY = {
    "Client": ("etrade_sync.client", "Client"),
    "simulator": ("etrade_sync.simulator", None),
    "models": ("etrade_sync.models", None),
    "builders": ("etrade_sync.builders", None),
    "EquityOrder": ("etrade_sync.builders", "EquityOrder"),
    "OptionOrder": ("etrade_sync.builders", "OptionOrder"),
    "OptionSymbol": ("etrade_sync.builders", "OptionSymbol"),
    "OptionLeg": ("etrade_sync.builders", "OptionLeg"),
    "StockLeg": ("etrade_sync.builders", "StockLeg"),
    "SpreadOrder": ("etrade_sync.builders", "SpreadOrder"),
    "vertical_spread": ("etrade_sync.builders", "vertical_spread"),
    "straddle": ("etrade_sync.builders", "straddle"),
    "strangle": ("etrade_sync.builders", "strangle"),
    "iron_condor": ("etrade_sync.builders", "iron_condor"),
    "butterfly": ("etrade_sync.builders", "butterfly"),
    "buy_write": ("etrade_sync.builders", "buy_write"),
    "roll": ("etrade_sync.builders", "roll"),
    "InvalidSymbolError": ("etrade_sync.api.market", "InvalidSymbolError"),
    "to_dataframe": ("etrade_sync.models.frames", "to_dataframe"),
    "setup_logging": ("etrade_sync.observe.jsonlog", "setup_logging"),
}

__all__ = [
    "Client",
    "ETradeError",
    "EquityOrder",
    "InvalidSymbolError",
    "OptionLeg",
    "OptionOrder",
    "OptionSymbol",
    "Settings",
    "SpreadOrder",
    "StockLeg",
    "__version__",
    "builders",
    "butterfly",
    "buy_write",
    "errors",
    "iron_condor",
    "models",
    "roll",
    "setup_logging",
    "simulator",
    "straddle",
    "strangle",
    "to_dataframe",
    "vertical_spread",
]


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
