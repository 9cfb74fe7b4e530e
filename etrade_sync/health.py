"""
etrade_sync.health
~~~~~~~~~~~~~~~~~~

This module provides :func:`check_health` (``client.health()`` and
``etrade-sync doctor``): every check at once, as a checklist whose failures each
carry the fix. Nothing here raises: a failing check is a line in the report.

The checks: configuration (every variable, wrong types), consumer key, token key,
token store (permissions, decryptable, status), clock skew against the API host's
``Date`` header, TLS connection to the API host, rate-gate backend reachable, and
the order journal (writable, unresolved intents).
"""

from __future__ import annotations

import dataclasses
import email.utils
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError

if TYPE_CHECKING:
    import requests

    from .auth import TokenStore
    from .config import Settings
    from .orders import JournalStore

__all__ = ["Check", "Health", "check_health"]

#: Clock skew (seconds) above which the clock check fails. E*TRADE refuses OAuth
#: timestamps a few minutes off; warn well before that.
SKEW_LIMIT = 60.0


@dataclasses.dataclass(frozen=True)
class Check:
    """One line of the checklist. ``ok`` is None when the check was skipped."""

    name: str
    ok: bool | None
    detail: str
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        mark = {True: "[ok]  ", False: "[FAIL]", None: "[skip]"}[self.ok]
        line = f"{mark} {self.name}: {self.detail}"
        return f"{line}\n       fix: {self.fix}" if self.fix and self.ok is False else line


@dataclasses.dataclass(frozen=True)
class Health:
    """Every check's result; :attr:`ok` when none failed."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok is not False for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if check.ok is False]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [check.to_dict() for check in self.checks]}

    def __str__(self) -> str:
        failed = len(self.failures)
        summary = "all checks passed" if not failed else f"{failed} check(s) failed"
        return "\n".join([*(str(check) for check in self.checks), summary])


def check_health(
    settings: Settings | None,
    *,
    store: TokenStore | None = None,
    journal: JournalStore | None = None,
    settings_error: ConfigurationError | None = None,
    session: requests.Session | None = None,
) -> Health:
    """Run every check for ``settings`` (None when they could not be read: pass the
    error as ``settings_error``). ``store`` and ``journal`` are a client's own token
    store and order journal; by default they are opened from ``settings``. With a
    client's ``session``, the API host is reached through it and its connection pool
    figures are reported."""
    checks: list[Check] = [_configuration(settings, settings_error)]
    if settings is None:
        skipped = ("consumer key", "token key", "token store", "API host (TLS)", "clock",
                   "rate gate", "order journal")  # fmt: skip
        checks += [Check(name, None, "needs a valid configuration") for name in skipped]
        return Health(tuple(checks))
    runners: list[Callable[[], list[Check]]] = [
        lambda: [_consumer_key(settings)],
        lambda: [_token_key(settings)],
        lambda: [_token_store(settings, store)],
        lambda: _api_host(settings, session),
        lambda: [_gate(settings)],
        lambda: [_journal(settings, journal)],
    ]
    if session is not None:
        runners.append(lambda: [_pool(settings, session)])
    for run in runners:
        try:
            checks += run()
        except Exception as exc:  # a check must never break the report
            checks.append(Check("check", False, f"{type(exc).__name__}: {exc}"))
    return Health(tuple(checks))


def _configuration(settings: Settings | None, error: ConfigurationError | None) -> Check:
    if settings is None or error is not None:
        detail = str(error) if error is not None else "no settings"
        return Check(
            "configuration",
            False,
            detail,
            "correct the variables named above (config/example.env documents each one)"
            + ("; the other checks used their defaults" if settings is not None else ""),
        )
    return Check("configuration", True, f"{settings.environment}, API host {settings.api_base}")


def _consumer_key(settings: Settings) -> Check:
    missing = [
        var
        for var, value in (
            ("ETRADE_CONSUMER_KEY", settings.consumer_key),
            ("ETRADE_CONSUMER_SECRET", settings.consumer_secret),
        )
        if not value
    ]
    if missing:
        return Check(
            "consumer key",
            False,
            f"{' and '.join(missing)} not set",
            "copy your application's key and secret from developer.etrade.com into .env "
            "(sandbox and production keys differ)",
        )
    return Check("consumer key", True, "key and secret set")


def _token_key(settings: Settings) -> Check:
    if settings.token_store in ("keyring", "memory"):
        return Check("token key", True, f"not needed (token store: {settings.token_store})")
    if not settings.token_key:
        return Check(
            "token key",
            False,
            "ETRADE_TOKEN_KEY not set: the login cannot be saved or read (it is encrypted)",
            "run `etrade-sync key` and put the key it prints in ETRADE_TOKEN_KEY",
        )
    from .crypto.keys import parse_keys

    try:
        keys = parse_keys(settings.token_key)
    except ConfigurationError as exc:
        return Check("token key", False, str(exc), "run `etrade-sync key` for a valid key")
    return Check("token key", True, f"{len(keys)} key(s) set")


def _token_store(settings: Settings, given: TokenStore | None) -> Check:
    from .auth import AuthStatus, TokenStatus, token_store_for

    name = "token store"
    login = "etrade-sync login" + (
        " --env production" if settings.environment == "production" else ""
    )
    if settings.token_store == "file":
        path = settings.token_path
        if path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                return Check(name, False, f"{path} is readable by others (mode {mode:o})",
                             f"chmod 600 {path}")  # fmt: skip
        if settings.token_key is None:
            return Check(name, None, f"{path}: needs the token key")
    try:
        store = given if given is not None else token_store_for(settings)
        token = store.load()
    except ConfigurationError as exc:
        if exc.name == "token_store":
            fix = "set up an OS keyring, or use ETRADE_TOKEN_STORE=file with ETRADE_TOKEN_KEY"
        else:
            fix = f"set the ETRADE_TOKEN_KEY it was saved with, or {login}"
        return Check(name, False, str(exc), fix)
    except Exception as exc:  # a damaged file or keyring entry, a keyring error
        return Check(name, False, str(exc) or type(exc).__name__,
                     f"{login} (replaces the saved token)")  # fmt: skip
    status = AuthStatus.of(token, _utcnow(), settings.environment, store.describe())
    if status.status in (TokenStatus.ACTIVE, TokenStatus.INACTIVE):
        return Check(name, True, f"{status} [{store.describe()}]")
    return Check(name, False, f"{status} [{store.describe()}]", f"run: {login}")


def _api_host(settings: Settings, given: requests.Session | None = None) -> list[Check]:
    """One unsigned request to the API host: TLS works, and its ``Date`` header."""
    import contextlib

    import requests

    url = settings.api_base + "/"
    tls = url.startswith("https://")
    try:
        with contextlib.ExitStack() as stack:
            session = given or stack.enter_context(requests.Session())
            response = session.get(
                url,
                timeout=(settings.connect_timeout, settings.read_timeout),
                allow_redirects=False,
            )
            response.close()
    except requests.exceptions.SSLError as exc:
        return [
            Check("API host (TLS)", False, f"TLS to {settings.api_base} failed: {_short(exc)}",
                  "check the system's CA certificates (ca-certificates) and any proxy"),
            Check("clock", None, "needs an answer from the API host"),
        ]  # fmt: skip
    except requests.exceptions.RequestException as exc:
        return [
            Check("API host (TLS)", False, f"no answer from {settings.api_base}: {_short(exc)}",
                  "check the network, a proxy, or ETRADE_BASE_URL"),
            Check("clock", None, "needs an answer from the API host"),
        ]  # fmt: skip
    what = "TLS connection" if tls else "plain HTTP (loopback only)"
    host_check = Check("API host (TLS)", True, f"{what} to {settings.api_base} works")
    return [host_check, _clock(response.headers)]


def _pool(settings: Settings, session: requests.Session) -> Check:
    """The client's connection pool per host (see ``client.stats()["pool"]``)."""
    from .transport.pools import pool_stats

    hosts = pool_stats(session, (settings.api_base + "/", settings.oauth_base + "/"))
    if not hosts:
        return Check("connection pool", None, "no connection opened yet")
    detail = "; ".join(
        f"{host}: {f['open']} open ({f['idle']} idle, {f['in_use']} in use), "
        f"{f['created']} created, {f['blocked']} blocked, {f['full']} full"
        for host, f in hosts.items()
    )
    return Check("connection pool", True, detail)


def _clock(headers: Mapping[str, str]) -> Check:
    header = headers.get("Date")
    if not header:
        return Check("clock", None, "the API host sent no Date header")
    try:
        server = email.utils.parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return Check("clock", None, f"unreadable Date header {header!r}")
    skew = time.time() - server
    if abs(skew) > SKEW_LIMIT:
        return Check(
            "clock",
            False,
            f"this machine's clock is {skew:+.0f} s off the API host's "
            f"(OAuth timestamps a few minutes off are refused)",
            "sync the clock with NTP (e.g. `timedatectl set-ntp true`)",
        )
    return Check("clock", True, f"{skew:+.1f} s off the API host's clock")


def _gate(settings: Settings) -> Check:
    backend = settings.rate_limit_backend
    if backend == "memory":
        return Check("rate gate", True, "memory (this process only)")
    if backend.startswith("sqlite:"):
        from .config.checks import sqlite_backend_path

        path = sqlite_backend_path(backend)
        try:
            with sqlite3.connect(path, timeout=5) as conn:
                conn.execute("CREATE TABLE IF NOT EXISTS _etrade_sync_doctor (x)")
                conn.execute("DROP TABLE _etrade_sync_doctor")
        except sqlite3.Error as exc:
            return Check("rate gate", False, f"{path}: {exc}", f"make {path} writable")
        return Check("rate gate", True, f"SQLite file {path} is writable")
    from .observe.redact import redact_url

    shown = redact_url(backend)
    try:
        import redis
    except ImportError:
        return Check("rate gate", False, f"{shown}: the redis package is missing",
                     'pip install "etrade_sync[redis]"')  # fmt: skip
    try:
        redis.Redis.from_url(backend, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:
        return Check("rate gate", False, f"{shown}: {_short(exc)}",
                     "start Redis or correct ETRADE_RATE_LIMIT_BACKEND")  # fmt: skip
    return Check("rate gate", True, f"Redis at {shown} answers")


def _journal(settings: Settings, given: JournalStore | None) -> Check:
    from .observe.redact import redact_url
    from .orders import open_journal

    name = "order journal"
    where = redact_url(settings.journal_url) if settings.journal_url else str(settings.journal_path)
    if not settings.journal_url:
        path = settings.journal_path
        folder = _existing_parent(path)
        if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            return Check(name, False, f"{path} is not writable",
                         f"make {folder} writable, or set ETRADE_JOURNAL_FILE")  # fmt: skip
    release: Callable[[], None] = lambda: None  # noqa: E731
    journal = given
    try:
        if journal is None:
            journal, release = open_journal(settings)
        unresolved = journal.unresolved()
    except Exception as exc:  # SQLite, OS or PostgreSQL errors alike
        fix = (
            "check ETRADE_JOURNAL_URL and that PostgreSQL answers"
            if settings.journal_url
            else ("set ETRADE_JOURNAL_FILE to a writable file")
        )
        return Check(name, False, f"{where}: {_short(exc)}", fix)
    finally:
        release()
    if unresolved:
        ids = ", ".join(str(entry.client_order_id or entry.id) for entry in unresolved[:5])
        return Check(
            name,
            False,
            f"{len(unresolved)} order call(s) with an unknown outcome ({ids})",
            "etrade-sync journal --unresolved, then etrade-sync resolve ACCOUNT ID for each",
        )
    return Check(name, True, f"{where} is writable; no unresolved orders")


def _existing_parent(path: Path) -> Path:
    for candidate in (path.parent, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _utcnow() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
