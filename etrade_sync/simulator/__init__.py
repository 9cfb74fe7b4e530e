"""A local E*TRADE-compatible HTTP simulator for tests, demos and users' own tests.

It speaks OAuth 1.0a (HMAC-SHA1 signatures verified with oauthlib), applies E*TRADE's
token lifetime rules, serves the v1 accounts, market, order and alert endpoints with
deterministic data, and lets tests inject faults and inspect every request it received::

    from etrade_sync.simulator import Simulator, Fault

    with Simulator() as sim:
        token, secret = sim.issue_access_token()
        sim.faults.script("/v1/market/quote/*", Fault.status(503))
        ...                                   # point a client at sim.url
        assert sim.log.duplicate_nonces() == 0

Run one in the foreground with ``python -m etrade_sync.simulator``.
"""

from __future__ import annotations

from . import codes
from .clock import SimClock
from .codes import DUPLICATE_CLIENT_ORDER_ID_CODE
from .faults import Fault, FaultPlan
from .harness import Simulator
from .limits import DEFAULT_RATE_LIMITS
from .log import RequestLog, RequestRecord

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "DUPLICATE_CLIENT_ORDER_ID_CODE",
    "Fault",
    "FaultPlan",
    "RequestLog",
    "RequestRecord",
    "SimClock",
    "Simulator",
    "codes",
]
