"""The README's Python blocks, as the docs runner sees them.

Every ```python block of README.md runs, in order and in one namespace, against the
simulator (the docs site is built from the same sections, so its blocks run too). A
line right before a block may steer it:

- ``<!-- docs-test: skip (why) -->``: the block cannot run here; the reason is required.
- ``<!-- docs-test: before: CODE -->``: CODE runs first (for example a fresh preview).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Block", "readme_blocks"]

_DIRECTIVE = re.compile(r"^<!-- docs-test: (skip \((?P<why>.+)\)|before: (?P<code>.+)) -->$")


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the first code line
    code: str
    skip: str | None = None
    before: str | None = None


def readme_blocks(readme: Path) -> list[Block]:
    lines = readme.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```python":
            i += 1
            continue
        start = i + 1
        end = start
        while lines[end].strip() != "```":
            end += 1
        prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        match = _DIRECTIVE.match(prev.strip())
        blocks.append(
            Block(
                line=start + 1,
                code="\n".join(lines[start:end]),
                skip=match.group("why") if match else None,
                before=match.group("code") if match else None,
            )
        )
        i = end + 1
    return blocks
