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


def test_missing_venv_module_prints_the_exact_install_command(tmp_path: Path) -> None:
    """A user without root on a machine without python3-venv is told what to run."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "env.sh", repo / "scripts" / "env.sh")
    shutil.copy2(ROOT / "pyproject.toml", repo / "pyproject.toml")
    fake = tmp_path / "bin"
    fake.mkdir()
    real = shutil.which("python3") or sys.executable
    scripts = {
        "id": "#!/bin/sh\necho 1000\n",  # not root
        "sudo": "#!/bin/sh\nexit 1\n",  # and no usable sudo
        # a python3 whose venv module is incomplete, as on Debian without python3-venv
        "python3": f'#!/bin/sh\ncase "$*" in *ensurepip*) exit 1;; esac\nexec {real} "$@"\n',
    }
    for name, text in scripts.items():
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    done = subprocess.run(
        ["bash", "-c", ". scripts/env.sh && ensure_venv"],
        cwd=repo,
        env={"HOME": str(tmp_path), "PATH": f"{fake}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "has no working venv module" in done.stderr
    assert "sudo apt-get install -y python3-venv python3." in done.stderr, done.stderr
    assert not (repo / ".venv").exists()
