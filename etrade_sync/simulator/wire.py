"""Wire formats: the request/reply types and JSON, XML, HTML and form rendering."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

__all__ = [
    "ApiError",
    "OAuthProblem",
    "Reply",
    "SimRequest",
    "error_reply",
    "form_reply",
    "html_reply",
    "oauth_problem_reply",
    "ok",
    "parse_body",
    "query_params",
    "text_reply",
]

JSONDict = dict[str, Any]

RATE_LIMIT_TEXT = "Number of requests exceeded the rate limit set"
# Containers that are arrays in E*TRADE's JSON even with a single element.
LIST_KEYS = frozenset({"Order", "Instrument", "PreviewIds", "OrderIds", "Message"})


@dataclass
class SimRequest:
    """One parsed HTTP request as endpoint handlers see it."""

    method: str
    raw_path: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str
    as_json: bool
    base_url: str
    params: tuple[str, ...] = ()
    consumer_key: str | None = None
    token: str | None = None
    oauth: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lower:
                return value
        return None

    def link(self, path: str, query: dict[str, str] | None = None) -> str:
        """An absolute link like E*TRADE's: ``.json`` after the resource when JSON."""
        url = f"{self.base_url}{path}{'.json' if self.as_json else ''}"
        return f"{url}?{urlencode(query)}" if query else url


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


class ApiError(Exception):
    """An E*TRADE ``Error`` answer: HTTP ``status`` with ``code`` and ``message``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass
class OAuthProblem(Exception):
    """An OAuth failure answered with a Tomcat-style HTML page."""

    problem: str
    extra: dict[str, str] = field(default_factory=dict)
    status: int = 401

    def text(self) -> str:
        parts = [f"oauth_problem={self.problem}"]
        parts += [f"{k}={v}" for k, v in self.extra.items()]
        return "&".join(parts)


# -- rendering ------------------------------------------------------------------------


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= 0:
            return int(value)  # whole quantities stay integers, as E*TRADE sends them
        return float(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _xml_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            items = item if isinstance(item, list) else [item]
            for one in items:
                _xml_fill(ET.SubElement(element, key), one)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def render(payload: JSONDict, as_json: bool) -> tuple[bytes, str]:
    """Encode a one-key payload as JSON or as XML rooted at that key."""
    if as_json:
        text = json.dumps(payload, default=_json_default, separators=(",", ":"))
        return text.encode(), "application/json"
    ((root_name, value),) = payload.items()
    root = ET.Element(root_name)
    _xml_fill(root, value)
    head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    return head + ET.tostring(root, encoding="utf-8", xml_declaration=False), "application/xml"


def ok(call: SimRequest, payload: JSONDict, status: int = 200) -> Reply:
    body, ctype = render(payload, call.as_json)
    return Reply(status, body, ctype)


def error_reply(as_json: bool, status: int, code: int, message: str) -> Reply:
    body, ctype = render({"Error": {"code": code, "message": message}}, as_json)
    return Reply(status, body, ctype)


def html_reply(
    status: int, title: str, inner: str, headers: tuple[tuple[str, str], ...] = ()
) -> Reply:
    page = f"<html><head><title>{html.escape(title)}</title></head><body>{inner}</body></html>"
    return Reply(status, page.encode(), "text/html;charset=utf-8", headers)


def oauth_problem_reply(problem: OAuthProblem) -> Reply:
    # The problem text is placed raw so that ``a=b&c=d`` survives as E*TRADE sends it.
    return html_reply(problem.status, "Error", f"<p>{problem.text()}</p>")


def rate_limit_reply() -> Reply:
    return html_reply(400, "Rate limit", f"<p>{RATE_LIMIT_TEXT}</p>")


def form_reply(values: dict[str, str]) -> Reply:
    return Reply(200, urlencode(values).encode(), "application/x-www-form-urlencoded")


def text_reply(text: str, status: int = 200) -> Reply:
    return Reply(status, text.encode(), "text/plain;charset=utf-8")


# -- request bodies -------------------------------------------------------------------


def _xml_to_value(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(child.tag, []).append(_xml_to_value(child))
    return {
        tag: values if (tag in LIST_KEYS or len(values) > 1) else values[0]
        for tag, values in grouped.items()
    }


_TAG_NS = re.compile(r"^\{[^}]*\}")


def parse_body(call: SimRequest) -> JSONDict:
    """Decode a JSON or XML request body into a dict (XML lists follow E*TRADE's)."""
    text = call.body.strip()
    if not text:
        raise ApiError(400, 1000, "The request body is empty.")
    ctype = (call.header("Content-Type") or "").lower()
    if text.startswith("<") or "xml" in ctype:
        try:
            root = ET.fromstring(text)  # noqa: S314 - local simulator, trusted callers
        except ET.ParseError as exc:
            raise ApiError(400, 1000, f"The request body is not valid XML: {exc}") from exc
        for element in root.iter():
            element.tag = _TAG_NS.sub("", element.tag)
        return {root.tag: _xml_to_value(root)}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, 1000, f"The request body is not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise ApiError(400, 1000, "The request body must be a JSON object.")
    return data


# -- query parameters -----------------------------------------------------------------

#: The query parameter names the endpoints read, as E*TRADE's documentation spells them.
#: A name sent in another case (pyetrade sends ``detailflag``) is read as this one: the
#: simulator's reading of E*TRADE, see the README.
QUERY_NAMES = frozenset(
    {
        "accountType", "category", "chainType", "count", "detailFlag", "direction",
        "endDate", "expiryDay", "expiryMonth", "expiryType", "expiryYear", "fromDate",
        "htmlTags", "includeWeekly", "instType", "lotsRequired", "marker", "marketSession",
        "noOfStrikes", "optionCategory", "overrideSymbolCount", "pageMarker", "pageNumber",
        "priceType", "realTimeNAV", "requireEarningsDate", "search", "securityType",
        "skipAdjusted", "skipMiniOptionsCheck", "sortBy", "sortOrder", "startDate", "status",
        "storeId", "strikePriceNear", "symbol", "toDate", "totalsRequired", "transactionType",
        "view",
    }
)  # fmt: skip
_BY_LOWER = {name.lower(): name for name in QUERY_NAMES}


def query_params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Decoded query pairs by name (the first of repeated names wins), with known names
    in their documented case."""
    out: dict[str, str] = {}
    for name, value in pairs:
        out.setdefault(_BY_LOWER.get(name.lower(), name), value)
    return out


def query_bool(call: SimRequest, name: str, default: bool = False) -> bool:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"true", "1", "yes", "y"}


def query_int(
    call: SimRequest, name: str, default: int, code: int, low: int = 1, high: int = 10**9
) -> int:
    """An integer parameter in ``[low, high]``; otherwise HTTP 400 with ``code``."""
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, code, f"The value of {name} is not valid: {raw}") from None
    if not low <= value <= high:
        raise ApiError(400, code, f"The value of {name} must be between {low} and {high}.")
    return value


def query_choice(
    call: SimRequest, name: str, choices: tuple[str, ...], default: str, code: int
) -> str:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().upper()
    if value not in choices:
        raise ApiError(400, code, f"Invalid {name} {raw!r}; expected one of {', '.join(choices)}.")
    return value
