"""Snag 3: ``etrade-sync simulator`` and the README's "Try the login against the
simulator", followed word for word with real processes."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from etrade_sync.simulator import Simulator
from tests.firsthour.conftest import clean_env

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_section(title: str) -> list[list[str]]:
    """The commands of each ``console`` block in the README section ``title``."""
    text = README.read_text()
    start = text.index(f"## {title}\n")
    end = text.index("\n## ", start + 1)
    blocks = re.findall(r"```console\n(.*?)```", text[start:end], re.S)
    return [[line.strip() for line in block.splitlines() if line.strip()] for block in blocks]


def command(line: str) -> list[str]:
    words = shlex.split(line)
    assert words[0] == "etrade-sync", line
    return [sys.executable, "-m", "etrade_sync", *words[1:]]


class Running:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        else:
            raise AssertionError(self.proc.stderr.read() if self.proc.stderr else "")

    def exports(self) -> dict[str, str]:
        found = {}
        for line in self.lines:
            if line.strip().startswith("export "):
                name, _, value = line.strip()[len("export ") :].partition("=")
                found[name] = shlex.split(value)[0]
        return found

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=30)
        return self.proc.returncode, out


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Running]:
    first = readme_section("Try the login against the simulator")[0]
    assert first == ["etrade-sync simulator"]
    running = Running([*command(first[0]), "--port", "0"], clean_env(tmp_path))
    yield running
    if running.proc.poll() is None:
        running.stop()


def test_simulator_prints_every_variable_to_export(started: Running, tmp_path: Path) -> None:
    exports = started.exports()
    for var in ("ETRADE_BASE_URL", "ETRADE_AUTHORIZE_URL", "ETRADE_CONSUMER_KEY",
                "ETRADE_CONSUMER_SECRET", "ETRADE_TOKEN_KEY", "ETRADE_TOKEN_FILE"):  # fmt: skip
        assert exports.get(var), var
    assert not exports["ETRADE_BASE_URL"].endswith("/v1")
    assert exports["ETRADE_AUTHORIZE_URL"].startswith(exports["ETRADE_BASE_URL"])
    token_dir = Path(exports["ETRADE_TOKEN_FILE"]).parent
    assert token_dir.is_dir()
    assert not str(token_dir).startswith(str(tmp_path / "state"))  # not the real login's
    code, _ = started.stop()
    assert code == 0
    assert not token_dir.exists()


def test_readme_walkthrough_word_for_word(started: Running, tmp_path: Path) -> None:
    _, (login_line,), rest = readme_section("Try the login against the simulator")
    env = dict(clean_env(tmp_path), **started.exports())
    login = subprocess.Popen(
        command(login_line),
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert login.stdout is not None and login.stdin is not None
    seen = ""
    while not seen.endswith("Verification code: "):
        char = login.stdout.read(1)
        assert char, seen
        seen += char
    assert "its page approves at once and shows the verification code" in seen
    link = re.search(r"(http://\S+)", seen)
    assert link, seen
    page = urllib.request.urlopen(link.group(1), timeout=10).read().decode()  # "or curl it"
    code = re.search(r'<code id="verifier">([^<]+)</code>', page)
    assert code, page
    out, err = login.communicate(code.group(1) + "\n", timeout=60)
    assert login.returncode == 0, err
    assert "Logged in. ACTIVE" in out
    for line in rest:
        done = subprocess.run(
            command(line), env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, (line, done.stdout, done.stderr)
        assert done.stderr == "", (line, done.stderr)


def test_busy_port_says_what_to_do(tmp_path: Path) -> None:
    with Simulator() as sim:
        done = subprocess.run(
            [sys.executable, "-m", "etrade_sync", "simulator", "--port", str(sim.port)],
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert f"port {sim.port}" in done.stderr and "already in use" in done.stderr
    assert "--port" in done.stderr
    assert "Traceback" not in done.stderr


def test_seed_and_consumer_key_options_and_help(tmp_path: Path) -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "etrade_sync", "simulator", "--help"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    for option in ("--port", "--seed", "--consumer-key", "--consumer-secret"):
        assert option in helped.stdout
    args = ["--port", "0", "--seed", "7", "--consumer-key", "mykey", "--consumer-secret", "mysec"]
    running = Running(
        [sys.executable, "-m", "etrade_sync", "simulator", *args], clean_env(tmp_path)
    )
    try:
        exports = running.exports()
        assert exports["ETRADE_CONSUMER_KEY"] == "mykey"
        assert exports["ETRADE_CONSUMER_SECRET"] == "mysec"
        assert "(seed 7)" in "".join(running.lines)
    finally:
        running.stop()
    assert os.path.exists(README)
