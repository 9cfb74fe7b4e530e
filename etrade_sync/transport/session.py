"""
etrade_sync.transport.session
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`build_session`, the one ``requests.Session`` a client
uses: an :class:`~requests.adapters.HTTPAdapter` with a connection pool
(10 pools, 20 connections each) whose connections report to the attempt's
watchdog (:mod:`.limits`), TLS 1.2 or newer with certificate verification, and
an OAuth 1.0a auth object that signs every request when it is sent.

No retries are done here, not even of connection set-up: urllib3 would re-send
the same signed bytes (reusing the OAuth nonce), and it logs a WARNING for each
retry. :mod:`etrade_sync.transport` retries above the session, so every attempt
is signed afresh, has its own permit, and only the call's outcome is logged.
"""

from __future__ import annotations

import ssl
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .._version import __version__
from ..config import Settings
from ..errors import ConfigurationError
from .pools import use_counting_pools

__all__ = [
    "CONNECT_RETRY",
    "TLSAdapter",
    "adopt_session",
    "build_session",
    "make_oauth1",
    "new_adapter",
]

#: urllib3 retries nothing (the transport retries, connection failures included:
#: those requests never reached the server, so any call may be repeated).
CONNECT_RETRY = Retry(total=0, redirect=0, raise_on_status=False)


class TLSAdapter(HTTPAdapter):
    """An :class:`HTTPAdapter` that refuses anything older than TLS 1.2 and whose
    connections obey the attempt's hard time limit."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        context = ssl.create_default_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        kwargs["ssl_context"] = context
        super().init_poolmanager(*args, **kwargs)
        use_counting_pools(self.poolmanager)  # figures for client.stats()["pool"]

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        context = ssl.create_default_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        proxy_kwargs.setdefault("ssl_context", context)
        return use_counting_pools(super().proxy_manager_for(proxy, **proxy_kwargs))


def make_oauth1(
    consumer_key: str,
    consumer_secret: str,
    token: str | None = None,
    token_secret: str | None = None,
    **extra: Any,
) -> Any:
    """An OAuth 1.0a (HMAC-SHA1, Authorization header) auth object for requests."""
    from requests_oauthlib import OAuth1

    from ..observe.logs import protect

    protect(consumer_secret, token, token_secret)

    return OAuth1(
        consumer_key,
        client_secret=consumer_secret,
        resource_owner_key=token,
        resource_owner_secret=token_secret,
        signature_method="HMAC-SHA1",
        signature_type="AUTH_HEADER",
        decoding=None,
        **extra,
    )


def build_session(settings: Settings, auth: Any = None) -> requests.Session:
    """The shared session: pooled TLS adapter, connect-only Retry, OAuth1 auth.

    ``auth`` is any requests auth object (normally an ``OAuth1`` built by
    :func:`make_oauth1`); the transport may swap it when the token changes.
    """
    session = requests.Session()
    adapter = new_adapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.verify = True
    session.trust_env = True
    session.auth = auth
    session.headers.update(
        {"Accept": "application/json", "User-Agent": f"etrade_sync/{__version__}"}
    )
    return session


def new_adapter() -> TLSAdapter:
    """The client's adapter: 10 pools of 20 connections, connect-only Retry, TLS 1.2+."""
    return TLSAdapter(pool_connections=10, pool_maxsize=20, max_retries=CONNECT_RETRY)


def adopt_session(session: requests.Session, settings: Settings) -> requests.Session:
    """Prepare a ``requests.Session`` the caller owns for a client.

    The client's adapter is mounted for its API and OAuth base URLs only
    (``https://api.etrade.com/``...); an etrade_sync adapter another client already
    mounted there is shared, so clients on one session share one connection pool.
    The session's headers, auth, proxies, hooks, cookies, ``trust_env`` and other
    adapters stay as they are: the client signs each request itself and sends its
    ``Accept`` header per request. ``verify=False`` is refused.
    """
    if session.verify is False:
        raise ConfigurationError(
            "the session has verify=False: etrade_sync sends credentials and orders only "
            "with certificate verification on; give the session a CA bundle path instead",
            name="session",
        )
    prefixes = [base.rstrip("/") + "/" for base in (settings.api_base, settings.oauth_base)]
    prefixes = list(dict.fromkeys(prefixes))
    mounted = [session.adapters.get(p) for p in prefixes]
    adapter = next((a for a in mounted if isinstance(a, TLSAdapter)), None) or new_adapter()
    for prefix, current in zip(prefixes, mounted, strict=True):
        if not isinstance(current, TLSAdapter):
            session.mount(prefix, adapter)
    return session
