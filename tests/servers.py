"""Real servers on 127.0.0.1 for the tests: redis-server and PostgreSQL.

Loaded for every test directory by ``pytest_plugins`` in ``tests/conftest.py``.
Each server is a real process started from the binaries that ``scripts/test.sh``
installs with apt, listening on a free loopback port, stopped at the end. Tests
that need one and do not find the binary are skipped with the install command.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import real_clock_env


def later(seconds: float, action: Callable[[], object]) -> threading.Thread:
    """Run ``action`` after ``seconds`` in a started thread."""

    def run() -> None:
        time.sleep(seconds)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


__all__ = ["PostgresServer", "RedisServer", "free_port", "later"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -- redis-server ----------------------------------------------------------------------


class RedisServer:
    """One redis-server process, without persistence unless ``appendonly`` (AOF,
    fsync on every write); can be stopped and restarted."""

    def __init__(self, binary: str, workdir: Path, *, appendonly: bool = False) -> None:
        self.binary = binary
        self.workdir = workdir
        self.appendonly = appendonly
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        if self.appendonly:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            args += ["--appendonly", "no"]
        args += ["--dir", str(self.workdir)]
        self.proc = subprocess.Popen(
            [self.binary, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=real_clock_env(),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING within 10 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


def _redis_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        pytest.skip(
            "redis-server is not installed (scripts/test.sh installs it: apt-get install redis-server)"
        )
    return found


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server shared by the session's tests (use a unique namespace per test)."""
    server = RedisServer(_redis_binary(), tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test alone, for killing and restarting."""
    server = RedisServer(_redis_binary(), tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def persistent_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test alone with AOF on, as the README recommends."""
    server = RedisServer(_redis_binary(), tmp_path, appendonly=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def namespace() -> str:
    return uuid.uuid4().hex[:12]


# -- PostgreSQL ------------------------------------------------------------------------


def postgres_bindir() -> str | None:
    """The directory of ``initdb``/``pg_ctl``: Debian's versioned folder, else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if found:
        return os.path.dirname(found[-1])
    on_path = shutil.which("pg_ctl")
    return os.path.dirname(on_path) if on_path else None


def _version_key(path: str) -> tuple[int, ...]:
    part = path.split("/")[4]
    return tuple(int(p) for p in part.split(".") if p.isdigit())


class PostgresServer:
    """A PostgreSQL cluster made by ``initdb`` in a temporary folder, run by ``pg_ctl``.

    PostgreSQL refuses to run as root, so when the tests run as root the cluster
    belongs to the unprivileged ``nobody`` user (its folder chowned) and every
    server command runs through ``runuser``. Trust authentication on 127.0.0.1
    only; no Unix socket outside the cluster's folder.
    """

    user = "postgres"  # the cluster's superuser role (not an OS account)

    def __init__(self, bindir: str) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="etrade-sync-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            # /usr/sbin may be missing from PATH (cron, env -i): look there too
            sbin = [p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.path.exists(p)]
            runuser = shutil.which("runuser") or (sbin[0] if sbin else "runuser")
            self._as = [runuser, "-u", "nobody", "--"]
            os.chown(self.root, 65534, 65534)
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--locale=C")  # fmt: skip

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    @property
    def url(self) -> str:
        return self.dsn()

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as, os.path.join(self.bindir, tool), *args]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=120, check=False, env=real_clock_env()
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-800:]}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            f"-c fsync=off -c full_page_writes=off -c max_connections=100"
        )
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data),
                  "-l", str(self.root / "server.log"), "-o", options)  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", str(self.data))

    def restart(self) -> None:
        self.stop()
        self.start()

    def create_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def _postgres_bindir() -> str:
    found = postgres_bindir()
    if found is None:
        pytest.skip(
            "PostgreSQL is not installed (scripts/test.sh installs it: apt-get install postgresql)"
        )
    pytest.importorskip("psycopg", reason="pip install 'etrade_sync[postgres]'")
    return found


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server shared by the session's tests (use ``create_database``)."""
    server = PostgresServer(_postgres_bindir())
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty database of this test."""
    return postgres_server.create_database()


@pytest.fixture
def private_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test alone, for stopping and starting."""
    server = PostgresServer(_postgres_bindir())
    try:
        server.start()
        yield server
    finally:
        server.destroy()
