"""Small helpers for tests that talk to the simulator (or to E*TRADE) over HTTP."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

__all__ = ["error_of", "oauth_problem"]

_PROBLEM = re.compile(r"oauth_problem=([A-Za-z_]+)")


def oauth_problem(text: str) -> str | None:
    """The ``oauth_problem`` value in an E*TRADE 401 page (or any text), if present."""
    match = _PROBLEM.search(text)
    return match.group(1) if match else None


def error_of(body: str) -> tuple[int, str] | None:
    """(code, message) of a JSON ``{"Error": ...}`` or XML ``<Error>`` body, if it is one."""
    text = body.strip()
    if text.startswith("{"):
        try:
            error = json.loads(text).get("Error")
        except (ValueError, AttributeError):
            return None
        if isinstance(error, dict) and "code" in error:
            return int(error["code"]), str(error.get("message", ""))
        return None
    if text.startswith("<"):
        try:
            root = ET.fromstring(text.split("?>", 1)[-1])  # noqa: S314
        except ET.ParseError:
            return None
        if root.tag == "Error" and root.findtext("code"):
            return int(root.findtext("code") or 0), root.findtext("message") or ""
    return None
