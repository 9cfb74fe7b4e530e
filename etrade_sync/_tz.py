"""Time zones shared by the package (America/New_York rules E*TRADE's day).

``EASTERN`` is built on first use: :mod:`zoneinfo` (and the tz database file) load
with the first token check, not with ``import etrade_sync``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    EASTERN: ZoneInfo

__all__ = ["EASTERN"]


def __getattr__(name: str) -> Any:
    if name == "EASTERN":
        from zoneinfo import ZoneInfo

        zone = ZoneInfo("America/New_York")
        globals()["EASTERN"] = zone
        return zone
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
