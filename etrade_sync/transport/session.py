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

The proxy and CA-bundle environment (``HTTP(S)_PROXY``, ``ALL_PROXY``,
``NO_PROXY``, ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``) is read once per
session, not on every request as plain requests does; the proxy decision is
remembered per host. A session built after the environment changes sees the
change.
"""

from __future__ import annotations

import os
import ssl
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .._version import __version__
from ..config import Settings
from ..errors import ConfigurationError
from .pools import use_counting_pools

__all__ = [
    "CONNECT_RETRY",
    "EnvironmentOnceSession",
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


class EnvironmentOnceSession(requests.Session):
    """A :class:`requests.Session` that reads the proxy and CA environment once.

    Plain requests scans the environment (proxies, ``NO_PROXY``, CA bundle) on
    every request. Here it is read when the session is built, and whether a host
    bypasses the proxy is decided once per host, with requests' own rules; the
    outcome is requests' as long as the environment does not change afterwards.
    ``verify`` and proxies given per request or set on the session merge as in
    requests.
    """

    def __init__(self) -> None:
        super().__init__()
        environ = os.environ
        self._env_ca_bundle = environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE")
        self._env_proxy_map: dict[str, str] = urllib.request.getproxies()
        self._env_no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
        self._env_proxies: dict[tuple[str, str, str | None], dict[str, str]] = {}

    def _proxies_for(self, url: str, no_proxy: str | None) -> dict[str, str]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, no_proxy)
        found = self._env_proxies.get(key)
        if found is None:
            bypass = requests.utils.should_bypass_proxies(
                url, no_proxy=self._env_no_proxy if no_proxy is None else no_proxy
            )
            found = {} if bypass else dict(self._env_proxy_map)
            self._env_proxies[key] = found
        return found

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        if not self.trust_env or not isinstance(url, str):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        merged_proxies = dict(proxies or {})
        no_proxy = merged_proxies.get("no_proxy")
        for scheme, proxy in self._proxies_for(url, no_proxy).items():
            merged_proxies.setdefault(scheme, proxy)
        if (verify is True or verify is None) and self._env_ca_bundle:
            verify = self._env_ca_bundle
        merge: Any = requests.sessions.merge_setting
        return {
            "proxies": merge(merged_proxies, self.proxies),
            "stream": merge(stream, self.stream),
            "verify": merge(verify, self.verify),
            "cert": merge(cert, self.cert),
        }


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
    session = EnvironmentOnceSession()
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
