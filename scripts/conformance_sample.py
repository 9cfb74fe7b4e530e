"""The request flow of E*TRADE's published Python sample client, re-expressed here.

Facts taken from the sample (no code): the token calls carry their OAuth parameters in
the query string (its OAuth library's default) plus ``format=json`` on the request
token; the login page is opened with the raw, unencoded request token; API calls sign
in the ``Authorization`` header and add a ``consumerKey`` header; orders are XML bodies
(``Content-Type: application/xml``) sent to ``.json`` URLs: preview (POST) and cancel
(PUT); open orders are listed with ``status=OPEN``. Place is not in the sample; it is
sent the same way with the preview's ``PreviewIds``, as E*TRADE documents.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import requests
from oauthlib.oauth1 import SIGNATURE_TYPE_QUERY
from requests_oauthlib import OAuth1

Row = dict[str, Any]

ORDER_XML = """<{root}>
    <orderType>EQ</orderType>
    <clientOrderId>{client_id}</clientOrderId>
    <Order>
        <allOrNone>false</allOrNone>
        <priceType>LIMIT</priceType>
        <orderTerm>GOOD_UNTIL_CANCEL</orderTerm>
        <marketSession>REGULAR</marketSession>
        <stopPrice></stopPrice>
        <limitPrice>1.00</limitPrice>
        <Instrument>
            <Product><securityType>EQ</securityType><symbol>IBM</symbol></Product>
            <orderAction>BUY</orderAction>
            <quantityType>QUANTITY</quantityType>
            <quantity>1</quantity>
        </Instrument>
    </Order>{extra}
</{root}>"""


def run_sample_flow(url: str, key: str, secret: str) -> list[Row]:
    """One row per step of the sample's flow against the simulator at ``url``."""
    rows: list[Row] = []

    def step(name: str, fn: Callable[[], requests.Response], want: str) -> Any:
        try:
            response = fn()
        except requests.RequestException as exc:
            rows.append(_row(name, "fail", str(exc)))
            return None
        ok = response.status_code == 200 and want in response.text
        rows.append(
            _row(
                name,
                "pass" if ok else "fail",
                f"HTTP {response.status_code}: {response.text[:200]}" if not ok else "",
            )
        )
        return response if ok else None

    query_auth = OAuth1(key, secret, callback_uri="oob", signature_type=SIGNATURE_TYPE_QUERY)
    got = step(
        "request token (OAuth in the query, format=json)",
        lambda: requests.get(
            f"{url}/oauth/request_token", params={"format": "json"}, auth=query_auth, timeout=10
        ),
        "oauth_token=",
    )
    if got is None:
        return rows
    request_token = dict(parse_qsl(got.text))
    page = step(
        "authorize page (raw token in the URL)",
        lambda: requests.get(
            f"{url}/e/t/etws/authorize?key={key}&token={request_token['oauth_token']}",
            timeout=10,
        ),
        'id="verifier"',
    )
    if page is None:
        return rows
    match = re.search(r'<code id="verifier">(\w+)</code>', page.text)
    verifier = match.group(1) if match else ""
    token_auth = OAuth1(
        key,
        secret,
        request_token["oauth_token"],
        request_token["oauth_token_secret"],
        verifier=verifier,
        signature_type=SIGNATURE_TYPE_QUERY,
    )
    got = step(
        "access token (OAuth in the query)",
        lambda: requests.get(f"{url}/oauth/access_token", auth=token_auth, timeout=10),
        "oauth_token=",
    )
    if got is None:
        return rows
    access = dict(parse_qsl(got.text))
    session = requests.Session()
    session.auth = OAuth1(key, secret, access["oauth_token"], access["oauth_token_secret"])
    session.headers["consumerKey"] = key
    listed = step(
        "accounts/list.json",
        lambda: session.get(f"{url}/v1/accounts/list.json", timeout=10),
        "AccountListResponse",
    )
    if listed is None:
        return rows
    account = next(
        a
        for a in listed.json()["AccountListResponse"]["Accounts"]["Account"]
        if a.get("accountMode") == "MARGIN"
    )
    base = f"{url}/v1/accounts/{account['accountIdKey']}"
    step(
        "balance.json (instType, realTimeNAV=true)",
        lambda: session.get(
            f"{base}/balance.json",
            params={"instType": account["institutionType"], "realTimeNAV": "true"},
            timeout=10,
        ),
        "BalanceResponse",
    )
    step("portfolio.json", lambda: session.get(f"{base}/portfolio.json", timeout=10), "Position")
    step(
        "market/quote/IBM.json",
        lambda: session.get(f"{url}/v1/market/quote/IBM.json", timeout=10),
        "QuoteData",
    )
    xml = {"Content-Type": "application/xml"}
    client_id = uuid.uuid4().hex[:10]
    preview = step(
        "orders/preview.json (XML body)",
        lambda: session.post(
            f"{base}/orders/preview.json",
            data=ORDER_XML.format(root="PreviewOrderRequest", client_id=client_id, extra=""),
            headers=xml,
            timeout=10,
        ),
        "previewId",
    )
    if preview is None:
        return rows
    preview_id = preview.json()["PreviewOrderResponse"]["PreviewIds"][0]["previewId"]
    ids = f"\n    <PreviewIds><previewId>{preview_id}</previewId></PreviewIds>"
    placed = step(
        "orders/place.json (XML body with PreviewIds)",
        lambda: session.post(
            f"{base}/orders/place.json",
            data=ORDER_XML.format(root="PlaceOrderRequest", client_id=client_id, extra=ids),
            headers=xml,
            timeout=10,
        ),
        "OrderIds",
    )
    step(
        "orders.json?status=OPEN",
        lambda: session.get(f"{base}/orders.json", params={"status": "OPEN"}, timeout=10),
        "OrdersResponse",
    )
    if placed is not None:
        order_id = placed.json()["PlaceOrderResponse"]["OrderIds"][0]["orderId"]
        body = f"<CancelOrderRequest><orderId>{order_id}</orderId></CancelOrderRequest>"
        step(
            "orders/cancel.json (PUT, XML body)",
            lambda: session.put(f"{base}/orders/cancel.json", data=body, headers=xml, timeout=10),
            "CancelOrderResponse",
        )
    session.close()
    return rows


def _row(name: str, result: str, detail: str) -> Row:
    return {"call": f"sample: {name}", "format": "json", "result": result, "detail": detail}
