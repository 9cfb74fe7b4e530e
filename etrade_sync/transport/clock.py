"""
etrade_sync.transport.clock
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :class:`SkewWatch`: E*TRADE's clock as its ``Date``
headers show it, and one WARNING (per client) when this machine's clock is off
by more than :data:`SKEW_WARNING` seconds: E*TRADE refuses OAuth timestamps more
than 5 minutes off. A client's transports (API calls and OAuth calls) share one.
"""

from __future__ import annotations

import email.utils
import logging
import time

import requests

__all__ = ["SKEW_WARNING", "SkewWatch"]

log = logging.getLogger("etrade_sync")

#: Clock skew (seconds) between this machine and E*TRADE that earns a warning.
SKEW_WARNING = 60.0


class SkewWatch:
    """The last measured skew (``seconds``: this machine minus E*TRADE)."""

    def __init__(self) -> None:
        self.seconds: float | None = None
        self._warned = False
        self._last_date: tuple[str, float] | None = None

    def check(self, response: requests.Response) -> None:
        header = response.headers.get("Date")
        if not header:
            return
        # Date has one-second resolution: parse it only when it changes.
        last = self._last_date
        if last is not None and last[0] == header:
            server = last[1]
        else:
            try:
                server = email.utils.parsedate_to_datetime(header).timestamp()
            except (TypeError, ValueError):
                return
            self._last_date = (header, server)
        skew = time.time() - server
        self.seconds = skew
        if abs(skew) > SKEW_WARNING and not self._warned:
            self._warned = True
            log.warning(
                "this machine's clock is %+.0f s off E*TRADE's; OAuth timestamps more than "
                "5 minutes off are refused. Sync the clock (NTP).",
                skew,
            )
