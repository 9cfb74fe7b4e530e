"""Every runnable Python block of the README (and so of the docs site) runs against the
simulator, so the documentation cannot drift from the code."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from etrade_sync.simulator import Simulator
from tests.docs.readme_blocks import readme_blocks
from tests.support import logged_in_env

ROOT = Path(__file__).resolve().parents[2]

RUNNER = textwrap.dedent(
    """
    import json, sys

    def run(client):  # "your job" in the README's cron recipe
        client.accounts.list()

    namespace = {"__name__": "__readme__", "run": run}
    for block in json.load(open(sys.argv[1])):
        label = f"README.md:{block['line']}"
        if block["skip"]:
            print(f"{label} skipped: {block['skip']}")
            continue
        try:
            if block["before"]:
                exec(compile(block["before"], label + " (before)", "exec"), namespace)
            exec(compile(block["code"], label, "exec"), namespace)
        except SystemExit as exc:
            print(f"{label} exited with {exc.code}")
            raise
        print(f"{label} ran")
    """
)


def test_every_block_is_runnable_or_says_why_not() -> None:
    blocks = readme_blocks(ROOT / "README.md")
    assert len(blocks) >= 5
    for block in blocks:
        assert block.skip is None or block.skip.strip(), f"README.md:{block.line}: no reason"


@pytest.mark.slow
def test_readme_blocks_run_against_the_simulator(tmp_path: Path) -> None:
    blocks = readme_blocks(ROOT / "README.md")
    (tmp_path / "blocks.json").write_text(json.dumps([b.__dict__ for b in blocks]))
    (tmp_path / "runner.py").write_text(RUNNER)
    with Simulator() as sim:
        env = logged_in_env(sim, tmp_path)
        done = subprocess.run(
            [sys.executable, str(tmp_path / "runner.py"), str(tmp_path / "blocks.json")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    ran = [line for line in done.stdout.splitlines() if line.endswith(" ran")]
    assert len(ran) == sum(1 for b in blocks if not b.skip), done.stdout
