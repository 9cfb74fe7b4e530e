"""Row reporting and answer checks shared by the pyetrade conformance driver.

Plain Python (no pyetrade import): each call becomes one JSON line on stdout.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

QUIRK = "quirk"


def emit(call: str, fmt: str, result: str, detail: str = "") -> None:
    line = {"call": call, "format": fmt, "result": result, "detail": detail}
    print(json.dumps(line), flush=True)


def check(call: str, fmt: str, fn: Callable[[], Any], verify: Callable[[Any], Any]) -> Any:
    """Run one pyetrade call; pass if it returns and ``verify`` accepts the answer."""
    try:
        answer = fn()
    except Exception as exc:  # report every failure as a row, never stop the run
        emit(call, fmt, "fail", f"{type(exc).__name__}: {exc}"[:300])
        return None
    try:
        problem = verify(answer)
    except Exception as exc:
        problem = f"unexpected answer shape: {type(exc).__name__}: {exc}"
    if problem:
        emit(call, fmt, "fail", str(problem)[:300])
        return None
    emit(call, fmt, "pass")
    return answer


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def client_order_id() -> str:
    return uuid.uuid4().hex[:12]


def _true(answer: Any) -> str | None:
    return None if answer is True else f"expected True, got {answer!r}"


def _has(*path: str) -> Callable[[Any], str | None]:
    def verify(answer: Any) -> str | None:
        node = answer
        for part in path:
            if isinstance(node, list):
                node = node[0]
            if not isinstance(node, dict) or part not in node:
                return f"missing {'/'.join(path)}"
            node = node[part]
        return None

    return verify
