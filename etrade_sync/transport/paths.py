"""
etrade_sync.transport.paths
~~~~~~~~~~~~~~~~~~~~~~~~~~~

This module provides :func:`check_path`, the transport's last check on every
request path: the endpoint groups build paths from percent-encoded segments
(:func:`etrade_sync.api.base.segment`), and whatever slips through is refused
here before a permit is taken or a byte is sent.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from ..errors import ValidationError
from ..observe.redact import redact_path

__all__ = ["check_path"]

#: One path segment as RFC 3986 allows it: unreserved, sub-delims, ':', '@', or %XX.
_SEGMENT_RE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+")


def check_path(path: str) -> str:
    """``path`` if every segment is a plain, already-encoded segment; else raise.

    The last guard before a request leaves: no ``.``/``..`` segment (also not
    spelled ``%2E``), no empty segment, no query or fragment, no raw space or
    non-ASCII, so no input value can move a request to another endpoint.
    """
    parts = path.split("/")
    for part in parts[1:]:
        if not _SEGMENT_RE.fullmatch(part) or unquote(part) in {".", ".."}:
            raise ValidationError(
                f"refused to send a request to {redact_path(path)!r}: the segment "
                f"{redact_path(part)[:40]!r} would change the endpoint",
                field="path",
            )
    if parts[0] != "":
        raise ValidationError("request paths start with '/'", field="path")
    return path
