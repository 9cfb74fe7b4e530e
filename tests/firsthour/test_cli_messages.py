"""Snags 4-7 of the first hour, through the real command over real sockets: no
traceback for any input or pipe, every missing piece named at once, each message
printed once, and a ``status`` that remembers E*TRADE's refusal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from etrade_sync import Client, Settings
from etrade_sync.simulator import Simulator
from tests.firsthour.conftest import Run, clean_env, sim_env


def logged_in(sim: Simulator, env: dict[str, str]) -> None:
    settings = Settings.from_env(environ=env, dotenv_path=None)
    with Client(settings) as client:
        client.auth.use_token(*sim.issue_access_token())


def assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    for bad in ("Traceback", "Error:", "Exception ignored"):
        assert bad not in done.stderr, done.stderr


# -- snag 4: no traceback, ever --------------------------------------------------------


def test_end_of_input_at_the_code_prompt(sim: Simulator, tmp_path: Path, cli: Run) -> None:
    done = cli("login", "--no-browser", env=sim_env(sim, tmp_path))  # stdin: /dev/null
    assert done.returncode == 2
    assert_clean(done)
    assert "end of input" in done.stderr
    assert done.stderr.count("\n") == 1


def test_commands_piped_into_head_end_quietly(sim: Simulator, tmp_path: Path) -> None:
    env = sim_env(sim, tmp_path)
    logged_in(sim, env)
    symbols = " ".join(f"S{i}" for i in range(150))
    for command in ("accounts", f"quote AAPL MSFT IBM {symbols}", "--help", "doctor"):
        done = subprocess.run(
            f"{sys.executable} -m etrade_sync {command} | head -c 20 >/dev/null; "
            "echo ${PIPESTATUS[0]} >&2",
            shell=True,
            executable="/bin/bash",
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
        assert done.stderr.strip().splitlines()[-1] in {"0", "1"}, (command, done.stderr)


def test_ctrl_c_at_the_prompt_exits_130(sim: Simulator, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "etrade_sync", "login", "--no-browser"],
        env=sim_env(sim, tmp_path),
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    seen = ""
    while not seen.endswith("Verification code: "):
        char = proc.stdout.read(1)
        assert char, seen
        seen += char
    time.sleep(0.5)  # the prompt is waiting in input()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupted" in err
    assert "Traceback" not in err


def test_wrong_type_for_a_setting_is_one_line(tmp_path: Path) -> None:
    code = (
        "import etrade_sync\n"
        "etrade_sync.Client(etrade_sync.Settings(consumer_key=123, consumer_secret='s'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert "ConfigurationError: consumer_key must be text (str), not int" in done.stderr
    assert "AttributeError" not in done.stderr


# -- snag 5: every missing piece at once -------------------------------------------------


def test_nothing_configured_names_every_missing_piece_once(tmp_path: Path, cli: Run) -> None:
    env = clean_env(tmp_path)
    for command in ("login", "accounts", "status"):
        done = cli(command, env=env)
        assert done.returncode == 2, (command, done.stderr)
        assert_clean(done)
        for var in ("ETRADE_CONSUMER_KEY", "ETRADE_CONSUMER_SECRET", "ETRADE_TOKEN_KEY"):
            assert done.stderr.count(var) == 1, (command, done.stderr)
        assert "MemoryTokenStore" not in done.stderr


# -- snag 6: each message printed once -----------------------------------------------


def test_wrong_key_and_corrupt_file_are_said_once(sim: Simulator, tmp_path: Path, cli: Run) -> None:
    env = sim_env(sim, tmp_path)
    logged_in(sim, env)
    wrong = dict(env, ETRADE_TOKEN_KEY=sim_env(sim, tmp_path)["ETRADE_TOKEN_KEY"])
    done = cli("accounts", env=wrong)
    assert done.returncode == 2
    assert "WARNING" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    Path(env["ETRADE_TOKEN_FILE"]).write_text("garbage")
    done = cli("accounts", env=env)
    assert done.returncode == 2
    assert "WARNING" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_missing_keyring_exits_2_with_one_message(sim: Simulator, tmp_path: Path, cli: Run) -> None:
    env = sim_env(
        sim,
        tmp_path,
        ETRADE_TOKEN_STORE="keyring",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    done = cli("accounts", env=env)
    assert done.returncode == 2, done.stderr
    assert "no OS keyring" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# -- snag 7: status remembers E*TRADE's refusal; revoke with nothing saved -------------


def test_status_remembers_a_refused_token(sim: Simulator, tmp_path: Path, cli: Run) -> None:
    env = sim_env(sim, tmp_path)
    logged_in(sim, env)
    assert cli("status", env=env).returncode == 0
    # the token is revoked elsewhere (another machine, E*TRADE's site)
    settings = Settings.from_env(environ=env, dotenv_path=None).replace(token_store="memory")
    with Client(settings) as other:
        stored = Client(Settings.from_env(environ=env, dotenv_path=None))
        token = stored.auth._token
        stored.close()
        assert token is not None
        other.auth.use_token(token.token, token.token_secret)
        other.auth.revoke()
    accounts = cli("accounts", env=env)
    assert accounts.returncode == 3, accounts.stderr
    status = cli("status", env=env)
    assert status.returncode == 3, status.stdout
    assert "REFUSED" in status.stdout
    assert "etrade-sync login" in status.stdout
    as_json = json.loads(cli("status", "--json", env=env).stdout)
    assert as_json["status"] == "REFUSED"
    assert as_json["refused_by"]
    # a fresh login clears it
    logged_in(sim, env)
    assert cli("status", env=env).returncode == 0


def test_revoke_with_nothing_saved_says_so(sim: Simulator, tmp_path: Path, cli: Run) -> None:
    env = sim_env(sim, tmp_path)
    done = cli("revoke", env=env)
    assert done.returncode == 0
    assert "nothing to revoke" in done.stdout
    assert "revoked at E*TRADE" not in done.stdout
    logged_in(sim, env)
    done = cli("revoke", env=env)
    assert "revoked at E*TRADE" in done.stdout
    assert not os.path.exists(env["ETRADE_TOKEN_FILE"]) or cli("status", env=env).returncode == 3
