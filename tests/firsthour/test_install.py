"""Snags 1 and 2 of the first hour: the README's commands on a machine whose only Python
is the system one, and a user's type checker seeing etrade_sync's types."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = Path("/usr/bin/python3")

USER_SCRIPT = """\
import etrade_sync

client = etrade_sync.Client.from_env()
reveal_type(client)
reveal_type(client.market.quote("AAPL").last)
"""


def test_mypy_strict_on_a_user_script_sees_the_installed_package(tmp_path: Path) -> None:
    """Run as a user would: from their own folder, no PYTHONPATH, no MYPYPATH."""
    (tmp_path / "user.py").write_text(USER_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MYPYPATH"}}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "c"), "user.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = done.stdout + done.stderr
    assert "Cannot find implementation or library stub" not in out, out
    assert 'Revealed type is "etrade_sync.client.Client"' in out, out
    assert 'Revealed type is "decimal.Decimal | None"' in out, out
    assert done.returncode == 0, out


def _tracked_copy(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            target = dest / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@pytest.mark.slow
def test_demo_command_on_the_system_python_makes_and_reuses_its_venv(tmp_path: Path) -> None:
    if not SYSTEM_PYTHON.exists() or shutil.which("git") is None:
        pytest.skip("needs /usr/bin/python3 and git")
    repo = tmp_path / "repo"
    _tracked_copy(repo)
    env = {"HOME": os.environ.get("HOME", str(tmp_path)), "PATH": "/usr/bin:/bin"}
    for var in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CERT"):
        if var in os.environ:  # the machine's package sources, as a user's pip would see them
            env[var] = os.environ[var]

    def demo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "scripts/demo.sh", "--fast"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    first = demo()
    assert first.returncode == 0, first.stderr[-3000:]
    assert "creating the project's virtual environment in .venv" in first.stderr
    assert "CANCELLED" in first.stdout
    assert (repo / ".venv" / "bin" / "etrade-sync").exists()
    second = demo()
    assert second.returncode == 0, second.stderr[-3000:]
    assert "creating" not in second.stderr and "installing" not in second.stderr
    # the system Python was left alone
    probe = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import etrade_sync"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=False,
    )
    assert probe.returncode != 0
