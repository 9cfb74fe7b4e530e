"""Time zones shared by the package (America/New_York rules E*TRADE's day)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

__all__ = ["EASTERN"]

EASTERN = ZoneInfo("America/New_York")
