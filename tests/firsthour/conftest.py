"""Helpers for the first-hour tests: the CLI in a subprocess with a clean environment."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import clean_env, sim_env

__all__ = ["Run", "clean_env", "sim_env"]

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(tmp_path: Path) -> Run:
    """``cli(*args, env=..., input=...)``: ``python -m etrade_sync`` in ``tmp_path``."""

    def run(
        *args: str, env: dict[str, str], input: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "etrade_sync", *args],
            env=env,
            cwd=tmp_path,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
