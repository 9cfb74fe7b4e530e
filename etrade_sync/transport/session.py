"""
etrade_sync.transport.session
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`build_session`, the one ``requests.Session`` a client
uses: an :class:`~requests.adapters.HTTPAdapter` with a connection pool
(10 pools, 20 connections each) whose urllib3 :class:`~urllib3.util.Retry` repeats
only connection set-up failures (requests that never reached E*TRADE), TLS 1.2 or
newer with certificate verification, and an OAuth 1.0a auth object that signs
every request when it is sent.

Status retries are deliberately *not* done here: urllib3 would re-send the same
signed bytes, reusing the OAuth nonce. :mod:`etrade_sync.transport` retries above
the session so that every attempt is signed afresh.
"""

from __future__ import annotations

import ssl
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .._version import __version__
from ..config import Settings

__all__ = ["CONNECT_RETRY", "TLSAdapter", "build_session", "make_oauth1"]

#: Retry only failures to *establish* a connection: those requests never reached the
#: server, so repeating them is safe for any method, orders included.
CONNECT_RETRY = Retry(
    total=None,
    connect=2,
    read=0,
    status=0,
    other=0,
    redirect=0,
    backoff_factor=0.2,
    raise_on_status=False,
)


class TLSAdapter(HTTPAdapter):
    """An :class:`HTTPAdapter` that refuses anything older than TLS 1.2."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        context = ssl.create_default_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        kwargs["ssl_context"] = context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        context = ssl.create_default_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        proxy_kwargs.setdefault("ssl_context", context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)


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
    adapter = TLSAdapter(pool_connections=10, pool_maxsize=20, max_retries=CONNECT_RETRY)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.verify = True
    session.trust_env = True
    session.auth = auth
    session.headers.update(
        {"Accept": "application/json", "User-Agent": f"etrade_sync/{__version__}"}
    )
    return session
